"""
Deadlines that meet bad luck: a job that commits as CANCEL arrives, an FE that stops answering, a run that only
attached to another run's label, a triggerer that dies mid-wait.

The race is staged inside the FE emulator's own cancel handler (the one point where a job can commit "between
the deadline check and CANCEL" on demand); everything else is the real operator, trigger and FE protocol.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
import types

import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.triggers.job import StarRocksJobTrigger
from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger
from airflow_provider_starrocks.utils.load_state import StarRocksLoadError, StarRocksLoadFatalError

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
SOURCE = "s3://starrocks-test/sample/orders.parquet"
MODES = [pytest.param(False, id="sync"), pytest.param(True, id="deferrable")]


def make_dag(dag_id, deferrable, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        op = StarRocksS3BrokerLoadOperator(
            task_id="load",
            database="sales",
            table="orders",
            source=SOURCE,
            aws_conn_id="aws_iam_user",
            poll_interval=0.05,
            deferrable=deferrable,
            properties={"timeout": 3},
            **kwargs,
        )
    op.deadline_grace = -2  # our deadline (1 s) comes before StarRocks's own timeout (3 s) cancels the job
    return dag


def states(stack):
    return [row[2] for row in stack.sql("SHOW LOAD FROM sales")]


def rows(stack):
    return stack.sql("SELECT count(*) FROM sales.orders")[0][0]


def commit_on_cancel(stack, monkeypatch):
    """Make the job commit and land just before the FE handles CANCEL LOAD (the deadline race)."""
    cancel = stack.fe.loads.cancel

    def racing_cancel(db, label):
        stack.fe.config.hold_state = None
        for _ in range(500):
            if states(stack)[-1] == "FINISHED":
                break
            time.sleep(0.01)
        cancel(db, label)

    monkeypatch.setattr(stack.fe.loads, "cancel", racing_cancel)


@pytest.mark.parametrize("deferrable", MODES)
def test_job_that_commits_as_cancel_arrives_succeeds_once(sales, run_dag, monkeypatch, deferrable):
    sales.fe.config.hold_state = "LOADING"
    commit_on_cancel(sales, monkeypatch)
    result = run_dag(make_dag(f"race_{deferrable}", deferrable))
    assert result.task_states == {"load": "success"}
    assert any(s.startswith("CANCEL LOAD") for s in sales.statements)
    assert states(sales) == ["FINISHED"]
    assert rows(sales) == 100
    assert result.xcom["load"]["state"] == "FINISHED"


@pytest.mark.parametrize("deferrable", MODES)
def test_cancel_that_takes_effect_is_reported_after_reading_the_job(sales, run_dag, capfd, deferrable):
    sales.fe.config.hold_state = "LOADING"
    assert run_dag(make_dag(f"cancelled_{deferrable}", deferrable)).task_states == {"load": "failed"}
    assert states(sales) == ["CANCELLED"]
    out = capfd.readouterr()
    assert "Passed its deadline and cancelled: StarRocks load" in out.out + out.err


@pytest.mark.parametrize("deferrable", MODES)
def test_stalled_fe_past_the_deadline_fails_within_bounds(sales, run_dag, capfd, deferrable):
    sales.fe.config.hold_state = "LOADING"
    stalled, done = threading.Event(), threading.Event()

    def stall_once_polled():
        while not done.wait(0.01):  # stops with the test: a late stall would hang the next test's connect
            if sum("SHOW LOAD" in s or "information_schema.loads" in s for s in sales.statements) >= 2:
                sales.fe.stall(120)
                stalled.set()
                return

    threading.Thread(target=stall_once_polled, daemon=True).start()
    dag = make_dag(f"stalled_{deferrable}", deferrable)
    started = time.monotonic()
    try:
        result = run_dag(dag)
    finally:
        done.set()
        sales.fe.stall(0)
    took = time.monotonic() - started
    assert stalled.is_set()
    assert result.task_states == {"load": "failed"}
    out = capfd.readouterr()
    assert "past its deadline" in out.out + out.err
    # A deadline 1 s away, every statement bounded by the time left (5 s at least): not the stall's 120 s.
    assert took < 60, took


def attach_context(run_id):
    ti = types.SimpleNamespace(
        dag_id="shared", task_id="load", run_id=run_id, map_index=-1, try_number=1, xcom_push=lambda **_: None
    )
    return {"ti": ti}


def run(op, context):
    """``execute`` without Airflow 2.11's thread-local executor guard, so it can run in a thread."""
    execute = getattr(type(op).execute, "__wrapped__", type(op).execute)
    return execute(op, context)


