"""The shared poller: many load triggers in one event loop, one batched status query per database and cycle."""

from __future__ import annotations

import asyncio
import time

import pytest

from airflow_provider_starrocks.triggers import _poller
from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

SOURCE = "s3://starrocks-test/sample/orders.parquet"
BATCHED = "FROM information_schema.loads"


def submit(stack, database, label):
    stack.sql(
        f'LOAD LABEL {database}.{label} (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
        '("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")',
    )
    return int(stack.sql(f'SHOW LOAD FROM {database} WHERE LABEL = "{label}"')[0][0])


@pytest.fixture
def dbs(starrocks):
    for database in ("sales", "stock"):
        starrocks.sql(
            f"CREATE DATABASE {database}",
            f"CREATE TABLE {database}.orders (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE)",
        )
    return starrocks


class PerTriggerLoadTrigger(StarRocksLoadTrigger):
    shared_polling = False


def trigger(database, label, job_id=1, cls=StarRocksLoadTrigger, **kwargs):
    return cls(
        starrocks_conn_id="starrocks_default",
        database=database,
        label=label,
        job_id=job_id,
        poll_interval=kwargs.pop("poll_interval", 0.05),
        deadline=kwargs.pop("deadline", time.time() + 600),
        **kwargs,
    )


async def first_event(trig):
    async for event in trig.run():
        return event.payload
    raise AssertionError("the trigger ended without an event")


async def run_watching_pollers(coro):
    """Run ``coro`` while recording every poller that existed meanwhile."""
    seen: set[_poller.LabelPoller] = set()
    task = asyncio.ensure_future(coro)
    while not task.done():
        seen.update(_poller.active_pollers())
        await asyncio.sleep(0.005)
    return await task, seen


@pytest.mark.asyncio
async def test_twenty_triggers_two_databases_one_query_per_database_and_cycle(dbs):
    dbs.fe.config.hold_state = "LOADING"
    labels = {(db, f"{db}_{i}"): submit(dbs, db, f"{db}_{i}") for db in ("sales", "stock") for i in range(10)}
    seen = len(dbs.statements)

    async def release():
        while sum(BATCHED in s for s in dbs.statements[seen:]) < 4:
            await asyncio.sleep(0.01)
        dbs.fe.config.hold_state = None

    triggers = [trigger(db, label, job_id) for (db, label), job_id in labels.items()]
    (events, *_), pollers = await run_watching_pollers(
        asyncio.gather(asyncio.gather(*map(first_event, triggers)), release())
    )
    assert [e["status"] for e in events] == ["success"] * 20
    assert {(e["state"]["database"], e["label"]) for e in events} == set(labels)
    status = [s for s in dbs.statements[seen:] if "SHOW LOAD" in s or BATCHED in s]
    assert not any(s.startswith("SHOW LOAD") for s in status)
    assert {p.database for p in pollers} == {"sales", "stock"}
    assert len(status) == sum(p.cycles for p in pollers)  # exactly one statement per database and cycle
    assert any(all(f"'sales_{i}'" in s or f'"sales_{i}"' in s for i in range(10)) for s in status)
    assert _poller.active_pollers() == []


@pytest.mark.asyncio
async def test_each_trigger_gets_its_own_event_when_its_load_ends(dbs):
    done_id = submit(dbs, "sales", "done")
    waiting = asyncio.ensure_future(first_event(trigger("sales", "later", job_id=None)))
    event = await first_event(trigger("sales", "done", done_id))
    assert event["status"] == "success"
    assert not waiting.done()  # the other subscriber keeps waiting for its label to appear
    await asyncio.to_thread(submit, dbs, "sales", "later")
    assert (await waiting)["status"] == "success"
    assert _poller.active_pollers() == []


@pytest.mark.asyncio
async def test_cancelled_triggers_leave_no_poller_nor_connection(dbs):
    dbs.fe.config.hold_state = "LOADING"
    tasks = [
        asyncio.ensure_future(first_event(trigger("sales", f"c{i}", submit(dbs, "sales", f"c{i}"))))
        for i in range(5)
    ]
    for _ in range(3000):
        if any(p.cycles for p in _poller.active_pollers()):
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the shared poller never completed a cycle")
    (poller,) = _poller.active_pollers()
    connection = poller.connection
    for task in tasks:
        task.cancel()
    # Bounded: a trigger that swallowed its cancellation would otherwise poll on forever.
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
    assert all(task.cancelled() for task in tasks)
    assert _poller.active_pollers() == []
    assert connection._conn is None
    assert connection._io_loop is None  # its I/O thread was told to stop
    assert _poller._REGISTRIES[asyncio.get_running_loop()].connections == {}


@pytest.mark.asyncio
async def test_before_3_1_falls_back_to_show_load_per_label(dbs):
    dbs.fe.config.version = "3.0.9"
    jobs = {f"old{i}": submit(dbs, "sales", f"old{i}") for i in range(3)}
    seen = len(dbs.statements)
    events = await asyncio.gather(*(first_event(trigger("sales", label, job)) for label, job in jobs.items()))
    assert [e["status"] for e in events] == ["success"] * 3
    sent = dbs.statements[seen:]
    assert not any(BATCHED in s for s in sent)
    assert {f'SHOW LOAD FROM `sales` WHERE LABEL = "{label}"' for label in jobs} <= set(sent)


