"""StarRocksSnapshotSensor against the local stack: poke and deferrable, a snapshot that arrives, a timeout."""

from __future__ import annotations

import datetime
import threading
import time
import types

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.operators.backup import (
    StarRocksBackupOperator,
    StarRocksCreateRepositoryOperator,
)
from airflow_provider_starrocks.sensors.snapshot import StarRocksSnapshotSensor

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def repo(starrocks, monkeypatch):
    """Repository ``nightly`` and database ``sales``.

    A second cluster would see the snapshots through a READ ONLY repository of the same name and location (the
    name is part of the S3 path, ``__starrocks_repository_<name>``); one emulated cluster cannot hold both.
    """
    monkeypatch.setattr(starrocks.fe.config, "backup_state_delay", 0.01)
    starrocks.sql(
        "CREATE DATABASE sales",
        "CREATE TABLE sales.orders (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
        "INSERT INTO sales.orders VALUES (1), (2)",
    )
    StarRocksCreateRepositoryOperator(
        task_id="repo",
        repository="nightly",
        location="s3://starrocks-backup/shared",
        aws_conn_id="aws_backup_user",
    ).execute({})
    return starrocks


def take_backup(snapshot: str) -> dict:
    ti = types.SimpleNamespace(dag_id="d", task_id="b", run_id="r", map_index=-1, try_number=1)
    task = StarRocksBackupOperator(
        task_id="b", database="sales", repository="nightly", snapshot=snapshot, poll_interval=0.02
    )
    # Unwrapped: it runs in a thread, where Airflow 2.11's executor guard refuses execute().
    return getattr(type(task).execute, "__wrapped__", type(task).execute)(task, {"ti": ti})


def sensor(**kwargs) -> StarRocksSnapshotSensor:
    kwargs = {
        "task_id": "wait",
        "repository": "nightly",
        "snapshot": "snap1",
        "poke_interval": 0.05,
        **kwargs,
    }
    return StarRocksSnapshotSensor(**kwargs)


def test_poke_sees_the_snapshot_once_it_is_complete(repo):
    assert sensor().poke({}).is_done is False
    backup = take_backup("snap1")
    result = sensor().poke({})
    assert result.is_done is True
    assert result.xcom_value == {
        "repository": "nightly",
        "snapshot": "snap1",
        "backup_timestamp": backup["backup_timestamp"],
        "timestamps": [backup["backup_timestamp"]],
    }


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="poke"), pytest.param(True, id="deferrable")])
def test_sensor_waits_until_the_snapshot_arrives(repo, run_dag, deferrable):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(f"snapshot_sensor_{deferrable}", schedule=None, start_date=START, catchup=False) as dag:
        sensor(deferrable=deferrable, timeout=60)
    timer = threading.Timer(1.0, lambda: take_backup("snap1"))
    timer.start()
    started = time.monotonic()
    result = run_dag(dag)
    timer.join()
    assert result.task_states == {"wait": "success"}
    assert result.xcom["wait"]["snapshot"] == "snap1"
    assert result.xcom["wait"]["backup_timestamp"]
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="poke"), pytest.param(True, id="deferrable")])
def test_sensor_times_out_when_nothing_arrives(repo, run_dag, deferrable):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(f"snapshot_timeout_{deferrable}", schedule=None, start_date=START, catchup=False) as dag:
        sensor(deferrable=deferrable, timeout=1, snapshot="never")
    result = run_dag(dag)
    assert result.task_states == {"wait": "failed"}


def test_unknown_repository_fails_at_once(repo):
    with pytest.raises(AirflowFailException, match=r"Repository \[nope\] does not exist"):
        sensor(repository="nope").poke({})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"repository": "no pe"}, "repository 'no pe' is invalid", id="repository"),
        pytest.param({"snapshot": "a/b"}, "snapshot 'a/b' is invalid", id="snapshot"),
    ],
)
def test_bad_input_fails_before_sql(starrocks, kwargs, message):
    starrocks.statements.clear()
    with pytest.raises(AirflowFailException, match=message):
        sensor(**kwargs).poke({})
    assert starrocks.statements == []
