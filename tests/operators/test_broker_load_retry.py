"""Broker load across retries, re-runs, kills, deadlines and expired labels (dag.test() on the local stack)."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
LOGICAL = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
SOURCE = "s3://starrocks-test/sample/orders.parquet"


def make_dag(dag_id, grace=None, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    kwargs.setdefault("poll_interval", 0.05)
    kwargs.setdefault("aws_conn_id", "aws_iam_user")
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        op = StarRocksS3BrokerLoadOperator(
            task_id="load", database="sales", table="orders", source=SOURCE, **kwargs
        )
    if grace is not None:
        op.deadline_grace = grace
    return dag


def loads(stack):
    return [s for s in stack.statements if s.startswith("LOAD LABEL")]


def jobs(stack):
    return stack.sql("SHOW LOAD FROM sales")


def count(stack):
    return stack.sql("SELECT count(*) FROM sales.orders")[0][0]


def wait_for(predicate, what):
    # Event-based waiting: no assertion depends on how long this takes.
    for _ in range(3000):
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"gave up waiting for {what}")


def release_hold_after(stack, predicate):
    def run():
        wait_for(predicate, "the release condition")
        stack.fe.config.hold_state = None

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="sync"), pytest.param(True, id="trigger")])
def test_deadline_cancels_the_load(sales, run_dag, deferrable):
    sales.fe.config.hold_state = "LOADING"
    dag = make_dag(
        f"blr_deadline_{deferrable}", deferrable=deferrable, execution_timeout=datetime.timedelta(seconds=3)
    )
    assert run_dag(dag).task_states == {"load": "failed"}
    assert any(s.startswith("CANCEL LOAD FROM `sales` WHERE LABEL") for s in sales.statements)
    assert [row[2] for row in jobs(sales)] == ["CANCELLED"]
    assert count(sales) == 0


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="sync"), pytest.param(True, id="trigger")])
def test_deadline_without_cancel_on_kill_fails_and_leaves_the_load(sales, run_dag, deferrable):
    sales.fe.config.hold_state = "LOADING"
    dag = make_dag(
        f"blr_deadline_keep_{deferrable}",
        deferrable=deferrable,
        cancel_on_kill=False,
        execution_timeout=datetime.timedelta(seconds=3),
    )
    assert run_dag(dag).task_states == {"load": "failed"}
    assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)
    assert [row[2] for row in jobs(sales)] == ["LOADING"]


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="sync"), pytest.param(True, id="trigger")])
def test_prepared_at_deadline_is_not_cancelled_and_lands(sales, run_dag, capfd, deferrable):
    sales.fe.config.hold_state = "PREPARED"
    seen: list[float] = []

    def deadline_long_passed():
        # The 1 s deadline starts before the submit, so it has passed 1 s after the job is first seen, however
        # slow the machine; the hold is released well after that, for the task to see PREPARED past its deadline.
        states = {r[2] for r in jobs(sales)}
        if states and not seen:
            seen.append(time.time())
        return bool(seen) and time.time() > seen[0] + 2.5 and "PREPARED" in states

    release_hold_after(sales, deadline_long_passed)
    dag = make_dag(f"blr_prepared_{deferrable}", grace=0, deferrable=deferrable, properties={"timeout": 1})
    result = run_dag(dag)
    assert result.task_states == {"load": "success"}
    assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)
    assert "committed, so it cannot be cancelled" in capfd.readouterr().out
    assert count(sales) == 100


def test_retry_after_cancelled_resubmits_and_follows_the_newest_job(sales, run_dag):
    sales.fe.force_next_load("CANCELLED", "type:LOAD_RUN_FAIL; msg:backend crashed")
    result = run_dag(make_dag("blr_retry", retries=1, retry_delay=datetime.timedelta(0)))
    assert result.task_states == {"load": "success"}
    first, second = loads(sales)
    assert first.split("\n")[0] == second.split("\n")[0]  # same label, reused after CANCELLED
    job_ids = sorted(int(r[0]) for r in jobs(sales))
    assert len(job_ids) == 2
    assert result.xcom["load"]["job_id"] == job_ids[-1]
    assert count(sales) == 100


@pytest.mark.parametrize(
    ("mode", "state", "submits", "rows"),
    [
        pytest.param("skip", "success", 1, 100, id="skip"),
        pytest.param("reload", "success", 2, 200, id="reload"),
        pytest.param("fail", "failed", 1, 100, id="fail"),
    ],
)
def test_cleared_task_with_finished_label(sales, run_dag, capfd, mode, state, submits, rows):
    dag = make_dag(f"blr_cleared_{mode}", on_finished_label=mode)
    assert run_dag(dag, logical_date=LOGICAL, run_after=LOGICAL).task_states == {"load": "success"}
    second = run_dag(dag, logical_date=LOGICAL, run_after=LOGICAL)
    assert second.task_states == {"load": state}
    assert len(loads(sales)) == submits
    assert count(sales) == rows
    logged = capfd.readouterr().out
    expected = {"skip": "skipping the load", "reload": "loading the data AGAIN", "fail": "already FINISHED"}[
        mode
    ]
    assert expected in logged
    if mode == "reload":
        first, second = (stmt.split("\n")[0] for stmt in loads(sales))
        assert second.startswith(first[:-1] + "_reload")


def test_label_expired_after_submission_is_state_unknown_and_not_resubmitted(sales, run_dag, capfd):
    sales.fe.config.label_keep_max_num = 0
    dag = make_dag("blr_expired", retries=2, retry_delay=datetime.timedelta(0))
    assert run_dag(dag).task_states == {"load": "failed"}
    assert len(loads(sales)) == 1
    assert "state unknown" in capfd.readouterr().out
    assert count(sales) == 100


def test_user_label_used_concurrently_is_attached(sales, run_dag):
    sales.fe.config.hold_state = "LOADING"
    sales.sql(
        'LOAD LABEL sales.shared (DATA INFILE("' + SOURCE + '") INTO TABLE orders) WITH BROKER '
        '("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")',
    )
    release_hold_after(sales, lambda: sum(s.startswith("SHOW LOAD") for s in sales.statements) >= 2)
    result = run_dag(make_dag("blr_attach", label="shared"))
    assert result.task_states == {"load": "success"}
    assert len(loads(sales)) == 1
    assert count(sales) == 100


KILLED_DAG = textwrap.dedent(
    """
    import datetime, sys
    from airflow.providers.common.compat.sdk import DAG
    from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

    def build():
        with DAG("blr_killed", schedule=None, start_date=datetime.datetime(2024, 1, 1), catchup=False) as dag:
            StarRocksS3BrokerLoadOperator(
                task_id="load", database="sales", table="orders", source=%(source)r,
                aws_conn_id="aws_iam_user", poll_interval=0.05,
            )
        return dag

    if __name__ == "__main__":
        from airflow_provider_starrocks.testing.dags import run_dag
        when = datetime.datetime.fromisoformat(sys.argv[1])
        run_dag(build(), logical_date=when, run_after=when)
    """
)


def test_worker_killed_while_loading_then_rerun_loads_once(sales, run_dag, tmp_path):
    script = tmp_path / "killed_dag.py"
    script.write_text(KILLED_DAG % {"source": SOURCE})
    sales.fe.config.hold_state = "LOADING"
    proc = subprocess.Popen(
        [sys.executable, str(script), LOGICAL.isoformat()],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: "LOADING" in {r[2] for r in jobs(sales)} or proc.poll() is not None, "LOADING")
        assert proc.poll() is None, "the task process ended before the load was LOADING"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    seen = len(sales.statements)
    release_hold_after(sales, lambda: sum(s.startswith("SHOW LOAD") for s in sales.statements[seen:]) >= 2)

    sys.path.insert(0, str(tmp_path))
    try:
        import killed_dag
    finally:
        sys.path.remove(str(tmp_path))
    result = run_dag(killed_dag.build(), logical_date=LOGICAL, run_after=LOGICAL)
    assert result.task_states == {"load": "success"}
    assert len(loads(sales)) == 1
    (job,) = jobs(sales)
    assert result.xcom["load"]["job_id"] == int(job[0])
    assert count(sales) == 100


@pytest.mark.parametrize("cancel_on_kill", [pytest.param(True, id="cancel"), pytest.param(False, id="keep")])
def test_on_kill_cancels_the_running_load(sales, cancel_on_kill):
    from types import SimpleNamespace

    from airflow_provider_starrocks.utils.load_state import StarRocksLoadError

    sales.fe.config.hold_state = "LOADING"
    op = StarRocksS3BrokerLoadOperator(
        task_id="load", database="sales", table="orders", source=SOURCE, aws_conn_id="aws_iam_user",
        poll_interval=0.05, cancel_on_kill=cancel_on_kill,
    )  # fmt: skip
    ti = SimpleNamespace(
        dag_id="d", task_id="load", run_id="r1", map_index=-1, try_number=1, xcom_push=lambda **kw: None
    )
    outcome = {}

    # Airflow 2 guards execute() with a thread-local sentinel that another thread does not have.
    execute = getattr(type(op).execute, "__wrapped__", type(op).execute)

    def run():
        try:
            outcome["result"] = execute(op, {"ti": ti})
        except StarRocksLoadError as exc:
            outcome["error"] = str(exc)
        except Exception as exc:  # surfaces in the assertions below instead of a hang
            outcome["unexpected"] = repr(exc)

    thread = threading.Thread(target=run)
    thread.start()
    wait_for(lambda: "LOADING" in {r[2] for r in jobs(sales)} or not thread.is_alive(), "LOADING")
    assert "unexpected" not in outcome, outcome
    wait_for(lambda: op._followed is not None, "the task to record its label")
    op.on_kill()
    if not cancel_on_kill:
        sales.fe.config.hold_state = None
    thread.join()
    if cancel_on_kill:
        assert "USER_CANCEL" in outcome["error"]
        assert count(sales) == 0
    else:
        assert outcome["result"]["state"] == "FINISHED"
        assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)
