"""
Backup and restore operators against the local stack: the job to its end, sync and deferrable, retries that attach
to their own snapshot, the busy database, kill and deadline cancels, missing snapshots, bad inputs.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
import types

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_starrocks.operators.backup import (
    StarRocksBackupOperator,
    StarRocksCreateRepositoryOperator,
    StarRocksRestoreOperator,
)
from airflow_provider_starrocks.utils.labels import default_label

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
ROWS = [(1, "alpha"), (2, "beta"), (3, "gamma")]


@pytest.fixture
def sales(starrocks, monkeypatch):
    """Database ``sales`` with table ``orders`` (3 rows), repository ``nightly``, the drill database ``drill``."""
    monkeypatch.setattr(starrocks.fe.config, "backup_state_delay", 0.01)
    for sql in (
        "CREATE DATABASE sales",
        "CREATE TABLE sales.orders (id BIGINT, name VARCHAR(16)) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
        "INSERT INTO sales.orders VALUES " + ", ".join(f"({i}, '{n}')" for i, n in ROWS),
        "CREATE DATABASE drill",
    ):
        starrocks.sql(sql)
    StarRocksCreateRepositoryOperator(
        task_id="repo",
        repository="nightly",
        location="s3://starrocks-backup/nightly",
        aws_conn_id="aws_backup_user",
    ).execute({})
    starrocks.statements.clear()
    return starrocks


def context(run_id: str = "manual__1", task_id: str = "backup") -> dict:
    ti = types.SimpleNamespace(dag_id="dag", task_id=task_id, run_id=run_id, map_index=-1, try_number=1)
    return {"ti": ti}


def backup(**kwargs) -> StarRocksBackupOperator:
    kwargs = {
        "task_id": "backup",
        "database": "sales",
        "repository": "nightly",
        "poll_interval": 0.02,
        **kwargs,
    }
    return StarRocksBackupOperator(**kwargs)


def restore(snapshot: str, **kwargs) -> StarRocksRestoreOperator:
    kwargs = {
        "task_id": "restore",
        "database": "drill",
        "repository": "nightly",
        "poll_interval": 0.02,
        **kwargs,
    }
    return StarRocksRestoreOperator(snapshot=snapshot, **kwargs)


def run_unguarded(op, ctx):
    """``execute`` without Airflow 2.11's thread-local executor guard, so it can run in a thread."""
    execute = getattr(type(op).execute, "__wrapped__", type(op).execute)
    return execute(op, ctx)


def sent(stack, prefix: str) -> list[str]:
    return [s for s in stack.statements if s.startswith(prefix)]


