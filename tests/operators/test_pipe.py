"""Pipe operators end to end: CREATE / ALTER / DROP PIPE against the FE emulator and moto (IAM enforced)."""

from __future__ import annotations

import datetime
import re
import time

import pytest

from airflow_provider_starrocks.operators.pipe import (
    StarRocksAlterPipeOperator,
    StarRocksCreatePipeOperator,
    StarRocksDropPipeOperator,
)
from airflow_provider_starrocks.testing.dags import AIRFLOW_3
from airflow_provider_starrocks.utils.load_state import StarRocksLoadError

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def logs(capfd, caplog):
    """Read what the task logged: stdout on Airflow 3 (structlog), the logging records on Airflow 2."""
    caplog.set_level("INFO")

    def read():
        out, err = capfd.readouterr()
        return out + err if AIRFLOW_3 else caplog.text

    return read


def create(pipe_source, **kwargs):
    args = {
        "database": "sales",
        "pipe": "orders_pipe",
        "table": "orders",
        "source": f"{pipe_source.source}/*/*.parquet",
        "format": "parquet",
        "properties": {"POLL_INTERVAL": 10, "AUTO_INGEST": True},
        "aws_conn_id": "aws_iam_user",
        **kwargs,
    }
    return StarRocksCreatePipeOperator(task_id="create", **args)


def wait_rows(stack, expected, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = stack.sql("SELECT count(*) FROM sales.orders")[0][0]
        if count >= expected:
            return count
        time.sleep(0.05)
    return stack.sql("SELECT count(*) FROM sales.orders")[0][0]


AUTH_CASES = [
    pytest.param("aws_iam_user", 'aws.s3.secret_key" = "***"', id="iam_user"),
    pytest.param("aws_assumed_role", "aws.s3.iam_role_arn", id="assumed_role"),
    pytest.param("aws_instance_profile", 'aws.s3.use_instance_profile" = "true"', id="instance_profile"),
]


@pytest.mark.parametrize(("aws_conn_id", "logged"), AUTH_CASES)
def test_create_pipe_loads_under_each_auth_method(sales, pipe_source, run_dag, logs, aws_conn_id, logged):
    from airflow.providers.common.compat.sdk import DAG

    pipe_source.put_day("2024-01-01")
    with DAG(f"pipe_create_{aws_conn_id}", schedule=None, start_date=START, catchup=False) as dag:
        create(pipe_source, aws_conn_id=aws_conn_id)
    result = run_dag(dag)
    assert result.task_states == {"create": "success"}
    out = result.xcom["create"]
    assert (out["action"], out["state"], out["pipe"]) == ("created", "RUNNING", "orders_pipe")
    assert wait_rows(sales, 3) == 3
    text = logs()
    assert logged in text
    from airflow.providers.common.compat.sdk import BaseHook

    assert BaseHook.get_connection("aws_iam_user").password not in text


def test_if_exists_ignore_error_and_replace(sales, pipe_source):
    pipe_source.put_day("2024-01-01")
    assert create(pipe_source).execute({})["action"] == "created"
    sales.statements.clear()
    assert create(pipe_source, if_exists="ignore").execute({})["action"] == "ignored"
    assert not [s for s in sales.statements if s.upper().startswith("CREATE")]
    with pytest.raises(StarRocksLoadError, match="exists"):
        create(pipe_source).execute({})
    replaced = create(pipe_source, if_exists="replace").execute({})
    assert replaced["action"] == "replaced"


def test_session_token_is_refused_for_a_stored_pipe(sales, pipe_source):
    from airflow_provider_starrocks.utils.load_state import StarRocksLoadFatalError

    pipe_source.put_day("2024-01-01")
    with pytest.raises(StarRocksLoadFatalError, match="expire under a stored pipe"):
        create(pipe_source, aws_conn_id="aws_temporary", credential_mode="temporary").execute({})
    assert sales.statements == []


def test_alter_suspend_resume_retry_and_drop(sales, pipe_source):
    pipe_source.put_day("2024-01-01")
    create(pipe_source).execute({})

    def alter(action):
        return StarRocksAlterPipeOperator(
            task_id="a", database="sales", pipe="orders_pipe", action=action
        ).execute({})

    assert alter("suspend")["state"] == "SUSPEND"
    assert alter("resume")["state"] == "RUNNING"
    assert alter("retry")["action"] == "retry"
    assert "ALTER PIPE `sales`.`orders_pipe` RETRY ALL" in sales.statements

    drop = StarRocksDropPipeOperator(task_id="d", database="sales", pipe="orders_pipe")
    assert drop.execute({}) == {"database": "sales", "pipe": "orders_pipe", "dropped": True}
    again = StarRocksDropPipeOperator(task_id="d", database="sales", pipe="orders_pipe", if_exists=True)
    assert again.execute({})["dropped"] is False
    with pytest.raises(StarRocksLoadError, match="orders_pipe"):
        drop.execute({})


def test_alter_unknown_pipe_fails_with_starrocks_text(sales):
    op = StarRocksAlterPipeOperator(task_id="a", database="sales", pipe="nope", action="suspend")
    with pytest.raises(StarRocksLoadError, match="nope"):
        op.execute({})


@pytest.mark.parametrize(
    ("version", "overrides", "needs"),
    [
        pytest.param("3.1.4", {}, "pipes (CREATE PIPE) needs StarRocks 3.2", id="3.1"),
        pytest.param("3.2.2", {"if_exists": "replace"}, "needs StarRocks 3.2.3", id="replace-3.2.2"),
    ],
)
def test_release_gates_fail_before_create(sales, pipe_source, version, overrides, needs):
    from airflow_provider_starrocks.hooks.starrocks import StarRocksVersionError

    sales.fe.config.version = version
    with pytest.raises(StarRocksVersionError, match=re.escape(needs)):
        create(pipe_source, **overrides).execute({})
    assert not [s for s in sales.statements if s.upper().startswith("CREATE")]