@pytest.mark.asyncio
async def test_per_trigger_polling_when_shared_polling_is_off(dbs):
    job_id = submit(dbs, "sales", "alone")
    seen = len(dbs.statements)
    event = await first_event(trigger("sales", "alone", job_id, cls=PerTriggerLoadTrigger))
    assert event["status"] == "success"
    assert not any(BATCHED in s for s in dbs.statements[seen:])
    assert _poller.active_pollers() == []


@pytest.mark.asyncio
async def test_deadline_between_cycles_cancels_on_fresh_status(dbs):
    dbs.fe.config.hold_state = "LOADING"
    job_id = submit(dbs, "sales", "late")
    # A long interval: the deadline comes long before the second cycle, and is acted on at once.
    event = await first_event(trigger("sales", "late", job_id, poll_interval=300, deadline=time.time() + 0.3))
    assert event["status"] == "error"
    assert event["message"].startswith("Passed its deadline and cancelled: StarRocks load")
    assert event["timeout"] is True
    assert dbs.sql('SHOW LOAD FROM sales WHERE LABEL = "late"')[0][2] == "CANCELLED"


@pytest.mark.asyncio
async def test_failed_load_event_carries_rejected_rows_lookup(dbs):
    dbs.fe.force_next_load("CANCELLED", "type:LOAD_RUN_FAIL; msg:backend crashed")
    job_id = submit(dbs, "sales", "broken")
    event = await first_event(trigger("sales", "broken", job_id))
    assert (event["status"], event["state"]["state"]) == ("error", "CANCELLED")
    assert "backend crashed" in event["message"]


@pytest.mark.asyncio
async def test_pollers_are_keyed_by_connection_database_and_kind(dbs, monkeypatch):
    # A second kind reads loads too (its batched fetch is the load kind's, through the same real FE), so the
    # test sees two kinds in one database share the connection but not the poller or its statement.
    asked: dict[str, list[list[str]]] = {"load": [], "again": []}

    def recording(kind):
        async def fetch(hook, conn, version, database, labels):
            asked[kind].append(labels)
            return await _poller.fetch_loads(hook, conn, version, database, labels)

        return fetch

    monkeypatch.setattr(
        _poller, "BATCH_FETCHES", dict(_poller.BATCH_FETCHES)
    )  # the registry comes back after
    _poller.register_batch_fetch("load", recording("load"))
    _poller.register_batch_fetch("again", recording("again"))
    jobs = {label: submit(dbs, "sales", label) for label in ("k1", "k2")}
    seen = len(dbs.statements)
    subscriptions = [
        _poller.subscribe("starrocks_default", "sales", "k1", 0.05),
        _poller.subscribe("starrocks_default", "sales", "k2", 0.05, kind="again"),
        _poller.subscribe("starrocks_default", "sales", "k1", 0.05, kind="again"),
    ]
    try:
        found = [await asyncio.wait_for(s.next(), 30) for s in subscriptions]
        pollers = {(p.connection.conn_id, p.database, p.kind): p for p in _poller.active_pollers()}
        assert set(pollers) == {
            ("starrocks_default", "sales", "load"),
            ("starrocks_default", "sales", "again"),
        }
        assert len({id(p.connection) for p in pollers.values()}) == 1
    finally:
        for subscription in subscriptions:
            subscription.close()
    assert [[job.job_id for job in jobs_of] for jobs_of in found] == [
        [jobs["k1"]],
        [jobs["k2"]],
        [jobs["k1"]],
    ]
    assert {tuple(labels) for labels in asked["load"]} == {("k1",)}
    assert {tuple(labels) for labels in asked["again"]} == {("k1", "k2")}
    status = [s for s in dbs.statements[seen:] if BATCHED in s]
    assert len(status) == sum(
        p.cycles for p in pollers.values()
    )  # one statement per (conn, db, kind) and cycle
    assert _poller.active_pollers() == []


@pytest.mark.asyncio
async def test_a_kind_without_batched_fetch_cannot_subscribe():
    with pytest.raises(ValueError, match=r"kind 'backup' has no shared poller .*register_batch_fetch"):
        _poller.subscribe("starrocks_default", "sales", "snap1", 1.0, kind="backup")
    assert _poller.active_pollers() == []


@pytest.mark.asyncio
async def test_a_cycle_wakes_more_subscribers_than_one_delivery_batch(dbs):
    count = 2 * _poller.DELIVERY_BATCH + 50
    job_id = submit(dbs, "sales", "one_of_many")
    labels = ["one_of_many"] + [f"absent_{i}" for i in range(count - 1)]
    seen = len(dbs.statements)
    subscriptions = [_poller.subscribe("starrocks_default", "sales", label, 0.05) for label in labels]
    try:
        found = await asyncio.wait_for(asyncio.gather(*(s.next() for s in subscriptions)), 60)
    finally:
        for subscription in subscriptions:
            subscription.close()
    assert [job.job_id for job in found[0]] == [job_id]
    assert all(jobs == [] for jobs in found[1:])
    assert any(
        s.count("absent_") == count - 1 for s in dbs.statements[seen:] if BATCHED in s
    )  # one statement
    assert _poller.active_pollers() == []