def wait_for(predicate, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


def backup_states(stack) -> list[str]:
    return [row[3] for row in stack.sql("SHOW BACKUP FROM sales")]


def test_backup_then_restore_sync(sales):
    result = backup(tables=["orders"]).execute(context())
    snapshot = default_label("dag", "backup", "manual__1", -1)
    [(_, stamps, status)] = sales.sql(f'SHOW SNAPSHOT ON nightly WHERE SNAPSHOT = "{snapshot}"')
    assert status == "OK"
    assert result["snapshot"] == snapshot
    assert result["state"] == "FINISHED"
    assert result["backup_timestamp"] == stamps
    assert result["attached"] is False
    assert result["timings"]["finished_time"]
    assert sent(sales, "BACKUP SNAPSHOT") == [
        f"BACKUP SNAPSHOT `sales`.`{snapshot}`\nTO `nightly`\nON (\n    `orders`\n)"
    ]

    restored = restore(snapshot, properties={"replication_num": 1}).execute(context(task_id="restore"))
    assert restored["state"] == "FINISHED"
    assert restored["backup_timestamp"] == stamps  # the newest, from SHOW SNAPSHOT
    assert sorted(sales.sql("SELECT id, name FROM drill.orders")) == ROWS


def test_restore_renames_a_table(sales):
    snapshot = backup(snapshot="snap_rename").execute(context())["snapshot"]
    restore(snapshot, tables={"orders": {"partitions": None, "as": "orders_check"}}).execute(context())
    (statement,) = sent(sales, "RESTORE SNAPSHOT")
    assert "`orders` AS `orders_check`" in statement
    assert len(sales.sql("SELECT * FROM drill.orders_check")) == 3


def test_deferrable_backup_and_restore_in_a_dag(sales, run_dag):
    from airflow.providers.common.compat.sdk import DAG

    with DAG("backup_deferrable", schedule=None, start_date=START, catchup=False) as dag:
        b = backup(deferrable=True)
        r = StarRocksRestoreOperator(
            task_id="restore",
            database="drill",
            repository="nightly",
            snapshot="{{ ti.xcom_pull(task_ids='backup')['snapshot'] }}",
            backup_timestamp="{{ ti.xcom_pull(task_ids='backup')['backup_timestamp'] }}",
            poll_interval=0.02,
            deferrable=True,
        )
        b >> r
    result = run_dag(dag)
    assert result.task_states == {"backup": "success", "restore": "success"}
    assert result.xcom["backup"]["snapshot"] == default_label(
        "backup_deferrable", "backup", result.run_id, -1
    )
    assert result.xcom["restore"]["backup_timestamp"] == result.xcom["backup"]["backup_timestamp"]
    assert len(sales.sql("SELECT * FROM drill.orders")) == 3


def test_rerun_of_a_finished_backup_returns_it_without_a_second_snapshot(sales):
    first = backup().execute(context())
    second = backup().execute(context())
    assert len(sent(sales, "BACKUP SNAPSHOT")) == 1
    assert (second["snapshot"], second["state"], second["attached"]) == (first["snapshot"], "FINISHED", True)
    assert second["backup_timestamp"] == first["backup_timestamp"]


def test_rerun_after_another_job_replaced_it_finds_the_snapshot_in_the_repository(sales):
    first = backup().execute(context())
    restore(first["snapshot"], database="sales", tables={"orders": {"as": "orders_copy"}}).execute(context())
    assert backup_states(sales) == []  # SHOW BACKUP no longer lists it: the restore is the database's job
    second = backup().execute(context())
    assert len(sent(sales, "BACKUP SNAPSHOT")) == 1
    assert second["backup_timestamp"] == first["backup_timestamp"]


def test_worker_lost_mid_backup_the_rerun_attaches_to_the_same_snapshot(sales):
    sales.fe.config.backup_hold_state = "UPLOADING"
    lost = backup(cancel_on_kill=False, properties={"timeout": 600})
    lost.deadline_grace = -599  # stops waiting after about a second, like a worker that went away
    with pytest.raises(AirflowException, match="Timed out waiting"):
        lost.execute(context())
    assert backup_states(sales) == ["UPLOADING"]
    assert sent(sales, "CANCEL BACKUP") == []

    rerun = threading.Thread(target=lambda: results.append(run_unguarded(backup(), context())))
    results: list = []
    rerun.start()
    time.sleep(0.3)
    sales.fe.config.backup_hold_state = None
    rerun.join(30)
    assert results[0]["state"] == "FINISHED"
    assert results[0]["attached"] is True
    assert len(sent(sales, "BACKUP SNAPSHOT")) == 1


def test_kill_sends_cancel_backup(sales):
    sales.fe.config.backup_hold_state = "UPLOADING"
    task = backup()
    errors: list = []

    def run() -> None:
        try:
            run_unguarded(task, context())
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    wait_for(lambda: errors or (backup_states(sales) == ["UPLOADING"] and task._followed is not None))
    assert not errors, errors
    task.on_kill()
    thread.join(30)
    assert sent(sales, "CANCEL BACKUP") == ["CANCEL BACKUP FROM `sales`"]
    assert backup_states(sales) == ["CANCELLED"]
    assert errors
    assert "user cancelled" in str(errors[0])


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="sync"), pytest.param(True, id="deferrable")])
def test_deadline_sends_cancel_restore(sales, run_dag, deferrable):
    from airflow.providers.common.compat.sdk import DAG

    snapshot = backup(snapshot="snap_deadline").execute(context())["snapshot"]
    sales.fe.config.backup_hold_state = "DOWNLOADING"
    with DAG(f"restore_deadline_{deferrable}", schedule=None, start_date=START, catchup=False) as dag:
        task = restore(snapshot, properties={"timeout": 600}, deferrable=deferrable)
    task.deadline_grace = -599
    result = run_dag(dag)
    assert result.task_states == {"restore": "failed"}
    assert sent(sales, "CANCEL RESTORE") == ["CANCEL RESTORE FROM `drill`"]
    assert [row[4] for row in sales.sql("SHOW RESTORE FROM drill")] == ["CANCELLED"]


