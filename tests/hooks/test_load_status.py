"""The load methods of StarRocksHook (hooks/load_status.py) against the local stack's FE."""

from __future__ import annotations

import json

import pytest

from airflow_provider_starrocks.hooks.starrocks import StarRocksHook


@pytest.fixture
def hook(starrocks, monkeypatch) -> StarRocksHook:
    fields = {
        "conn_type": "starrocks",
        "host": starrocks.fe_host,
        "port": starrocks.fe_port,
        "login": starrocks.user,
        "password": starrocks.password,
    }
    monkeypatch.setenv("AIRFLOW_CONN_SR_LOADS", json.dumps(fields))
    return StarRocksHook(starrocks_conn_id="sr_loads")


def test_using_load_conn_closes_only_the_connection_it_opened(hook):
    with hook.using_load_conn() as opened:
        assert opened.open
    assert not opened.open
    given = hook.get_load_conn()
    try:
        with hook.using_load_conn(given) as lent:
            assert lent is given
        assert given.open
    finally:
        given.close()


@pytest.mark.asyncio
async def test_ausing_load_conn_closes_only_the_connection_it_opened(hook):
    async with hook.ausing_load_conn() as opened:
        assert not opened.closed
    assert opened.closed
    given = await hook.aget_load_conn()
    try:
        async with hook.ausing_load_conn(given) as lent:
            assert lent is given
        assert not given.closed
    finally:
        given.close()


@pytest.mark.parametrize("use_async", [pytest.param(False, id="sync"), pytest.param(True, id="async")])
@pytest.mark.asyncio
async def test_cancel_of_a_label_without_a_job_returns_false_and_says_why(hook, starrocks, capfd, use_async):
    starrocks.sql("CREATE DATABASE IF NOT EXISTS cancel_db")
    if use_async:
        cancelled = await hook.acancel_load("cancel_db", "no_such_label")
    else:
        cancelled = hook.cancel_load("cancel_db", "no_such_label")
    assert cancelled is False
    assert 'CANCEL LOAD FROM `cancel_db` WHERE LABEL = "no_such_label"' in starrocks.statements
    out = capfd.readouterr()
    assert "'no_such_label' cannot be cancelled: Load job does not exist" in out.out + out.err


def test_rejected_rows_of_an_unknown_job_are_none(hook):
    conn = hook.get_load_conn()
    try:
        assert hook.get_rejected_rows(None, conn) == []
        assert hook.get_rejected_rows(123456789, conn) == []
    finally:
        conn.close()
