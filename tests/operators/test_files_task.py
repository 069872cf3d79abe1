"""StarRocksInsertFromFilesOperator with submit_as_task: SUBMIT TASK polled in information_schema.task_runs."""

from __future__ import annotations

import datetime
import json
import threading
import time

import pytest

from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
LOGICAL = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
RUN_AT = {"logical_date": LOGICAL, **({"run_after": LOGICAL} if AIRFLOW_3 else {})}
SOURCE = "s3://starrocks-test/sample/orders.parquet"
MODES = [pytest.param(False, id="sync"), pytest.param(True, id="deferred")]


@pytest.fixture
def sales(sales):
    """The ``sales`` stack at StarRocks 3.4, which SUBMIT TASK polling needs."""
    sales.fe.config.version = "3.4.2"
    return sales


@pytest.fixture
def triggers(monkeypatch):
    """Every StarRocksLoadTrigger built during the test."""
    from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

    built = []
    original = StarRocksLoadTrigger.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(StarRocksLoadTrigger, "__init__", recording)
    return built


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
    kwargs.setdefault("source", SOURCE)
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksInsertFromFilesOperator(
            task_id="insert",
            database="sales",
            table="orders",
            format="parquet",
            submit_as_task=True,
            **kwargs,
        )
    return dag


def count(stack):
    return stack.sql("SELECT count(*) FROM sales.orders")[0][0]


def sent(stack, prefix):
    return [s for s in stack.statements if s.lstrip().upper().startswith(prefix)]


@pytest.mark.parametrize("deferrable", MODES)
def test_submitted_task_succeeds(sales, run_dag, logs, triggers, deferrable):
    result = run_dag(make_dag(f"files_task_ok_{deferrable}", deferrable=deferrable))
    assert result.task_states == {"insert": "success"}
    out = result.xcom["insert"]
    assert (out["task_state"], out["state"], out["rows_inserted"]) == ("SUCCESS", "FINISHED", 100)
    assert out["task_name"] == out["label"]
    assert count(sales) == 100
    (submit,) = sent(sales, "SUBMIT TASK")
    assert submit.startswith(f"SUBMIT TASK `{out['label']}`")
    assert "\nAS INSERT INTO `sales`.`orders` WITH LABEL" in submit
    text = logs()
    assert text.count("Submitting SUBMIT TASK") == 1
    assert bool(triggers) is deferrable  # dag.test() rebuilds the trigger from serialize() too
    key, secret = sales.aws.users["loader"]
    for trig in triggers:
        path, kwargs = trig.serialize()
        assert kwargs["kind"] == "task_run"
        assert kwargs["label"] == out["label"]
        assert key not in repr(kwargs) + repr(trig)
        assert secret not in repr(kwargs) + repr(trig)
        json.dumps(kwargs)
    assert key not in text + json.dumps(result.xcom)
    assert secret not in text + json.dumps(result.xcom)


@pytest.mark.parametrize("deferrable", MODES)
def test_submitted_task_fails_with_task_name_and_message(sales, run_dag, logs, deferrable):
    dag = make_dag(
        f"files_task_fail_{deferrable}",
        label="task_without_files",
        source="s3://starrocks-test/missing/*.parquet",
        deferrable=deferrable,
    )
    assert run_dag(dag).task_states == {"insert": "failed"}
    text = logs()
    assert "StarRocks task 'task_without_files'" in text
    assert "FAILED" in text
    assert "No files were found matching the pattern(s) or path(s)" in text
    assert count(sales) == 0


def test_rerun_after_success_skips_the_task(sales, run_dag, logs):
    dag = make_dag("files_task_rerun")
    first = run_dag(dag, **RUN_AT)
    second = run_dag(dag, **RUN_AT)
    assert first.task_states == second.task_states == {"insert": "success"}
    assert len(sent(sales, "SUBMIT TASK")) == 1
    assert count(sales) == 100
    assert second.xcom["insert"]["rows_inserted"] == 100
    assert "not submitting task" in logs()


def test_rerun_after_failed_run_drops_and_resubmits(sales, run_dag):
    failing = make_dag("files_task_retry_a", label="retried_task", aws_conn_id="aws_no_policy")
    assert run_dag(failing).task_states == {"insert": "failed"}
    assert run_dag(make_dag("files_task_retry_b", label="retried_task")).task_states == {"insert": "success"}
    assert sent(sales, "DROP TASK") == ["DROP TASK `retried_task`"]
    assert len(sent(sales, "SUBMIT TASK")) == 2
    assert count(sales) == 100


@pytest.mark.parametrize("deferrable", MODES)
def test_running_task_is_attached_to_not_resubmitted(sales, run_dag, deferrable):
    sales.fe.config.hold_state = "RUNNING"
    sales.sql(
        "SUBMIT TASK held_task AS INSERT INTO sales.orders WITH LABEL held_task SELECT * FROM FILES("
        f'"path" = "{SOURCE}", "format" = "parquet", "aws.s3.use_instance_profile" = "true", '
        '"aws.s3.region" = "us-west-2")',
    )

    def release():
        # Event-based: release the run once the operator has polled task_runs twice (attach + poll).
        for _ in range(3000):
            if len([s for s in sales.statements if "task_runs" in s]) >= 2:
                break
            time.sleep(0.01)
        sales.fe.config.hold_state = None

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    result = run_dag(make_dag(f"files_task_attach_{deferrable}", label="held_task", deferrable=deferrable))
    thread.join()
    assert result.task_states == {"insert": "success"}
    assert len(sent(sales, "SUBMIT TASK")) == 1  # only the one above
    assert result.xcom["insert"]["rows_inserted"] == 100
