"""StarRocksCreateFileExternalTableOperator against the local stack: the docs' examples, reads, bad input, DAG."""

from __future__ import annotations

import json
import re

import pendulum
import pytest
from airflow.providers.common.compat.sdk import DAG, AirflowFailException

from airflow_provider_starrocks.hooks.starrocks import StarRocksHook
from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator
from airflow_provider_starrocks.testing.aws import S3_ASSUMED_ROLE, USER_LOADER
from airflow_provider_starrocks.testing.aws_identities import role_arn
from airflow_provider_starrocks.testing.fe.releases import DEFAULT_VERSIONS, RELEASE_NAMES

_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)"')
PAGE_COLUMNS = "id varchar(65500), attributes map<varchar(100), varchar(2000)>"
ORDERS_COLUMNS = [("id", "BIGINT"), ("name", "VARCHAR(100)"), ("amount", "DOUBLE"), ("dt", "DATE")]
ORDERS_PATH = "s3://starrocks-test/sample/orders.parquet"
AUTH = {
    "instance_profile": "aws_instance_profile",
    "assumed_role": "aws_assumed_role",
    "iam_user": "aws_iam_user",
}
# docs/en/integrations/csp_auth/authenticate_to_aws_resources.md, "File external table" (placeholders substituted).
# The page writes "format" = "ORC"; from 3.3.5 FileTable.validate refuses it ("not supported format: ORC": lower-case
# keys of SUPPORTED_FORMAT, fe/fe-core/src/main/java/com/starrocks/catalog/FileTable.java at 7c653fb8), so the
# operator sends the lower-case name.
PAGE_BASE = {"path": "s3://starrocks-test/", "format": "orc"}
PAGE_AUTH = {
    "instance_profile": {"aws.s3.use_instance_profile": "true", "aws.s3.region": "us-west-2"},
    "assumed_role": {
        "aws.s3.use_instance_profile": "true",
        "aws.s3.iam_role_arn": "<s3_assumed_role_ARN>",
        "aws.s3.region": "us-west-2",
    },
    "iam_user": {
        "aws.s3.use_instance_profile": "false",
        "aws.s3.access_key": "<iam_user_access_key>",
        "aws.s3.secret_key": "<iam_user_secret_key>",
        "aws.s3.region": "us-west-2",
    },
}


def release_version(release: str) -> str:
    return DEFAULT_VERSIONS[release]


def property_map(statement: str) -> dict[str, str]:
    body = statement.split("PROPERTIES", 1)[1]
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _PAIR.findall(body)}


def creates(stack) -> list[str]:
    return [s for s in stack.statements if s.startswith("CREATE EXTERNAL TABLE")]


def tables(database: str = "test_s3_db") -> set[str]:
    rows, _ = StarRocksHook().query(f"SHOW TABLES FROM `{database}`")
    return {row[0] for row in rows}


@pytest.fixture
def db(starrocks):
    StarRocksHook().query("CREATE DATABASE test_s3_db")
    starrocks.statements.clear()
    return "test_s3_db"


def operator(**kwargs) -> StarRocksCreateFileExternalTableOperator:
    defaults = {
        "task_id": "create",
        "database": "test_s3_db",
        "table": "orders",
        "columns": ORDERS_COLUMNS,
        "path": ORDERS_PATH,
        "format": "parquet",
        "aws_conn_id": "aws_iam_user",
    }
    return StarRocksCreateFileExternalTableOperator(**{**defaults, **kwargs})


@pytest.mark.parametrize("auth", [pytest.param(a, id=a) for a in AUTH])
def test_docs_examples(starrocks, db, auth):
    access_key, secret_key = starrocks.aws.users[USER_LOADER]
    task = operator(table="file_table", columns=PAGE_COLUMNS, path="s3://starrocks-test/", format="ORC")
    task.aws_conn_id = AUTH[auth]
    task.validate = False
    try:
        outcome = task.execute({})["action"]
    except AirflowFailException as failure:
        outcome = str(failure)
    assert outcome == "created"
    (create,) = creates(starrocks)
    assert create.startswith("CREATE EXTERNAL TABLE `test_s3_db`.`file_table` (")
    substitutions = {
        "<s3_assumed_role_ARN>": role_arn(S3_ASSUMED_ROLE),
        "<iam_user_access_key>": access_key,
        "<iam_user_secret_key>": secret_key,
    }
    expected = {**PAGE_BASE, **{k: substitutions.get(v, v) for k, v in PAGE_AUTH[auth].items()}}
    assert property_map(create) == expected


