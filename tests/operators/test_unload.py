"""StarRocksUnloadToS3Operator end to end: dag.test() against the FE emulator writing to moto S3 (IAM enforced)."""

from __future__ import annotations

import datetime
import io
import re
from types import SimpleNamespace

import pytest

from airflow_provider_starrocks.operators.unload import StarRocksUnloadToS3Operator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3
from airflow_provider_starrocks.utils.load_state import StarRocksLoadError, StarRocksLoadFatalError

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
BUCKET = "s3://starrocks-test"
READER = {
    "aws.s3.use_instance_profile": "true",
    "aws.s3.region": "us-west-2",
}  # the cluster role reads everything


@pytest.fixture
def orders(sales):
    """``sales.orders`` with the 100 sample rows."""
    sales.sql(
        'INSERT INTO sales.orders SELECT * FROM FILES("path" = "s3://starrocks-test/sample/orders.parquet", '
        '"format" = "parquet", "aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")'
    )
    sales.statements.clear()
    return sales


@pytest.fixture
def logs(capfd, caplog):
    """Read what the task logged: stdout on Airflow 3 (structlog), the logging records on Airflow 2."""
    caplog.set_level("INFO")

    def read():
        out, err = capfd.readouterr()
        return out + err if AIRFLOW_3 else caplog.text

    return read


def objects(stack, path):
    return stack.aws.list_objects(READER, path)


