"""Tables and columns named with StarRocks reserved words, created and loaded through the public operators.

StarRocks's parser refuses a keyword of StarRocksLex.g4 that is not in ``nonReserved`` (StarRocks.g4) as an unquoted
identifier (``SELECT``, ``ORDER``, ``DESC``, ``DOUBLE``, ``INNER`` ...: ``testing/fe/reserved_words.py``), and the
emulator refuses them the same way per release; these tests prove the provider backquotes every name it sends.
"""

from __future__ import annotations

import datetime

import pymysql
import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator
from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.testing.fe.releases import DEFAULT_VERSIONS, RELEASE_NAMES

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
PARQUET = "s3://starrocks-test/sample/orders.parquet"
COLUMNS = ["order", "desc", "double", "date"]
RESERVED_DDL = (
    "CREATE TABLE sales.`select` (`order` BIGINT, `desc` VARCHAR(64), `double` DOUBLE, `date` DATE) "
    "DUPLICATE KEY(`order`)"
)


@pytest.fixture(params=[pytest.param(r, id=r) for r in RELEASE_NAMES])
def reserved(starrocks, request):
    """The stack on each release, with table ``sales.select`` whose columns are reserved words."""
    starrocks.fe.config.version = DEFAULT_VERSIONS[request.param]
    starrocks.sql("CREATE DATABASE sales", RESERVED_DDL)
    starrocks.statements.clear()
    return starrocks


def _dag(dag_id, operator):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        operator()
    return dag


def _count(stack, table="`select`"):
    return stack.sql(f"SELECT count(*) FROM sales.{table}")[0][0]


def test_the_names_need_quotes(reserved):
    with pytest.raises(pymysql.err.ProgrammingError, match="Unexpected input 'select'"):
        reserved.sql("CREATE TABLE sales.select (id BIGINT)")
    with pytest.raises(pymysql.err.ProgrammingError, match="Unexpected input 'order'"):
        reserved.sql("CREATE TABLE sales.t (order BIGINT)")


def test_insert_from_files(reserved, run_dag):
    dag = _dag(
        "reserved_files",
        lambda: StarRocksInsertFromFilesOperator(
            task_id="insert", database="sales", table="select", columns=COLUMNS, source=PARQUET,
            format="parquet", aws_conn_id="aws_iam_user", poll_interval=0.05,
        ),
    )  # fmt: skip
    result = run_dag(dag)
    assert result.task_states == {"insert": "success"}, reserved.statements
    assert _count(reserved) == 100
    (insert,) = [s for s in reserved.statements if s.startswith("INSERT")]
    assert "`sales`.`select`" in insert
    assert "`order`, `desc`, `double`, `date`" in insert


def test_broker_load(reserved, run_dag):
    dag = _dag(
        "reserved_broker",
        lambda: StarRocksS3BrokerLoadOperator(
            # CSV maps the column list by position (Parquet would look the names up in the file).
            task_id="load", database="sales", table="select", columns=COLUMNS,
            source="s3://starrocks-test/sample/orders.csv", format="csv",
            format_options={"column_separator": ",", "skip_header": 1}, aws_conn_id="aws_iam_user",
            poll_interval=0.05,
        ),
    )  # fmt: skip
    result = run_dag(dag)
    assert result.task_states == {"load": "success"}, reserved.statements
    assert result.xcom["load"]["sink_rows"] == 100
    assert _count(reserved) == 100


def test_file_table(reserved):
    # A text table reads by position, so its columns may be named freely; the header line is a row (id NULL).
    result = StarRocksCreateFileExternalTableOperator(
        task_id="create_table", database="sales", table="order",
        columns=[("select", "BIGINT"), ("desc", "VARCHAR(100)"), ("double", "DOUBLE"), ("date", "DATE")],
        path="s3://starrocks-test/sample/orders.csv", format="text", column_separator=",",
        aws_conn_id="aws_iam_user",
    ).execute({})  # fmt: skip
    assert result["action"] == "created"
    (create,) = [s for s in reserved.statements if s.startswith("CREATE EXTERNAL TABLE")]
    assert "`sales`.`order`" in create
    assert "`select` BIGINT" in create
    assert reserved.sql("SELECT count(`select`), max(`select`) FROM sales.`order`")[0] == (100, 100)
