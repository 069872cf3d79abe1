"""FE emulator: information_schema.tasks / task_runs per release, DEFINITION redaction and DROP TASK."""

from __future__ import annotations

import time

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, query
from airflow_provider_starrocks.testing.fe.redactor import redact, task_tables_redact

SOURCE = "s3://starrocks-test/sample/orders.parquet"


@pytest.fixture
def fe(starrocks):
    return starrocks.fe


@pytest.fixture
def conn(fe):
    connection = connect(fe)
    query(connection, "CREATE DATABASE d")
    query(connection, "USE d")
    query(connection, "CREATE TABLE t (id BIGINT, name VARCHAR(20), amount DOUBLE, dt DATE)")
    yield connection
    connection.close()


@pytest.fixture
def keys(starrocks):
    return starrocks.aws.users["loader"]


def submit(conn, name, keys):
    key, secret = keys
    query(
        conn,
        f"SUBMIT TASK {name} AS INSERT INTO d.t WITH LABEL {name} SELECT * FROM FILES(\n"
        f'    "path" = "{SOURCE}",\n    "format" = "parquet",\n'
        f'    "aws.s3.access_key" = "{key}",\n    "aws.s3.secret_key" = "{secret}",\n'
        '    "aws.s3.region" = "us-west-2"\n)',
    )
    end = time.monotonic() + 30
    while query(conn, f"SELECT STATE FROM information_schema.task_runs WHERE TASK_NAME = '{name}'")[0] != [
        ("SUCCESS",)
    ]:
        assert time.monotonic() < end
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("version", "redacted"),
    [
        pytest.param("3.3.5", False, id="3.3.5"),
        pytest.param("3.4.2", False, id="3.4.2"),
        pytest.param("3.4.5", False, id="3.4.5-audit-log-only"),
        pytest.param("3.5.5", False, id="3.5.5"),
        pytest.param("3.5.6", True, id="3.5.6"),
        pytest.param("4.0.0", True, id="4.0"),
    ],
)
def test_definition_redacted_only_where_starrocks_redacts(fe, conn, keys, version, redacted):
    fe.config.version = version
    submit(conn, "t1", keys)
    key, secret = keys
    ((name, schedule, definition, creator),) = query(
        conn, "SELECT TASK_NAME, SCHEDULE, DEFINITION, CREATOR FROM information_schema.tasks"
    )[0]
    ((run_definition,),) = query(conn, "SELECT DEFINITION FROM information_schema.task_runs")[0]
    assert (name, schedule) == ("t1", "MANUAL")
    assert definition.startswith("INSERT INTO d.t WITH LABEL t1")  # the text after AS (TaskBuilder)
    for text in (definition, run_definition):
        assert (secret in text) is not redacted
        assert (key in text) is not redacted
        assert ('"aws.s3.secret_key" = "***"' in text) is redacted
        assert '"aws.s3.region" = "us-west-2"' in text


@pytest.mark.parametrize(
    ("version", "has_job_id"),
    [pytest.param("3.5.6", False, id="3.5"), pytest.param("4.0.0", True, id="4.0")],
)
def test_task_runs_columns_per_release(fe, conn, keys, version, has_job_id):
    fe.config.version = version
    submit(conn, "t2", keys)
    columns = query(conn, "SELECT * FROM information_schema.task_runs")[1]
    assert ("JOB_ID" in columns) is has_job_id
    assert columns[:14][-1] == "PROPERTIES"


def test_drop_task_removes_the_task_and_keeps_its_runs(conn, keys):
    submit(conn, "t3", keys)
    query(conn, "DROP TASK t3")
    assert query(conn, "SELECT TASK_NAME FROM information_schema.tasks")[0] == []
    # test/sql/test_task/R/test_drop: the run is still listed after DROP TASK (and keeps its definition).
    ((name, state, definition),) = query(
        conn, "SELECT TASK_NAME, STATE, DEFINITION FROM information_schema.task_runs"
    )[0]
    assert (name, state) == ("t3", "SUCCESS")
    assert keys[1] in definition
    submit_again = "SUBMIT TASK t3 AS INSERT INTO d.t SELECT 1, 'a', 1.0, '2024-01-01'"
    query(conn, submit_again)  # the name is free again


def test_drop_task_of_unknown_task_fails_like_starrocks(conn):
    with pytest.raises(pymysql.err.ProgrammingError) as err:
        query(conn, "DROP TASK not_exist_task")
    assert err.value.args == (
        1064,
        "Getting analyzing error. Detail message: Task not_exist_task is not exist.",
    )


def test_drop_of_a_running_task_fails_its_run(fe, conn, keys):
    fe.config.hold_state = "RUNNING"
    key, secret = keys
    query(
        conn,
        "SUBMIT TASK held AS INSERT INTO d.t SELECT * FROM FILES("
        f'"path" = "{SOURCE}", "format" = "parquet", "aws.s3.access_key" = "{key}", '
        f'"aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2")',
    )
    query(conn, "DROP TASK held")
    assert query(conn, "SELECT STATE, ERROR_MESSAGE FROM information_schema.task_runs")[0] == [
        ("FAILED", "kill TaskRun")
    ]
    fe.config.hold_state = None


def test_expire_task_runs_forgets_finished_runs(fe, conn, keys):
    submit(conn, "t4", keys)
    fe.expire_task_runs()
    assert query(conn, "SELECT TASK_NAME FROM information_schema.task_runs")[0] == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            'FILES("aws.s3.access_key" = "AKIA1", "aws.s3.secret_key" = "s/e+c", "format" = "csv")',
            'FILES("aws.s3.access_key" = "***", "aws.s3.secret_key" = "***", "format" = "csv")',
            id="double-quoted",
        ),
        pytest.param(
            "FILES('aws.s3.session_token'='tok', 'path'='s3://b/x')",
            "FILES('aws.s3.session_token' = '***', 'path'='s3://b/x')",
            id="single-quoted",
        ),
        pytest.param(
            '"AWS.S3.SECRET_KEY" = "x"\n)', '"AWS.S3.SECRET_KEY" = "***"\n)', id="case-insensitive-key-kept"
        ),
        pytest.param(
            '"aws.s3.secret_key" = "a\\"b"', '"aws.s3.secret_key" = "***"', id="escaped-quote-in-value"
        ),
        pytest.param('"aws.s3.external_id" = "x"', '"aws.s3.external_id" = "x"', id="external-id-not-a-key"),
        pytest.param(None, None, id="null"),
    ],
)
def test_redactor_matches_sql_credential_redactor(sql, expected):
    assert redact(sql) == expected


def test_redaction_release_threshold():
    assert not task_tables_redact((3, 5, 5))
    assert task_tables_redact((3, 5, 6))
    assert task_tables_redact((4, 0, 0))