def test_another_job_in_the_database_fails_before_submitting(sales):
    sales.fe.config.backup_hold_state = "UPLOADING"
    thread = threading.Thread(
        target=lambda: _swallow(backup(snapshot="snap_a", cancel_on_kill=False, properties={"timeout": 600}))
    )
    thread.start()
    wait_for(lambda: backup_states(sales) == ["UPLOADING"])
    with pytest.raises(
        AirflowException, match=r"Database 'sales' is busy: .* backup of snapshot 'snap_a' .* UPLOADING"
    ) as info:
        backup(snapshot="snap_b").execute(context())
    assert not isinstance(info.value, AirflowFailException)  # retryable: retries are the wait
    assert [s for s in sent(sales, "BACKUP SNAPSHOT") if "snap_b" in s] == []
    sales.fe.config.backup_hold_state = None
    thread.join(30)


def _swallow(task) -> None:
    try:
        run_unguarded(task, context())
    except Exception:
        pass


def test_restore_of_a_missing_snapshot_lists_what_exists(sales):
    backup(snapshot="snap_present").execute(context())
    sales.statements.clear()
    with pytest.raises(AirflowFailException) as info:
        restore("snap_missing").execute(context())
    message = str(info.value)
    assert (
        "Snapshot 'snap_missing' is not in repository 'nightly': StarRocks says 'ERROR: no snapshot'"
        in message
    )
    assert "The repository holds: snap_present (" in message
    assert sent(sales, "RESTORE") == []