def make_dag(dag_id, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    kwargs.setdefault("aws_conn_id", "aws_writer")
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksUnloadToS3Operator(task_id="unload", **kwargs)
    return dag


AUTH_CASES = [
    pytest.param("aws_writer", 'aws.s3.access_key" = "***"', id="iam_user"),
    pytest.param("aws_write_role", "aws.s3.iam_role_arn", id="assumed_role"),
    pytest.param("aws_instance_profile", 'aws.s3.use_instance_profile" = "true"', id="instance_profile"),
]


@pytest.mark.parametrize(("aws_conn_id", "logged"), AUTH_CASES)
def test_unload_under_each_auth_method(orders, run_dag, logs, aws_conn_id, logged):
    path = f"{BUCKET}/unload/{aws_conn_id}/"
    result = run_dag(
        make_dag(f"unload_{aws_conn_id}", path=path, table="sales.orders", aws_conn_id=aws_conn_id)
    )
    assert result.task_states == {"unload": "success"}
    out = result.xcom["unload"]
    assert (out["rows_written"], out["path"], out["format"]) == (100, path, "parquet")
    assert out["finished_at"] >= out["started_at"]
    written = objects(orders, path)
    assert written
    assert all(key.endswith(".parquet") for key, _ in written)
    (insert,) = [s for s in orders.statements if s.lstrip().upper().startswith("INSERT INTO FILES")]
    assert "WITH LABEL" not in insert
    assert logged in logs()


def test_unload_query_as_partitioned_parquet(orders, run_dag):
    import pyarrow.parquet as pq

    path = f"{BUCKET}/unload/daily_totals/"
    dag = make_dag(
        "unload_partitioned",
        path=path,
        sql="SELECT dt, count(*) AS orders, sum(amount) AS total FROM sales.orders GROUP BY dt",
        properties={"partition_by": "dt", "compression": "snappy"},
    )
    result = run_dag(dag)
    assert result.task_states == {"unload": "success"}
    keys = [key for key, _ in objects(orders, path)]
    assert keys
    assert all("/dt=" in key for key in keys)
    total = 0
    for key in keys:
        body = orders.aws.read_object(READER, f"{BUCKET}/{key}")
        total += pq.read_table(io.BytesIO(body)).num_rows
    assert total == result.xcom["unload"]["rows_written"]


def test_unload_csv_with_where_and_columns(orders, run_dag):
    path = f"{BUCKET}/unload/csv/"
    dag = make_dag(
        "unload_csv",
        path=path,
        format="csv",
        table="sales.orders",
        columns=["id", "amount"],
        where="amount > 50",
        format_options={"column_separator": ","},
    )
    result = run_dag(dag)
    assert result.task_states == {"unload": "success"}
    rows = result.xcom["unload"]["rows_written"]
    assert 0 < rows < 100
    ((key, _),) = objects(orders, path)
    lines = orders.aws.read_object(READER, f"{BUCKET}/{key}").decode().splitlines()
    assert len(lines) == rows
    assert all(len(line.split(",")) == 2 for line in lines)


def test_identity_without_write_rights_fails_without_secrets(orders, run_dag, logs):
    path = f"{BUCKET}/unload/denied/"
    result = run_dag(make_dag("unload_denied", path=path, table="sales.orders", aws_conn_id="aws_iam_user"))
    assert result.task_states == {"unload": "failed"}
    text = logs()
    assert "Access Denied" in text
    assert objects(orders, path) == []
    from airflow.providers.common.compat.sdk import BaseHook

    conn = BaseHook.get_connection("aws_iam_user")
    assert conn.password not in text
    assert conn.login not in text


class Store:
    """A task state store like Airflow 3.3's (get / set), kept across the tries of one test."""

    def __init__(self):
        self.values = {}

    def get(self, key):
        return self.values.get(key)

    def set(self, key, value):
        self.values[key] = value


def context(store):
    ti = SimpleNamespace(dag_id="d", task_id="unload", run_id="manual__1", map_index=-1, try_number=1)
    return {"ti": ti, "task_state_store": store}


def test_retry_after_success_does_not_write_twice(orders):
    store, path = Store(), f"{BUCKET}/unload/retry/"
    op = StarRocksUnloadToS3Operator(
        task_id="unload", path=path, table="sales.orders", aws_conn_id="aws_writer"
    )
    first = op.execute(context(store))
    files = objects(orders, path)
    second = StarRocksUnloadToS3Operator(
        task_id="unload", path=path, table="sales.orders", aws_conn_id="aws_writer"
    ).execute(context(store))
    assert second == first
    assert objects(orders, path) == files
    assert len([s for s in orders.statements if "INSERT INTO FILES" in s]) == 1


def test_retry_after_lost_answer_refuses_to_write_again(orders):
    store, path = Store(), f"{BUCKET}/unload/lost/"
    op = StarRocksUnloadToS3Operator(
        task_id="unload", path=path, table="sales.orders", aws_conn_id="aws_writer"
    )
    from airflow_provider_starrocks.utils.labels import default_label

    store.set("starrocks_unload", {"label": default_label("d", "unload", "manual__1"), "state": "STARTED"})
    with pytest.raises(StarRocksLoadFatalError, match="lost StarRocks's answer"):
        op.execute(context(store))
    assert orders.statements == []


def test_retry_after_refused_unload_writes(orders):
    store, path = Store(), f"{BUCKET}/unload/refused/"
    denied = StarRocksUnloadToS3Operator(
        task_id="unload", path=path, table="sales.orders", aws_conn_id="aws_iam_user"
    )
    with pytest.raises(StarRocksLoadError, match="Access Denied"):
        denied.execute(context(store))
    assert store.values["starrocks_unload"]["state"] == "FAILED"
    op = StarRocksUnloadToS3Operator(
        task_id="unload", path=path, table="sales.orders", aws_conn_id="aws_writer"
    )
    assert op.execute(context(store))["rows_written"] == 100


@pytest.mark.parametrize(
    ("version", "overrides", "needs"),
    [
        pytest.param("3.1.4", {}, "INSERT INTO FILES() with format 'parquet' needs StarRocks 3.2", id="3.1-parquet"),
        pytest.param("3.3.5", {"format_options": {"version": "1.0"}}, "needs StarRocks 3.4.6", id="3.3-parquet-version"),
        pytest.param("3.5.0", {"format": "csv", "properties": {"compression": "gzip"}}, "needs StarRocks 4.0", id="3.5-gzip-csv"),
    ],
)  # fmt: skip
def test_release_gates_fail_before_the_write(orders, version, overrides, needs):
    from airflow_provider_starrocks.hooks.starrocks import StarRocksVersionError

    orders.fe.config.version = version
    op = StarRocksUnloadToS3Operator(
        task_id="unload",
        path=f"{BUCKET}/unload/gated/",
        table="sales.orders",
        aws_conn_id="aws_writer",
        **overrides,
    )
    with pytest.raises(StarRocksVersionError, match=re.escape(needs)):
        op.execute(context(Store()))
    assert not [s for s in orders.statements if "INSERT INTO FILES" in s]
