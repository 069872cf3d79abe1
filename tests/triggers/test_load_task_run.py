"""StarRocksLoadTrigger with kind="task_run": one trigger follows information_schema.task_runs too."""

from __future__ import annotations

import json
import time

import pytest

from airflow_provider_starrocks.triggers.job import StarRocksJobTrigger
from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

AUTH = '"aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2"'


@pytest.fixture
def sales(starrocks):
    starrocks.sql("CREATE DATABASE sales")
    starrocks.sql(
        "CREATE TABLE sales.orders (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE) DUPLICATE KEY(id)",
    )
    return starrocks


def submit(stack, name, path):
    stack.sql(
        f"SUBMIT TASK {name} AS INSERT INTO sales.orders WITH LABEL {name} SELECT * FROM FILES("
        f'"path" = "{path}", "format" = "parquet", {AUTH})',
    )


def trigger(name, deadline=None):
    return StarRocksLoadTrigger(
        starrocks_conn_id="starrocks_default",
        database="sales",
        label=name,
        job_id=None,
        poll_interval=0.02,
        deadline=time.time() + 600 if deadline is None else deadline,
        kind="task_run",
    )


async def events_of(trig):
    return [event.payload async for event in trig.run()]


def test_serialize_round_trip_carries_kind_and_never_cancels():
    trig = StarRocksLoadTrigger(
        starrocks_conn_id="c",
        database="d",
        label="t",
        job_id=None,
        poll_interval=1,
        deadline=2.0,
        kind="task_run",
    )
    path, kwargs = trig.serialize()
    assert kwargs["kind"] == "task_run"
    assert (kwargs["cancel_on_kill"], kwargs["submitted"]) == (False, True)
    json.dumps(kwargs)
    assert StarRocksJobTrigger(**kwargs).serialize() == (path, kwargs)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        StarRocksLoadTrigger(
            starrocks_conn_id="c",
            database="d",
            label="t",
            job_id=None,
            poll_interval=1,
            deadline=2.0,
            kind="backup",
        )
    with pytest.raises(ValueError, match="Unknown StarRocks job kind 'x'"):
        StarRocksJobTrigger(
            starrocks_conn_id="c",
            database="d",
            identity="t",
            job_id=None,
            poll_interval=1,
            deadline=2.0,
            kind="x",
        )


@pytest.mark.asyncio
async def test_task_run_success_event(sales):
    submit(sales, "task_ok", "s3://starrocks-test/sample/orders.parquet")
    (event,) = await events_of(trigger("task_ok"))
    assert (event["status"], event["label"], event["state"]["state"]) == ("success", "task_ok", "SUCCESS")


@pytest.mark.asyncio
async def test_task_run_failure_event_names_task_and_message(sales):
    submit(sales, "task_bad", "s3://starrocks-test/missing/*.parquet")
    (event,) = await events_of(trigger("task_bad"))
    assert (event["status"], event["fatal"]) == ("error", True)
    assert event["message"].startswith("StarRocks task 'task_bad'")
    assert "No files were found matching the pattern(s) or path(s)" in event["message"]


@pytest.mark.asyncio
async def test_task_run_never_listed_is_state_unknown(sales):
    (event,) = await events_of(trigger("never_submitted"))
    assert event["status"] == "error"
    assert "state unknown" in event["message"]
