"""StarRocksCreateExternalCatalogOperator against the local stack: the docs' examples, property sets, bad input."""

from __future__ import annotations

import re

import pendulum
import pytest
from airflow.providers.common.compat.sdk import DAG, AirflowException, AirflowFailException

from airflow_provider_starrocks.hooks.starrocks import StarRocksHook
from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator
from airflow_provider_starrocks.testing.aws import (
    GLUE_ASSUMED_ROLE,
    GLUE_DATABASE,
    S3_ASSUMED_ROLE,
    USER_LOADER,
)
from airflow_provider_starrocks.testing.aws_identities import role_arn

_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)"')
HMS_URI = "thrift://xx.xx.xx.xx:9083"
PAGE_ACCOUNT_ROLE = "arn:aws:iam::081976408565:role/{}"


def property_map(statement: str) -> dict[str, str]:
    """Parse the PROPERTIES of a statement the stack received."""
    body = statement.split("PROPERTIES", 1)[1]
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _PAIR.findall(body)}


def sent(stack, prefix: str) -> list[str]:
    return [s for s in stack.statements if s.lstrip().upper().startswith(prefix)]


def catalogs(stack=None) -> set[str]:
    rows, _ = StarRocksHook().query("SHOW CATALOGS")
    return {row[0] for row in rows} - {"default_catalog"}


# The examples of docs/en/integrations/csp_auth/authenticate_to_aws_resources.md, "External catalog". The page's
# account and placeholders are replaced by the stack's identities (substitutions, not deviations).
PAGE_EXAMPLES = {
    ("hms", "instance_profile"): {
        "type": "hive",
        "aws.s3.use_instance_profile": "true",
        "aws.s3.region": "us-west-2",
        "hive.metastore.uris": HMS_URI,
    },
    ("glue", "instance_profile"): {
        "type": "hive",
        "aws.s3.use_instance_profile": "true",
        "aws.s3.region": "us-west-2",
        "hive.metastore.type": "glue",
        "aws.glue.use_instance_profile": "true",
        "aws.glue.region": "us-west-2",
    },
    ("hms", "assumed_role"): {
        "type": "hive",
        "aws.s3.use_instance_profile": "true",
        "aws.s3.iam_role_arn": PAGE_ACCOUNT_ROLE.format("s3_assumed_role"),
        "aws.s3.region": "us-west-2",
        "hive.metastore.uris": HMS_URI,
    },
    ("glue", "assumed_role"): {
        "type": "hive",
        "aws.s3.use_instance_profile": "true",
        "aws.s3.iam_role_arn": PAGE_ACCOUNT_ROLE.format("s3_assumed_role"),
        "aws.s3.region": "us-west-2",
        "hive.metastore.type": "glue",
        "aws.glue.use_instance_profile": "true",
        "aws.glue.iam_role_arn": PAGE_ACCOUNT_ROLE.format("glue_assumed_role"),
        "aws.glue.region": "us-west-2",
    },
    ("hms", "iam_user"): {
        "type": "hive",
        "aws.s3.use_instance_profile": "false",
        "aws.s3.access_key": "<iam_user_access_key>",
        # The page's typo: "<iam_user_access_key>" where the secret key belongs.
        "aws.s3.secret_key": "<iam_user_access_key>",
        "aws.s3.region": "us-west-2",
        "hive.metastore.uris": HMS_URI,
    },
    ("glue", "iam_user"): {
        "type": "hive",
        "aws.s3.use_instance_profile": "false",
        "aws.s3.access_key": "<iam_user_access_key>",
        "aws.s3.secret_key": "<iam_user_secret_key>",
        "aws.s3.region": "us-west-2",
        "hive.metastore.type": "glue",
        "aws.glue.use_instance_profile": "false",
        "aws.glue.access_key": "<iam_user_access_key>",
        "aws.glue.secret_key": "<iam_user_secret_key>",
        "aws.glue.region": "us-west-2",
    },
}
AUTH_CONNECTIONS = {
    "instance_profile": ("aws_instance_profile", "aws_instance_profile"),
    "assumed_role": ("aws_assumed_role", "aws_glue_role"),
    "iam_user": ("aws_iam_user", "aws_iam_user"),
}


