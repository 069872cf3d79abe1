"""StarRocksLoadTrigger driven directly (asyncio) against the local FE emulator."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from airflow_provider_starrocks.triggers.job import StarRocksJobTrigger
from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

SOURCE = "s3://starrocks-test/sample/orders.parquet"


def submit(stack, label):
    stack.sql(
        f'LOAD LABEL sales.{label} (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
        '("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")',
    )
    return int(stack.sql(f'SHOW LOAD FROM sales WHERE LABEL = "{label}"')[0][0])


def trigger(label="lbl", job_id=1, deadline=None, **kwargs):
    return StarRocksLoadTrigger(
        starrocks_conn_id="starrocks_default",
        database="sales",
        label=label,
        job_id=job_id,
        poll_interval=kwargs.pop("poll_interval", 0.02),
        deadline=time.time() + 600 if deadline is None else deadline,
        **kwargs,
    )


def polls(statements):
    """Count status polls, per label (SHOW LOAD) or shared and batched (information_schema.loads)."""
    return sum(s.startswith("SHOW LOAD FROM `sales`") or "information_schema.loads" in s for s in statements)


async def events_of(trig):
    return [event.payload async for event in trig.run()]


def test_serialize_round_trip_has_only_primitives():
    trig = trigger(job_id=7, deadline=1.5e9, cancel_on_kill=False)
    path, kwargs = trig.serialize()
    assert path == "airflow_provider_starrocks.triggers.job.StarRocksJobTrigger"
    assert kwargs == {
        "starrocks_conn_id": "starrocks_default",
        "database": "sales",
        "kind": "load",
        "identity": "lbl",
        "job_id": 7,
        "poll_interval": 0.02,
        "deadline": 1.5e9,
        "cancel_on_kill": False,
        "submitted": True,
    }
    json.dumps(kwargs)
    assert StarRocksJobTrigger(**kwargs).serialize() == (path, kwargs)


def test_kwargs_of_earlier_releases_still_build_the_trigger():
    # A trigger serialized before job kinds existed is rebuilt from the old kwargs by the triggerer.
    old = {
        "starrocks_conn_id": "starrocks_default",
        "database": "sales",
        "label": "lbl",
        "job_id": None,
        "poll_interval": 5.0,
        "deadline": 1.5e9,
        "cancel_on_kill": True,
    }
    trig = StarRocksLoadTrigger(**old)
    assert (trig.kind, trig.identity, trig.submitted, trig.cancel_on_kill) == ("load", "lbl", False, True)


@pytest.mark.asyncio
async def test_yields_one_success_event_then_returns(sales):
    job_id = submit(sales, "ok")
    (event,) = await events_of(trigger("ok", job_id))
    assert event["status"] == "success"
    assert (event["state"]["state"], event["state"]["sink_rows"], event["job_id"]) == (
        "FINISHED",
        100,
        job_id,
    )


@pytest.mark.asyncio
async def test_quality_failure_event_is_fatal_and_explains(sales):
    sales.fe.force_next_load(
        "CANCELLED", "type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to cancel"
    )
    job_id = submit(sales, "bad")
    (event,) = await events_of(trigger("bad", job_id))
    assert (event["status"], event["fatal"]) == ("error", True)
    assert "ETL_QUALITY_UNSATISFIED" in event["message"]
    assert "'bad'" in event["message"]


@pytest.mark.asyncio
async def test_deadline_cancels_in_the_trigger(sales):
    sales.fe.config.hold_state = "LOADING"
    job_id = submit(sales, "slow")
    (event,) = await events_of(trigger("slow", job_id, deadline=time.time()))
    assert event["status"] == "error"
    assert event["message"].startswith("Passed its deadline and cancelled: StarRocks load")
    assert event["timeout"] is True
    assert 'CANCEL LOAD FROM `sales` WHERE LABEL = "slow"' in sales.statements
    assert sales.sql('SHOW LOAD FROM sales WHERE LABEL = "slow"')[0][2] == "CANCELLED"


@pytest.mark.asyncio
async def test_prepared_at_deadline_keeps_polling_until_visible(sales):
    sales.fe.config.hold_state = "PREPARED"
    job_id = submit(sales, "prep")
    while sales.sql('SHOW LOAD FROM sales WHERE LABEL = "prep"')[0][2] != "PREPARED":
        await asyncio.sleep(0.01)
    trig = trigger("prep", job_id, deadline=time.time())
    seen = len(sales.statements)

    async def release():
        while polls(sales.statements[seen:]) < 2:
            await asyncio.sleep(0.01)
        sales.fe.config.hold_state = None

    (event,), _ = await asyncio.gather(events_of(trig), release())
    assert event["status"] == "success"
    assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)


@pytest.mark.asyncio
async def test_expired_label_is_state_unknown(sales):
    (event,) = await events_of(trigger("gone", job_id=12345))
    assert (event["status"], event["fatal"]) == ("error", True)
    assert "state unknown" in event["message"]


@pytest.mark.asyncio
async def test_without_job_id_waits_for_the_label_to_appear(sales):
    trig = trigger("later", job_id=None)

    async def submit_later():
        while polls(sales.statements) < 2:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(submit, sales, "later")

    (event,), _ = await asyncio.gather(events_of(trig), submit_later())
    assert event["status"] == "success"


@pytest.mark.asyncio
async def test_reconnects_after_dropped_connections(sales):
    sales.fe.config.hold_state = "LOADING"
    job_id = submit(sales, "dropped")

    async def disturb():
        while polls(sales.statements) < 2:
            await asyncio.sleep(0.01)
        sales.fe.drop_connections()
        sales.fe.config.hold_state = None

    (event,), _ = await asyncio.gather(events_of(trigger("dropped", job_id)), disturb())
    assert event["status"] == "success"


@pytest.mark.asyncio
@pytest.mark.parametrize("cancel_on_kill", [pytest.param(True, id="cancel"), pytest.param(False, id="keep")])
async def test_on_kill(sales, cancel_on_kill):
    sales.fe.config.hold_state = "LOADING"
    job_id = submit(sales, "killme")
    await trigger("killme", job_id, cancel_on_kill=cancel_on_kill).on_kill()
    state = sales.sql('SHOW LOAD FROM sales WHERE LABEL = "killme"')[0][2]
    assert (state == "CANCELLED") is cancel_on_kill
    assert any(s.startswith("CANCEL LOAD") for s in sales.statements) is cancel_on_kill
