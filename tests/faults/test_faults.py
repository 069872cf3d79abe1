"""
Faults against the local stack's fault injection: polling survives them, no load is lost or loaded twice.

Covered elsewhere, not repeated here: the worker SIGKILLed mid-load and the task re-run attaching to the same
label (``tests/operators/test_broker_load_retry.py::test_worker_killed_while_loading_then_rerun_loads_once``), and
our deadline sending ``CANCEL LOAD`` in both modes (``...::test_deadline_cancels_the_load``).
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time

import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.triggers import _poller
from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
SOURCE = "s3://starrocks-test/sample/orders.parquet"
MODES = [pytest.param(False, id="sync"), pytest.param(True, id="deferrable")]


def stall(fe):
    fe.stall(0.3)
    time.sleep(0.5)
    fe.stall(0)


FAULTS = {"connections_dropped": lambda fe: fe.drop_connections(), "fe_restarted": lambda fe: fe.restart()}


def polls(stack, since=0):
    """Status polls so far: per label (SHOW LOAD) or through the shared poller (information_schema.loads)."""
    return sum(
        "SHOW LOAD FROM `sales`" in s or "information_schema.loads" in s for s in stack.statements[since:]
    )


@pytest.fixture
def when():
    """``when(predicate, action)`` runs ``action`` in a thread once ``predicate`` holds; stopped at teardown."""
    done = threading.Event()
    threads = []

    def start(predicate, action):
        def run():
            while not done.wait(0.01):  # event-based: nothing depends on how long this takes
                if predicate():
                    action()
                    return

        threads.append(threading.Thread(target=run, daemon=True))
        threads[-1].start()

    yield start
    done.set()  # a failed test must not fire its fault into the next one
    for thread in threads:
        thread.join()


def release(stack, fault):
    def act():
        fault()
        stack.fe.config.hold_state = None

    return act


def make_dag(dag_id, deferrable, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksS3BrokerLoadOperator(
            task_id="load",
            database="sales",
            table="orders",
            source=SOURCE,
            aws_conn_id="aws_iam_user",
            poll_interval=0.05,
            deferrable=deferrable,
            **kwargs,
        )
    return dag


def loaded_once(stack):
    assert sum(s.startswith("LOAD LABEL") for s in stack.statements) == 1
    assert stack.sql("SELECT count(*) FROM sales.orders")[0][0] == 100


@pytest.mark.parametrize("deferrable", MODES)
@pytest.mark.parametrize("fault", [pytest.param(name, id=name) for name in FAULTS])
def test_polling_resumes_after_fault_mid_load(sales, run_dag, when, deferrable, fault):
    sales.fe.config.hold_state = "LOADING"
    when(lambda: polls(sales) >= 2, release(sales, lambda: FAULTS[fault](sales.fe)))
    result = run_dag(make_dag(f"fault_{fault}_{deferrable}", deferrable))
    assert result.task_states == {"load": "success"}
    assert result.xcom["load"]["state"] == "FINISHED"
    loaded_once(sales)


@pytest.mark.parametrize("deferrable", MODES)
@pytest.mark.parametrize(
    ("forced", "reason"),
    [
        pytest.param(
            ("CANCELLED", "type:LOAD_RUN_FAIL; msg:backend node lost"), "backend node lost", id="cancelled"
        ),
        pytest.param(("TIMEOUT", None), "loading timeout to cancel", id="starrocks_timeout"),
    ],
)
def test_load_ended_by_starrocks_fails_the_task_with_the_reason(
    sales, run_dag, capfd, deferrable, forced, reason
):
    sales.fe.force_next_load(*forced)
    result = run_dag(make_dag(f"fault_{forced[0]}_{deferrable}", deferrable))
    assert result.task_states == {"load": "failed"}
    assert reason in capfd.readouterr().out
    assert sales.sql("SELECT count(*) FROM sales.orders")[0][0] == 0


def test_label_expired_while_deferred_is_state_unknown_not_resubmitted(sales, run_dag, capfd):
    sales.fe.config.label_keep_max_num = 0
    sales.fe.config.loading_delay = (
        0.3  # still running when the task checks it, expired when the trigger looks
    )
    result = run_dag(make_dag("fault_expired_deferred", True, retries=1, retry_delay=datetime.timedelta(0)))
    assert result.task_states == {"load": "failed"}
    assert "state unknown" in capfd.readouterr().out
    loaded_once(sales)


# -- the shared poller under faults ------------------------------------------------------------------------


def submit(stack, label):
    stack.sql(
        f'LOAD LABEL sales.{label} (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
        '("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")',
    )
    return int(stack.sql(f'SHOW LOAD FROM sales WHERE LABEL = "{label}"')[0][0])


async def twenty_triggers_through(stack, fault):
    stack.fe.config.hold_state = "LOADING"
    jobs = {f"many{i}": submit(stack, f"many{i}") for i in range(20)}
    seen = len(stack.statements)
    deadline = time.time() + 600

    async def first_event(label, job_id):
        trigger = StarRocksLoadTrigger(
            starrocks_conn_id="starrocks_default",
            database="sales",
            label=label,
            job_id=job_id,
            poll_interval=0.05,
            deadline=deadline,
        )
        async for event in trigger.run():
            return event.payload
        raise AssertionError("no event")

    async def disturb():
        while polls(stack, seen) < 2:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(fault, stack.fe)
        while polls(stack, seen) < 4:  # polling resumed while every trigger still waits
            await asyncio.sleep(0.01)
        stack.fe.config.hold_state = None

    events, _ = await asyncio.gather(asyncio.gather(*(first_event(*job) for job in jobs.items())), disturb())
    return events, stack.statements[seen:]


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", [pytest.param(name, id=name) for name in [*FAULTS, "fe_stalled"]])
async def test_shared_poller_twenty_triggers_all_get_their_event(sales, fault):
    events, sent = await twenty_triggers_through(sales, FAULTS.get(fault, stall))
    assert [e["status"] for e in events] == ["success"] * 20
    assert {e["label"] for e in events} == {f"many{i}" for i in range(20)}
    assert not any(s.startswith("SHOW LOAD") for s in sent)  # batched all along, reconnects included
    assert _poller.active_pollers() == []
    assert sales.sql("SELECT count(*) FROM sales.orders")[0][0] == 20 * 100