def expected_properties(stack, metastore: str, auth: str) -> dict[str, str]:
    access_key, secret_key = stack.aws.users[USER_LOADER]
    substitutions = {
        PAGE_ACCOUNT_ROLE.format("s3_assumed_role"): role_arn(S3_ASSUMED_ROLE),
        PAGE_ACCOUNT_ROLE.format("glue_assumed_role"): role_arn(GLUE_ASSUMED_ROLE),
        "<iam_user_access_key>": access_key,
        "<iam_user_secret_key>": secret_key,
    }
    expected = {k: substitutions.get(v, v) for k, v in PAGE_EXAMPLES[(metastore, auth)].items()}
    if (metastore, auth) == ("hms", "iam_user"):
        expected["aws.s3.secret_key"] = secret_key  # intended deviation: the page's typo is not copied
    if metastore == "hms":
        expected["hive.metastore.type"] = "hive"  # intended deviation: the metastore type is always explicit
    return expected


@pytest.mark.parametrize("auth", [pytest.param(a, id=a) for a in AUTH_CONNECTIONS])
@pytest.mark.parametrize(
    "metastore", [pytest.param("hms", id="hive_metastore"), pytest.param("glue", id="glue")]
)
def test_docs_examples(starrocks, metastore, auth):
    s3_conn, glue_conn = AUTH_CONNECTIONS[auth]
    name = f"hive_catalog_{metastore}"
    operator = StarRocksCreateExternalCatalogOperator(
        task_id="create",
        catalog_name=name,
        catalog_type="hive",
        metastore="hive" if metastore == "hms" else "glue",
        metastore_uris=HMS_URI if metastore == "hms" else None,
        aws_conn_id=s3_conn,
        glue_aws_conn_id=glue_conn if metastore == "glue" else None,
    )
    if metastore == "glue":
        result = operator.execute({})
        assert result == {
            "catalog": name,
            "catalog_type": "hive",
            "metastore": "glue",
            "action": "created",
            "validated": True,
        }
        rows, _ = StarRocksHook().query(f"SHOW DATABASES FROM `{name}`")
        assert GLUE_DATABASE in {row[0] for row in rows}
    else:
        with pytest.raises(AirflowException, match="Could not connect to meta store") as failure:
            operator.execute({})
        assert "was dropped again" in str(failure.value)
        assert name not in catalogs()
    (create,) = sent(starrocks, "CREATE EXTERNAL CATALOG")
    assert property_map(create) == expected_properties(starrocks, metastore, auth)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(
            {"catalog_type": "iceberg", "metastore": "glue", "aws_conn_id": "aws_iam_user"},
            {
                "type": "iceberg",
                "aws.s3.use_instance_profile": "false",
                "aws.s3.access_key": "<key>",
                "aws.s3.secret_key": "<secret>",
                "aws.s3.region": "us-west-2",
                "iceberg.catalog.type": "glue",
                "aws.glue.use_instance_profile": "false",
                "aws.glue.access_key": "<key>",
                "aws.glue.secret_key": "<secret>",
                "aws.glue.region": "us-west-2",
            },
            id="iceberg_glue",
        ),
        pytest.param(
            {
                "catalog_type": "iceberg",
                "metastore": "rest",
                "rest_uri": "https://rest.example:8181/api",
                "warehouse": "analytics",
                "properties": {
                    "iceberg.catalog.security": "oauth2",
                    "iceberg.catalog.oauth2.credential": "cl:sec",
                },
            },
            {
                "type": "iceberg",
                "iceberg.catalog.type": "rest",
                "iceberg.catalog.uri": "https://rest.example:8181/api",
                "iceberg.catalog.warehouse": "analytics",
                "iceberg.catalog.security": "oauth2",
                "iceberg.catalog.oauth2.credential": "cl:sec",
            },
            id="iceberg_rest_vended_credentials",
        ),
        pytest.param(
            {
                "catalog_type": "iceberg",
                "metastore": "rest",
                "rest_uri": "https://rest.example:8181",
                "aws_conn_id": "aws_assumed_role",
            },
            {
                "type": "iceberg",
                "aws.s3.use_instance_profile": "true",
                "aws.s3.iam_role_arn": role_arn(S3_ASSUMED_ROLE),
                "aws.s3.region": "us-west-2",
                "iceberg.catalog.type": "rest",
                "iceberg.catalog.uri": "https://rest.example:8181",
            },
            id="iceberg_rest_explicit_s3",
        ),
        pytest.param(
            {
                "catalog_type": "paimon",
                "metastore": "filesystem",
                "warehouse": "s3://starrocks-test/paimon/",
                "aws_conn_id": None,
                "region": "us-west-2",
            },
            {
                "type": "paimon",
                "aws.s3.use_instance_profile": "true",
                "aws.s3.region": "us-west-2",
                "paimon.catalog.type": "filesystem",
                "paimon.catalog.warehouse": "s3://starrocks-test/paimon/",
            },
            id="paimon_filesystem",
        ),
    ],
)
def test_property_sets(starrocks, kwargs, expected):
    access_key, secret_key = starrocks.aws.users[USER_LOADER]
    operator = StarRocksCreateExternalCatalogOperator(
        task_id="create", catalog_name="lake", validate=False, **kwargs
    )
    assert operator.execute({})["action"] == "created"
    (create,) = sent(starrocks, "CREATE EXTERNAL CATALOG")
    substitutions = {"<key>": access_key, "<secret>": secret_key}
    assert property_map(create) == {k: substitutions.get(v, v) for k, v in expected.items()}