@pytest.mark.parametrize("auth", [pytest.param(a, id=a) for a in AUTH])
def test_created_table_is_validated_by_reading_a_row(starrocks, db, auth):
    result = operator(aws_conn_id=AUTH[auth], enable_recursive_listing=False).execute({})
    assert result == {
        "database": "test_s3_db",
        "table": "orders",
        "format": "parquet",
        "action": "created",
        "validated": True,
    }
    assert "SELECT * FROM `test_s3_db`.`orders` LIMIT 1" in starrocks.statements
    assert property_map(creates(starrocks)[0])["enable_recursive_listing"] == "false"
    rows, _ = StarRocksHook().query("SELECT count(*) FROM test_s3_db.orders")
    assert rows == [(100,)]


@pytest.mark.parametrize("release", [pytest.param(r, id=r) for r in RELEASE_NAMES])
@pytest.mark.parametrize("fmt", [pytest.param("ORC", id="upper"), pytest.param(" orc", id="spaced")])
def test_format_is_sent_lower_case_on_every_release(starrocks, db, release, fmt):
    starrocks.fe.config.version = release_version(release)
    result = operator(path="s3://starrocks-test/sample/orders.orc", format=fmt).execute({})
    assert (result["format"], result["validated"]) == ("orc", True)
    assert property_map(creates(starrocks)[0])["format"] == "orc"


@pytest.mark.parametrize("release", [pytest.param(r, id=r) for r in RELEASE_NAMES])
def test_text_table_reads_comma_separated_files(starrocks, db, release):
    starrocks.fe.config.version = release_version(release)
    result = operator(
        path="s3://starrocks-test/sample/orders.csv", format="text", column_separator=","
    ).execute({})
    assert result["format"] == "text"
    props = property_map(creates(starrocks)[0])
    assert (props["format"], props["column_separator"]) == ("text", ",")
    # Hive text: by position, no header skipping (the header line's id does not convert: NULL).
    rows, _ = StarRocksHook().query("SELECT count(*), count(id), count(name) FROM test_s3_db.orders")
    assert rows == [(101, 100, 101)]


@pytest.mark.parametrize("release", [pytest.param(r, id=r) for r in ("3.1",)])
def test_avro_table_is_refused_by_3_1(starrocks, db, release):
    # FileTable.validate at 8a7f4f51 (3.1.4): parquet, orc and text only.
    starrocks.fe.config.version = release_version(release)
    with pytest.raises(AirflowFailException, match="not supported format: avro"):
        operator(path="s3://starrocks-test/sample/orders.orc", format="avro", validate=False).execute({})


@pytest.fixture
def wrong_secret_conn(starrocks, monkeypatch):
    access_key, _ = starrocks.aws.users[USER_LOADER]
    conn = {"conn_type": "aws", "login": access_key, "password": "not-the-secret-0000"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_WRONG_SECRET", json.dumps({**conn, "extra": {"region_name": "us-west-2"}})
    )
    return "aws_wrong_secret"