def test_restore_of_a_missing_timestamp_lists_the_snapshots_backups(sales):
    stamp = backup(snapshot="snap_t").execute(context())["backup_timestamp"]
    with pytest.raises(
        AirflowFailException,
        match=re.escape(f"has no backup at '2020-01-01-00-00-00-000': its backups are {stamp}"),
    ):
        restore("snap_t", backup_timestamp="2020-01-01-00-00-00-000").execute(context())
    assert sent(sales, "RESTORE") == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"database": "sa les"}, "database 'sa les' is invalid", id="database"),
        pytest.param({"repository": "9repo"}, "repository '9repo' is invalid", id="repository"),
        pytest.param({"snapshot": "a b"}, "snapshot 'a b' is invalid", id="snapshot"),
        pytest.param({"snapshot": ""}, "snapshot '' is invalid", id="snapshot_empty"),
        pytest.param({"tables": "orders"}, "tables: 'orders' is a string", id="tables_string"),
        pytest.param({"tables": ["or`ders"]}, "tables 'or`ders' is invalid", id="table_name"),
        pytest.param({"tables": ["orders", "orders"]}, "listed twice", id="table_twice"),
        pytest.param(
            {"tables": {"orders": "p1"}}, "the partitions of 'orders' are 'p1'", id="partitions_string"
        ),
        pytest.param({"tables": {"orders": ["p 1"]}}, "partition 'p 1' is invalid", id="partition_name"),
        pytest.param(
            {"tables": {"orders": {"as": "x"}}}, "a backup takes a list of partitions", id="backup_alias"
        ),
        pytest.param({"properties": {"timeout": 60}}, "under 10 minutes", id="timeout_short"),
        pytest.param({"properties": {"timeout": "soon"}}, "not a whole number", id="timeout_text"),
        pytest.param({"properties": {"type": "incremental"}}, "FULL backups only", id="type"),
        pytest.param(
            {"properties": {"replication_num": 1}},
            "'replication_num' is not a backup property",
            id="restore_prop",
        ),
        pytest.param({"properties": "timeout=600"}, "properties: str is not a dict", id="properties_type"),
    ],
)
def test_backup_bad_input_fails_before_sql(starrocks, kwargs, message):
    starrocks.statements.clear()
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        backup(**kwargs).execute(context())
    assert starrocks.statements == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"snapshot": None}, "snapshot: None is not a string", id="snapshot_none"),
        pytest.param(
            {"backup_timestamp": "yesterday"}, "backup_timestamp 'yesterday' is invalid", id="timestamp"
        ),
        pytest.param({"tables": {"orders": {"as": "a`b"}}}, "['as'] 'a`b' is invalid", id="alias"),
        pytest.param({"tables": {"orders": {"rename": "x"}}}, "unknown keys ['rename']", id="alias_key"),
        pytest.param(
            {"properties": {"backup_timestamp": "x"}}, "an argument of its own", id="timestamp_prop"
        ),
        pytest.param(
            {"properties": {"allow_load": "maybe"}}, "allow_load 'maybe' is not a boolean", id="allow_load"
        ),
        pytest.param(
            {"properties": {"replication_num": 0}}, "replication_num 0 is not positive", id="replicas"
        ),
        pytest.param({"properties": {"type": "full"}}, "'type' is not a restore property", id="backup_prop"),
    ],
)
def test_restore_bad_input_fails_before_sql(starrocks, kwargs, message):
    starrocks.statements.clear()
    kwargs = {"snapshot": "snap", **kwargs}
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        restore(**kwargs).execute(context())
    assert starrocks.statements == []


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"poll_interval": 0}, id="poll_interval"),
        pytest.param({"cancel_on_kill": "yes"}, id="flag"),
    ],
)
def test_constructor_refuses_bad_flags(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        backup(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"repository": "nope"}, "Repository [nope] does not exist", id="repository"),
        pytest.param({"database": "nodb"}, "nodb", id="database"),
    ],
)
def test_unknown_repository_or_database_fails_with_starrocks_text(sales, kwargs, message):
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        backup(**kwargs).execute(context())
    assert sent(sales, "BACKUP SNAPSHOT") == []


def test_identity_without_write_rights_fails_as_starrocks_does(sales, capfd):
    # StarRocks creates the repository (its __repo_info write failure is swallowed), then the upload tasks fail
    # again and again until the job's timeout cancels it (shortened here through the emulator's setting).
    StarRocksCreateRepositoryOperator(
        task_id="repo",
        repository="readonly_keys",
        location="s3://starrocks-backup/ro",
        aws_conn_id="aws_backup_reader",
    ).execute({})
    sales.fe.config.backup_job_timeout = 1.0
    with pytest.raises(AirflowFailException) as info:  # not retried: the same rights fail the same way
        backup(repository="readonly_keys", snapshot="snap_denied").execute(context())
    message = str(info.value)
    assert "StarRocks backup of snapshot 'snap_denied'" in message
    assert "ended CANCELLED: TIMEOUT" in message
    assert "msg: Access Denied]" in message  # StarRocks's task error, from TaskErrMsg
    assert "task errors:" in capfd.readouterr().out  # the progress lines showed why it was stuck


@pytest.mark.parametrize(
    ("version", "created"), [pytest.param("3.3.5", False, id="3.3"), pytest.param("3.4.2", True, id="3.4")]
)
def test_restore_into_a_missing_database(sales, version, created):
    snapshot = backup(snapshot="snap_newdb").execute(context())["snapshot"]
    sales.fe.config.version = version
    task = restore(snapshot, database="brand_new")
    if created:  # BackupHandler.process creates the target database from 3.4
        assert task.execute(context())["state"] == "FINISHED"
        assert len(sales.sql("SELECT * FROM brand_new.orders")) == 3
    else:
        with pytest.raises(AirflowFailException, match="brand_new"):
            task.execute(context())
