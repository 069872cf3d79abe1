"""The file external table operator's lifecycle against the local stack: if_exists, the create race, replace."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.hooks.starrocks import StarRocksHook
from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator

THEIR_TABLE = (
    "CREATE EXTERNAL TABLE test_s3_db.orders (id BIGINT) ENGINE=file "
    'PROPERTIES ("path" = "s3://starrocks-test/sample/orders.orc", "format" = "orc", '
    '"aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")'
)


@pytest.fixture
def db(starrocks):
    StarRocksHook().query("CREATE DATABASE test_s3_db")
    return "test_s3_db"


def operator(**kwargs) -> StarRocksCreateFileExternalTableOperator:
    defaults = {
        "task_id": "create",
        "database": "test_s3_db",
        "table": "orders",
        "columns": [("id", "BIGINT"), ("amount", "DOUBLE")],
        "path": "s3://starrocks-test/sample/orders.parquet",
        "format": "parquet",
        "aws_conn_id": "aws_iam_user",
    }
    return StarRocksCreateFileExternalTableOperator(**{**defaults, **kwargs})


def table_format() -> str | None:
    rows, _ = StarRocksHook().query("SHOW TABLES FROM test_s3_db")
    if not rows:
        return None
    rows, _ = StarRocksHook().query("SHOW CREATE TABLE test_s3_db.orders")
    return "orc" if '"format" = "orc"' in rows[0][1] else "parquet"


class RacingHook(StarRocksHook):
    """Creates the table on another connection right before the operator's CREATE reaches the FE."""

    raced = False

    def execute_statement(self, statement, conn=None):
        if statement.sql.startswith("CREATE EXTERNAL TABLE `test_s3_db`.`orders` (") and not self.raced:
            self.raced = True
            StarRocksHook().query(THEIR_TABLE)
        return super().execute_statement(statement, conn)


@pytest.mark.parametrize("race", [pytest.param(False, id="existing"), pytest.param(True, id="race")])
@pytest.mark.parametrize(
    ("if_exists", "action", "fmt"),
    [
        pytest.param("error", None, "orc", id="error"),
        pytest.param("ignore", "ignored", "orc", id="ignore"),
        pytest.param("replace", "replaced", "parquet", id="replace"),
    ],
)
def test_if_exists(starrocks, db, race, if_exists, action, fmt):
    task = operator(if_exists=if_exists)
    if race:
        task.hook = RacingHook()
    else:
        StarRocksHook().query(THEIR_TABLE)
    if action is None:
        with pytest.raises(
            AirflowFailException, match="Table 'orders' already exists: set if_exists='ignore'"
        ):
            task.execute({})
    else:
        assert task.execute({})["action"] == action
    assert table_format() == fmt
    if race:
        assert task.hook.raced


def test_replace_keeps_the_old_table_when_the_new_one_fails(starrocks, db):
    StarRocksHook().query(THEIR_TABLE)
    with pytest.raises(AirflowFailException, match="replacement for table 'orders'; 'orders' is unchanged"):
        operator(if_exists="replace", aws_conn_id="aws_no_policy").execute({})
    assert table_format() == "orc"
    assert "DROP TABLE `test_s3_db`.`orders`" not in starrocks.statements
    rows, _ = StarRocksHook().query("SHOW TABLES FROM test_s3_db")
    assert rows == [("orders",)]


def test_unknown_database_fails_without_retry(starrocks):
    with pytest.raises(AirflowFailException, match="Unknown database 'test_s3_db'"):
        operator().execute({})