@pytest.mark.parametrize(
    ("conn_id", "message"),
    [
        pytest.param("aws_wrong_secret", "SignatureDoesNotMatch", id="wrong_secret"),
        pytest.param("aws_glue_role", "Access", id="role_without_s3_rights"),
        pytest.param("aws_no_policy", "Access", id="user_without_s3_permission"),
    ],
)
def test_validation_failure_drops_the_table(starrocks, db, wrong_secret_conn, conn_id, message):
    with pytest.raises(AirflowFailException, match=message) as failure:
        operator(aws_conn_id=conn_id).execute({})
    assert "validating table 'orders' (it was dropped again)" in str(failure.value)
    assert "not-the-secret-0000" not in str(failure.value)
    assert starrocks.statements[-1] == "DROP TABLE `test_s3_db`.`orders`"
    assert tables() == set()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"format": "csv"}, "use format='text' with column_separator=','", id="csv"),
        pytest.param(
            {"column_separator": ","},
            "column_separator only apply to format 'text', not 'parquet'",
            id="sep_parquet",
        ),
        pytest.param(
            {"format": "text", "row_delimiter": ""},
            "row_delimiter must be a non-empty string",
            id="empty_delimiter",
        ),
        pytest.param({"format": "json"}, "format 'json' is not supported: use one of parquet", id="json"),
        pytest.param(
            {"path": "/local/file.parquet"}, "path '/local/file.parquet' is invalid", id="local_path"
        ),
        pytest.param({"path": "s3://"}, "path 's3://' is invalid", id="no_bucket"),
        pytest.param({"database": "bad-db"}, "database 'bad-db' is invalid", id="bad_database"),
        pytest.param({"table": "a`b"}, "table 'a`b' is invalid", id="backtick_table"),
        pytest.param({"columns": "id INT); DROP TABLE x; --"}, "columns[0]", id="column_injection"),
        pytest.param({"columns": []}, "columns must not be empty", id="no_columns"),
        pytest.param({"if_exists": "skip"}, "if_exists 'skip' is invalid", id="bad_if_exists"),
        pytest.param({"enable_wildcards": "yes"}, "enable_wildcards must be True or False", id="bad_flag"),
        pytest.param({"credential_mode": "temporary"}, "temporary credentials would expire", id="temporary"),
        pytest.param({"aws_conn_id": "nope"}, "aws_conn_id: no such connection", id="no_conn"),
    ],
)
def test_bad_input_fails_before_sql(starrocks, db, kwargs, message):
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        operator(**kwargs).execute({})
    assert starrocks.statements == []


def test_created_in_default_catalog_whatever_the_connection_catalog(starrocks, db, monkeypatch):
    StarRocksHook().query(
        'CREATE EXTERNAL CATALOG lake PROPERTIES ("type" = "hive", "hive.metastore.type" = "glue", '
        '"aws.glue.use_instance_profile" = "true", "aws.glue.region" = "us-west-2")'
    )
    conn = json.loads(starrocks.airflow_connections()["starrocks_default"])
    conn["extra"] = {"catalog": "lake"}
    monkeypatch.setenv("AIRFLOW_CONN_STARROCKS_LAKE", json.dumps(conn))
    assert operator(starrocks_conn_id="starrocks_lake").execute({})["action"] == "created"
    # The connection for a file table never switches to the connection's catalog: it stays in default_catalog.
    assert "SET CATALOG `lake`" not in starrocks.statements
    assert tables() == {"orders"}


def test_in_dag_secrets_stay_out_of_logs_and_xcom(starrocks, db, run_dag, capfd, caplog):
    access_key, secret_key = starrocks.aws.users[USER_LOADER]
    with DAG("file_table_dag", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
        StarRocksCreateFileExternalTableOperator(
            task_id="create_table",
            database="test_s3_db",
            table="orders_{{ ds_nodash }}",
            columns="id BIGINT, name VARCHAR(100), amount DOUBLE, dt DATE",
            path="s3://starrocks-test/daily/{{ ds }}/",
            format="parquet",
            aws_conn_id="aws_iam_user",
        )
    result = run_dag(dag, logical_date=pendulum.datetime(2024, 1, 2))
    assert result.state == "success"
    assert result.xcom["create_table"]["table"] == "orders_20240102"
    assert result.xcom["create_table"]["action"] == "created"
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        rendered = (
            session.query(RenderedTaskInstanceFields).filter_by(dag_id="file_table_dag").one().rendered_fields
        )
    assert rendered["path"] == "s3://starrocks-test/daily/2024-01-02/"
    captured = capfd.readouterr()
    texts = [captured.out, captured.err, caplog.text, repr(result.xcom), repr(rendered)]
    for secret in (secret_key, access_key):
        assert all(secret not in text for text in texts)
