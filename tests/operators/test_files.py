"""StarRocksInsertFromFilesOperator end to end: dag.test() against the local FE emulator and moto (IAM enforced)."""

from __future__ import annotations

import datetime
import json

import pytest

from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
LOGICAL = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
RUN_AT = {"logical_date": LOGICAL, **({"run_after": LOGICAL} if AIRFLOW_3 else {})}
PARQUET = {"source": "s3://starrocks-test/sample/orders.parquet", "format": "parquet"}
CSV = {
    "source": "s3://starrocks-test/sample/orders.csv",
    "format": "csv",
    "format_options": {"column_separator": ",", "skip_header": 1},
}


@pytest.fixture
def logs(capfd, caplog):
    """Read what the task logged: stdout on Airflow 3 (structlog), the logging records on Airflow 2."""
    caplog.set_level("INFO")

    def read():
        out, err = capfd.readouterr()
        return out + err if AIRFLOW_3 else caplog.text

    return read


def make_dag(dag_id, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    kwargs.setdefault("poll_interval", 0.05)
    kwargs.setdefault("aws_conn_id", "aws_iam_user")
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksInsertFromFilesOperator(task_id="insert", database="sales", table="orders", **kwargs)
    return dag


def count(stack):
    return stack.sql("SELECT count(*) FROM sales.orders")[0][0]


def sent(stack, prefix):
    return [s for s in stack.statements if s.lstrip().upper().startswith(prefix)]


AUTH_CASES = [
    pytest.param("aws_iam_user", 'aws.s3.access_key" = "***"', id="iam_user"),
    pytest.param("aws_assumed_role", "aws.s3.iam_role_arn", id="assumed_role"),
    pytest.param("aws_instance_profile", 'aws.s3.use_instance_profile" = "true"', id="instance_profile"),
]
FORMAT_CASES = [pytest.param(PARQUET, id="parquet"), pytest.param(CSV, id="csv")]


@pytest.mark.parametrize("source", FORMAT_CASES)
@pytest.mark.parametrize(("aws_conn_id", "logged"), AUTH_CASES)
def test_insert_under_each_auth_method(sales, run_dag, logs, source, aws_conn_id, logged):
    dag = make_dag(f"files_{aws_conn_id}_{source['format']}", aws_conn_id=aws_conn_id, **source)
    result = run_dag(dag)
    assert result.task_states == {"insert": "success"}
    out = result.xcom["insert"]
    assert (out["state"], out["rows_inserted"], out["database"], out["table"]) == (
        "FINISHED",
        100,
        "sales",
        "orders",
    )
    assert count(sales) == 100
    (insert,) = sent(sales, "INSERT")
    assert f"WITH LABEL `{out['label']}`" in insert
    assert "FROM FILES(" in insert
    text = logs()
    assert logged in text
    assert text.count("Submitting INSERT from FILES()") == 1


def test_csv_with_select_columns_and_where(sales, run_dag):
    dag = make_dag(
        "files_csv_select",
        columns=["id", "name", "amount"],
        select="$1, upper($2), cast($3 AS DOUBLE) * 2",
        where="cast($1 AS BIGINT) <= 10",
        **CSV,
    )
    result = run_dag(dag)
    assert result.task_states == {"insert": "success"}
    assert result.xcom["insert"]["rows_inserted"] == 10
    rows = sales.sql("SELECT id, name, amount, dt FROM sales.orders WHERE id = 1")
    (row,) = rows
    assert row[1] == row[1].upper()
    assert row[3] is None
    (insert,) = sent(sales, "INSERT")
    assert '"csv.column_separator" = ","' in insert
    assert '"csv.skip_header" = "1"' in insert


def test_retry_with_same_run_does_not_insert_twice(sales, run_dag, logs):
    dag = make_dag("files_rerun", **PARQUET)
    first = run_dag(dag, **RUN_AT)
    second = run_dag(dag, **RUN_AT)
    assert first.task_states == second.task_states == {"insert": "success"}
    assert count(sales) == 100
    assert len(sent(sales, "INSERT")) == 1
    assert second.xcom["insert"]["label"] == first.xcom["insert"]["label"]
    assert second.xcom["insert"]["rows_inserted"] == 100
    assert "rows loaded): skipping the load" in logs()


@pytest.mark.parametrize(
    ("mode", "state", "inserts", "rows"),
    [
        pytest.param("reload", "success", 2, 200, id="reload"),
        pytest.param("fail", "failed", 1, 100, id="fail"),
    ],
)
def test_cleared_task_follows_on_finished_label(sales, run_dag, logs, mode, state, inserts, rows):
    # The broker load's label decision, shared: a FINISHED label is skipped, loaded again or refused.
    dag = make_dag(f"files_cleared_{mode}", on_finished_label=mode, **PARQUET)
    first = run_dag(dag, **RUN_AT)
    second = run_dag(dag, **RUN_AT)
    assert (first.task_states, second.task_states) == ({"insert": "success"}, {"insert": state})
    assert (len(sent(sales, "INSERT")), count(sales)) == (inserts, rows)
    if mode == "reload":
        assert second.xcom["insert"]["label"] != first.xcom["insert"]["label"]
        assert "loading the data AGAIN" in logs()
    else:
        assert "Set on_finished_label='reload'" in logs()


def test_no_files_found_names_label_and_message(sales, run_dag, logs):
    dag = make_dag(
        "files_none", label="nothing_here", source="s3://starrocks-test/missing/*.parquet", format="parquet"
    )
    assert run_dag(dag).task_states == {"insert": "failed"}
    text = logs()
    assert "'nothing_here'" in text
    assert (
        "No files were found matching the pattern(s) or path(s): 's3://starrocks-test/missing/*.parquet'"
        in text
    )
    assert count(sales) == 0


@pytest.mark.parametrize(
    ("version", "kwargs", "needed"),
    [
        pytest.param("3.1.0", CSV, "format 'csv' needs StarRocks 3.3 or newer", id="csv_on_3_1"),
        pytest.param("3.3.5", {**PARQUET, "submit_as_task": True}, "submit_as_task", id="task_on_3_3"),
    ],
)
def test_version_check_names_required_release(sales, run_dag, logs, version, kwargs, needed):
    sales.fe.config.version = version
    assert run_dag(make_dag(f"files_version_{version}", **kwargs)).task_states == {"insert": "failed"}
    text = logs()
    assert needed in text
    if "submit_as_task" in kwargs:
        assert "needs StarRocks 3.4 or newer" in text
    assert not sent(sales, "INSERT")
    assert not sent(sales, "SUBMIT")


def test_secrets_absent_from_logs_and_xcom(sales, run_dag, logs):
    key, secret = sales.aws.users["loader"]
    result = run_dag(make_dag("files_secrets", **CSV))
    assert result.task_states == {"insert": "success"}
    text = logs() + json.dumps(result.xcom)
    assert key not in text
    assert secret not in text
    assert "properties" not in result.xcom["insert"]
    (insert,) = sent(sales, "INSERT")
    assert secret in insert  # the FE did get the credentials


@pytest.mark.parametrize("submit_as_task", [pytest.param(False, id="insert"), pytest.param(True, id="task")])
def test_access_denied_names_label_and_hides_keys(sales, run_dag, logs, submit_as_task):
    sales.fe.config.version = "3.4.2"
    key, secret = sales.aws.users["nopolicy"]
    dag = make_dag(
        f"files_denied_{submit_as_task}",
        label="denied",
        aws_conn_id="aws_no_policy",
        submit_as_task=submit_as_task,
        **PARQUET,
    )
    assert run_dag(dag).task_states == {"insert": "failed"}
    text = logs()
    assert "'denied'" in text
    assert "Access" in text or "403" in text
    assert key not in text
    assert secret not in text
    assert count(sales) == 0