GLUE = {"catalog_type": "hive", "metastore": "glue", "aws_conn_id": "aws_iam_user"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({**GLUE, "catalog_name": "1st"}, "catalog_name '1st' is invalid", id="bad_name"),
        pytest.param({**GLUE, "catalog_name": "default_catalog"}, "catalog_name must not be", id="default"),
        pytest.param(
            {**GLUE, "catalog_type": "mysql"}, "catalog_type 'mysql' is not supported", id="bad_type"
        ),
        pytest.param({**GLUE, "metastore": "dlf"}, "metastore 'dlf' is not supported", id="bad_metastore"),
        pytest.param({**GLUE, "metastore": "hive"}, "metastore_uris is required", id="missing_uris"),
        pytest.param(
            {**GLUE, "if_exists": "overwrite"}, "if_exists 'overwrite' is invalid", id="bad_if_exists"
        ),
        pytest.param({**GLUE, "validate": "yes"}, "validate must be True or False", id="bad_validate"),
        pytest.param({**GLUE, "credential_mode": "magic"}, "credential_mode: 'magic'", id="bad_mode"),
        pytest.param(
            {**GLUE, "credential_mode": "temporary"}, "temporary credentials would expire", id="temporary"
        ),
        pytest.param(
            {**GLUE, "aws_conn_id": "nope"}, "'nope', aws_conn_id: no such connection", id="no_conn"
        ),
        pytest.param(
            {**GLUE, "properties": {"aws.s3.access_key": "x"}},
            "properties sets 'aws.s3.access_key'",
            id="auth_key",
        ),
        pytest.param(
            {**GLUE, "properties": {"hive.metastore.type": "hive"}},
            "derives from metastore",
            id="derived_key",
        ),
        pytest.param({**GLUE, "properties": {"a": 'x"\x00'}}, "NUL character", id="nul_in_value"),
        pytest.param(
            {**GLUE, "catalog_type": "iceberg", "metastore": "rest", "glue_aws_conn_id": "aws_iam_user"},
            "glue_aws_conn_id only applies",
            id="glue_conn_without_glue",
        ),
        pytest.param({**GLUE, "comment": 5}, "comment must be a string", id="bad_comment"),
    ],
)
def test_bad_input_fails_before_sql(starrocks, kwargs, message):
    kwargs.setdefault("catalog_name", "lake")
    operator = StarRocksCreateExternalCatalogOperator(task_id="create", **kwargs)
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        operator.execute({})
    assert starrocks.statements == []


def test_in_dag_secrets_stay_out_of_logs_xcom_and_rendered_fields(starrocks, run_dag, capfd, caplog):
    access_key, secret_key = starrocks.aws.users[USER_LOADER]
    with DAG("catalog_dag", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
        StarRocksCreateExternalCatalogOperator(
            task_id="create_catalog",
            catalog_name="{{ params.name }}",
            catalog_type="hive",
            metastore="glue",
            aws_conn_id="aws_iam_user",
            comment="created by {{ dag.dag_id }}",
            properties={"enable_recursive_listing": "false", "custom.api.token": "tok-1234567890"},
            params={"name": "sales_glue"},
        )
    result = run_dag(dag)
    assert result.state == "success"
    assert result.xcom["create_catalog"] == {
        "catalog": "sales_glue",
        "catalog_type": "hive",
        "metastore": "glue",
        "action": "created",
        "validated": True,
    }
    (create,) = sent(starrocks, "CREATE EXTERNAL CATALOG")
    assert property_map(create)["aws.s3.secret_key"] == secret_key
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        rendered = (
            session.query(RenderedTaskInstanceFields).filter_by(dag_id="catalog_dag").one().rendered_fields
        )
    assert rendered["catalog_name"] == "sales_glue"
    assert rendered["comment"] == "created by catalog_dag"
    captured = capfd.readouterr()
    texts = [captured.out, captured.err, caplog.text, repr(result.xcom), repr(rendered)]
    for secret in (secret_key, access_key, "tok-1234567890"):
        assert all(secret not in text for text in texts)
    assert "Running statement: CREATE EXTERNAL CATALOG" in captured.out + captured.err + caplog.text