def operator(**kwargs):
    return StarRocksS3BrokerLoadOperator(
        task_id="load",
        database="sales",
        table="orders",
        source=SOURCE,
        aws_conn_id="aws_iam_user",
        label="daily_20240301",
        poll_interval=0.05,
        **kwargs,
    )


def test_run_that_attached_never_cancels_the_owners_load(sales):
    sales.fe.config.hold_state = "LOADING"
    owner, attached = operator(), operator()
    outcome = {}

    def run_owner():
        try:
            outcome["owner"] = run(owner, attach_context("scheduled__2024-03-01"))
        except Exception as exc:
            outcome["owner"] = exc

    thread = threading.Thread(target=run_owner)
    thread.start()
    for _ in range(500):
        if states(sales) == ["LOADING"]:
            break
        time.sleep(0.01)
    # The manual run of the same ds attaches, then is marked failed: its on_kill must not cancel the load.
    thread_b = threading.Thread(target=lambda: _swallow(attached, attach_context("manual__x")))
    thread_b.start()
    for _ in range(500):
        if attached._followed is not None:
            break
        time.sleep(0.01)
    attached.on_kill()
    assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)
    sales.fe.config.hold_state = None
    thread.join(30)
    thread_b.join(30)
    assert isinstance(outcome["owner"], dict)
    assert outcome["owner"]["state"] == "FINISHED"
    assert rows(sales) == 100
    assert sum(s.startswith("LOAD LABEL") for s in sales.statements) == 1


def test_attached_run_past_its_deadline_stops_waiting_without_cancelling(sales):
    sales.fe.config.hold_state = "LOADING"
    sales.sql(
        f'LOAD LABEL sales.daily_20240301 (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
        '("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")'
    )
    attached = operator(execution_timeout=datetime.timedelta(seconds=1.5))
    with pytest.raises(StarRocksLoadError, match="did not submit") as err:
        run(attached, attach_context("manual__y"))
    assert not isinstance(err.value, StarRocksLoadFatalError)
    assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)
    assert states(sales) == ["LOADING"]


def test_a_cancel_this_task_did_not_send_is_retried(sales):
    sales.fe.config.hold_state = "LOADING"
    owner = operator()
    errors = []
    thread = threading.Thread(target=lambda: _swallow(owner, attach_context("scheduled__z"), errors))
    thread.start()
    for _ in range(500):
        if states(sales) == ["LOADING"]:
            break
        time.sleep(0.01)
    sales.sql('CANCEL LOAD FROM sales WHERE LABEL = "daily_20240301"')  # someone else, e.g. in a SQL client
    thread.join(30)
    (error,) = errors
    assert isinstance(error, StarRocksLoadError)
    assert not isinstance(error, StarRocksLoadFatalError)
    assert "USER_CANCEL" in str(error)


def _swallow(op, context, errors=None):
    try:
        run(op, context)
    except Exception as exc:
        if errors is not None:
            errors.append(exc)


@pytest.mark.asyncio
async def test_trigger_recreated_after_a_triggerer_dies_finishes_the_same_job(sales):
    sales.fe.config.hold_state = "LOADING"
    sales.sql(
        f'LOAD LABEL sales.resume (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
        '("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")'
    )
    job_id = int(sales.sql('SHOW LOAD FROM sales WHERE LABEL = "resume"')[0][0])
    first = StarRocksLoadTrigger(
        starrocks_conn_id="starrocks_default",
        database="sales",
        label="resume",
        job_id=job_id,
        poll_interval=0.05,
        deadline=time.time() + 60,
    )
    running = asyncio.ensure_future(first.run().__anext__())
    await asyncio.sleep(0.3)
    running.cancel()  # the triggerer process is gone mid-wait
    with pytest.raises(asyncio.CancelledError):
        await running
    classpath, kwargs = first.serialize()
    assert classpath == "airflow_provider_starrocks.triggers.job.StarRocksJobTrigger"
    sales.fe.config.hold_state = None
    event = await StarRocksJobTrigger(**kwargs).run().__anext__()
    assert event.payload["status"] == "success"
    assert event.payload["job_id"] == job_id
    assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)
    assert rows(sales) == 100
