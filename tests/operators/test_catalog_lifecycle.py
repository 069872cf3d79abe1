"""The catalog operator's lifecycle against the local stack: if_exists, the create race, validation, replace."""

from __future__ import annotations

import json

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_starrocks.hooks.starrocks import StarRocksHook
from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator
from airflow_provider_starrocks.testing.aws import REGION, USER_LOADER

# A definition created behind the operator's back (another task, another user).
OTHER_DEFINITION = (
    'CREATE EXTERNAL CATALOG `sales` COMMENT "theirs" PROPERTIES ("type" = "hive", "hive.metastore.type" = "glue", '
    '"aws.glue.use_instance_profile" = "true", "aws.glue.region" = "us-west-2")'
)


def show_catalogs() -> dict[str, str]:
    rows, _ = StarRocksHook().query("SHOW CATALOGS")
    return {row[0]: row[2] for row in rows if row[0] != "default_catalog"}


def operator(**kwargs) -> StarRocksCreateExternalCatalogOperator:
    defaults = {
        "task_id": "create",
        "catalog_name": "sales",
        "catalog_type": "hive",
        "metastore": "glue",
        "aws_conn_id": "aws_iam_user",
        "comment": "ours",
    }
    return StarRocksCreateExternalCatalogOperator(**{**defaults, **kwargs})


class RacingHook(StarRocksHook):
    """Creates the catalog on another connection right before the operator's CREATE reaches the FE."""

    raced = False

    def execute_statement(self, statement, conn=None):
        if statement.sql.startswith("CREATE EXTERNAL CATALOG `sales`") and not self.raced:
            self.raced = True
            StarRocksHook().query(OTHER_DEFINITION)
        return super().execute_statement(statement, conn)


@pytest.mark.parametrize("race", [pytest.param(False, id="existing"), pytest.param(True, id="race")])
@pytest.mark.parametrize(
    ("if_exists", "action", "comment"),
    [
        pytest.param("error", None, "theirs", id="error"),
        pytest.param("ignore", "ignored", "theirs", id="ignore"),
        pytest.param("replace", "replaced", "ours", id="replace"),
    ],
)
def test_if_exists(starrocks, race, if_exists, action, comment):
    task = operator(if_exists=if_exists)
    if race:
        task.hook = RacingHook()
    else:
        StarRocksHook().query(OTHER_DEFINITION)
    if action is None:
        with pytest.raises(
            AirflowFailException, match="Catalog 'sales' already exists: set if_exists='ignore'"
        ):
            task.execute({})
    else:
        assert task.execute({})["action"] == action
    assert show_catalogs() == {"sales": comment}
    if race:
        assert task.hook.raced


def test_replace_validates_under_a_temporary_name_first(starrocks):
    StarRocksHook().query(OTHER_DEFINITION)
    assert operator(if_exists="replace").execute({})["action"] == "replaced"
    creates = [s for s in starrocks.statements if s.startswith("CREATE EXTERNAL CATALOG `sales")]
    temp = creates[1].split("`")[1]
    assert temp.startswith("sales__tmp_")
    assert f"SHOW DATABASES FROM `{temp}`" in starrocks.statements
    order = [
        s for s in starrocks.statements if s.startswith(("CREATE EXTERNAL", "DROP CATALOG", "SHOW DATABASES"))
    ]
    assert order[1:] == [
        creates[1],
        f"SHOW DATABASES FROM `{temp}`",
        f"DROP CATALOG `{temp}`",
        "DROP CATALOG `sales`",
        creates[2],
        "SHOW DATABASES FROM `sales`",
    ]
    rows, _ = StarRocksHook().query("SHOW CREATE CATALOG `sales`")
    assert '"aws.glue.access_key"' in rows[0][1]


@pytest.fixture
def wrong_secret_conn(starrocks, monkeypatch):
    access_key, _ = starrocks.aws.users[USER_LOADER]
    conn = {
        "conn_type": "aws",
        "login": access_key,
        "password": "not-the-secret-0000",
        "extra": {"region_name": REGION},
    }
    monkeypatch.setenv("AIRFLOW_CONN_AWS_WRONG_SECRET", json.dumps(conn))
    return "aws_wrong_secret"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"aws_conn_id": "wrong_secret"}, "SignatureDoesNotMatch", id="wrong_secret"),
        pytest.param({"glue_aws_conn_id": "aws_assumed_role"}, "AccessDenied", id="role_without_glue_rights"),
        pytest.param({"aws_conn_id": "aws_no_policy"}, "AccessDenied", id="user_without_glue_permission"),
    ],
)
def test_validation_failure_drops_the_catalog(starrocks, wrong_secret_conn, kwargs, message):
    if kwargs.get("aws_conn_id") == "wrong_secret":
        kwargs["aws_conn_id"] = wrong_secret_conn
    with pytest.raises(AirflowFailException, match=message) as failure:
        operator(**kwargs).execute({})
    assert "validating catalog 'sales' (it was dropped again)" in str(failure.value)
    assert "not-the-secret-0000" not in str(failure.value)
    assert starrocks.statements[-1] == "DROP CATALOG `sales`"
    assert show_catalogs() == {}


def test_replace_keeps_the_old_catalog_when_the_new_one_fails(starrocks):
    StarRocksHook().query(OTHER_DEFINITION)
    with pytest.raises(AirflowFailException, match="replacement for catalog 'sales'; 'sales' is unchanged"):
        operator(if_exists="replace", aws_conn_id="aws_no_policy").execute({})
    assert show_catalogs() == {"sales": "theirs"}
    assert "DROP CATALOG `sales`" not in starrocks.statements


def test_unreachable_metastore_is_retryable(starrocks):
    task = operator(metastore="hive", metastore_uris="thrift://10.0.0.1:9083")
    with pytest.raises(AirflowException, match="Could not connect to meta store") as failure:
        task.execute({})
    assert not isinstance(failure.value, AirflowFailException)
    assert show_catalogs() == {}


def test_validate_false_keeps_an_unreachable_catalog(starrocks):
    task = operator(metastore="hive", metastore_uris="thrift://10.0.0.1:9083", validate=False)
    assert task.execute({})["validated"] is False
    assert show_catalogs() == {"sales": "ours"}
    assert not any(s.startswith("SHOW DATABASES") for s in starrocks.statements)


def test_rendered_secret_properties_are_masked():
    from airflow.providers.common.compat.sdk import redact

    task = operator(
        catalog_type="iceberg",
        metastore="jdbc",
        jdbc_uri="jdbc:mysql://db:3306/ice",
        warehouse="s3://b/wh/",
        properties={"iceberg.catalog.jdbc.user": "ice", "iceberg.catalog.jdbc.password": "{{ params.pw }}"},
    )
    task.render_template_fields({"params": {"pw": "jdbc-pass-123456"}})
    assert task.properties["iceberg.catalog.jdbc.password"] == "jdbc-pass-123456"
    assert "jdbc-pass-123456" not in repr(redact(dict(task.properties), "properties"))
    assert "jdbc-pass-123456" not in repr(redact("password is jdbc-pass-123456"))
