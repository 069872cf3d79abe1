"""
Backup, restore and snapshot statuses parsed by column name, and what their kinds report.

Rows are shaped as ``BackupJob.getInfo`` / ``RestoreJob.getInfo`` / ``Repository.getSnapshotInfo`` build them
(pinterest-release-3.3.5 7c653fb8): the parser is pure, so those tests use rows (and a hook that answers them,
the I/O boundary); the async cancel runs against the local stack.
"""

from __future__ import annotations

import contextlib

import pytest

from airflow_provider_starrocks.jobs.backup import (
    BackupKind,
    BackupStatus,
    RestoreKind,
    RestoreStatus,
    parse_rows,
    status_message,
    task_progress,
)
from airflow_provider_starrocks.jobs.snapshot import SnapshotKind, SnapshotStatus

BACKUP_COLUMNS = [
    "JobId",
    "SnapshotName",
    "DbName",
    "State",
    "BackupObjs",
    "CreateTime",
    "SnapshotFinishedTime",
    "UploadFinishedTime",
    "FinishedTime",
    "UnfinishedTasks",
    "Progress",
    "TaskErrMsg",
    "Status",
    "Timeout",
]
RESTORE_COLUMNS = [
    "JobId",
    "Label",
    "Timestamp",
    "DbName",
    "State",
    "AllowLoad",
    "ReplicationNum",
    "RestoreObjs",
    "CreateTime",
    "MetaPreparedTime",
    "SnapshotFinishedTime",
    "DownloadFinishedTime",
    "FinishedTime",
    "UnfinishedTasks",
    "Progress",
    "TaskErrMsg",
    "Status",
    "Timeout",
]


def backup_row(
    state="UPLOADING", name="snap1", progress="[10001: 3/5], [10002: 0/5]", status="[OK]", job_id=12
):
    return [
        str(job_id),
        name,
        "sales",
        state,
        "[default_catalog.sales.orders]",
        "2024-01-31 02:00:00",
        "2024-01-31 02:00:05",
        "NULL",
        "NULL",
        "10001=10003",
        progress,
        "",
        status,
        "86400",
    ]


def restore_row(state="DOWNLOADING", status="[OK]"):
    return [
        "20",
        "snap1",
        "2024-01-31-02-00-00-125",
        "scratch",
        state,
        "false",
        "1",
        "[default_catalog.sales.orders]",
        "2024-02-01 03:00:00",
        "2024-02-01 03:00:01",
        "NULL",
        "NULL",
        "NULL",
        "",
        "",
        "",
        status,
        "86400",
    ]


def test_backup_row_parsed_by_name_in_any_column_order():
    row = dict(zip(BACKUP_COLUMNS, backup_row()))
    columns = list(reversed(BACKUP_COLUMNS))
    (status,) = parse_rows(BackupStatus, [[row[c] for c in columns]], columns)
    assert status.label == "snap1"
    assert status.job_id == 12
    assert status.database == "sales"
    assert status.state == "UPLOADING"
    assert status.upload_finished_time is None  # "NULL" is FeConstants.NULL_STRING
    assert status.tasks == (3, 10)
    assert status.describe() == "backup 'snap1' (job 12): UPLOADING, 3/10 tasks"
    assert not status.is_terminal
    assert status.is_cancellable


@pytest.mark.parametrize(
    ("state", "terminal", "success"),
    [
        pytest.param(s, False, False, id=s)
        for s in ("PENDING", "SNAPSHOTING", "UPLOAD_SNAPSHOT", "SAVE_META", "UPLOAD_INFO")
    ]
    + [
        pytest.param("FINISHED", True, True, id="FINISHED"),
        pytest.param("CANCELLED", True, False, id="CANCELLED"),
    ],
)
def test_backup_states(state, terminal, success):
    (status,) = parse_rows(BackupStatus, [backup_row(state=state)], BACKUP_COLUMNS)
    assert (status.is_terminal, status.is_success) == (terminal, success)


@pytest.mark.parametrize(
    ("state", "terminal"),
    [
        pytest.param(s, False, id=s)
        for s in ("PENDING", "SNAPSHOTING", "DOWNLOAD", "DOWNLOADING", "COMMIT", "COMMITTING")
    ]
    + [pytest.param("FINISHED", True, id="FINISHED"), pytest.param("CANCELLED", True, id="CANCELLED")],
)
def test_restore_states(state, terminal):
    (status,) = parse_rows(RestoreStatus, [restore_row(state=state)], RESTORE_COLUMNS)
    assert status.is_terminal is terminal
    assert status.is_cancellable is not terminal  # a cancelled COMMITTING restore drops what it created


def test_failure_message_leads_with_starrocks_text():
    (status,) = parse_rows(
        BackupStatus,
        [backup_row(state="CANCELLED", status="[COMMON_ERROR, msg: user cancelled]")],
        BACKUP_COLUMNS,
    )
    message = status.failure_message(["extra line"])
    assert message.startswith(
        "StarRocks backup of snapshot 'snap1' (job 12) in database 'sales' ended CANCELLED: "
    )
    assert "user cancelled" in message
    assert message.endswith("extra line")


@pytest.mark.parametrize(
    ("status", "task_errors", "fatal"),
    [
        pytest.param("[COMMON_ERROR, msg: user cancelled]", "", False, id="user_cancelled"),
        pytest.param(
            "[TIMEOUT, msg: ]", "[20007: upload failed, msg: Access Denied]", True, id="denied_timeout"
        ),
        pytest.param("[TIMEOUT, msg: ]", "", False, id="plain_timeout"),
    ],
)
def test_fatal_when_a_retry_cannot_help(status, task_errors, fatal):
    row = backup_row(state="CANCELLED", status=status)
    row[BACKUP_COLUMNS.index("TaskErrMsg")] = task_errors
    (job,) = parse_rows(BackupStatus, [row], BACKUP_COLUMNS)
    assert job.is_fatal is fatal


def test_restore_fields_and_round_trip():
    (status,) = parse_rows(RestoreStatus, [restore_row()], RESTORE_COLUMNS)
    assert status.backup_timestamp == "2024-01-31-02-00-00-125"
    assert status.replication_num == 1
    assert status.timings()["meta_prepared_time"] == "2024-02-01 03:00:01"
    assert RestoreStatus.from_dict(status.to_dict()) == status
    assert RestoreStatus.from_dict({**status.to_dict(), "unknown": 1}) == status


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param("[OK]", None, id="ok"),
        pytest.param("[COMMON_ERROR, msg: user cancelled]", "user cancelled", id="cancelled"),
        pytest.param("[TIMEOUT, msg: ]", "TIMEOUT", id="timeout_empty_msg"),
        pytest.param("odd text", "odd text", id="unparsed"),
        pytest.param(None, None, id="none"),
    ],
)
def test_status_message(cell, expected):
    assert status_message(cell) == expected


def test_task_progress_without_entries():
    assert task_progress("") is None
    assert task_progress("[1: 2/2]") == (2, 2)


class FakeHook:
    """Answers ``_fetch`` with fixed (rows, columns) per statement: the hook boundary of a pure kind test."""

    def __init__(self, answers):
        self.answers = answers
        self.sent = []

    def _fetch(self, conn, statement):
        self.sent.append(statement.sql)
        return self.answers.get(statement.sql, ([], []))


@pytest.mark.parametrize(
    ("name", "kind", "status", "cancellable"),
    [
        pytest.param("backup", BackupKind, BackupStatus, True, id="backup"),
        pytest.param("restore", RestoreKind, RestoreStatus, True, id="restore"),
        pytest.param("snapshot", SnapshotKind, SnapshotStatus, False, id="snapshot"),
    ],
)
def test_kinds_are_registered(name, kind, status, cancellable):
    from airflow_provider_starrocks.jobs import get_kind

    assert get_kind(name) is kind
    assert (kind.name, kind.status_type, kind.cancellable) == (name, status, cancellable)


def test_backup_kind_finds_only_its_snapshot():
    hook = FakeHook({"SHOW BACKUP FROM `sales`": ([backup_row(name="other")], BACKUP_COLUMNS)})
    kind = BackupKind("sales", "snap1")
    assert kind.fetch(hook, None) == []
    assert kind.fetch_current(hook, None).label == "other"
    assert "keeps only the latest backup or restore job" in kind.missing_message()


def test_restore_kind_reads_show_restore():
    hook = FakeHook({"SHOW RESTORE FROM `scratch`": ([restore_row()], RESTORE_COLUMNS)})
    (status,) = RestoreKind("scratch", "snap1").fetch(hook, None)
    assert status.state == "DOWNLOADING"


def test_cancel_is_sent_only_for_its_own_running_job(caplog):
    class Hook(FakeHook):
        import logging

        log = logging.getLogger("test")

        @contextlib.contextmanager
        def using_load_conn(self, conn):
            yield conn

    other = Hook({"SHOW BACKUP FROM `sales`": ([backup_row(name="other")], BACKUP_COLUMNS)})
    assert BackupKind("sales", "snap1").cancel(other, object()) is False
    assert "CANCEL BACKUP FROM `sales`" not in other.sent
    mine = Hook({"SHOW BACKUP FROM `sales`": ([backup_row()], BACKUP_COLUMNS)})
    assert BackupKind("sales", "snap1").cancel(mine, object()) is True
    assert mine.sent[-1] == "CANCEL BACKUP FROM `sales`"


@pytest.fixture
def held_backup(starrocks, monkeypatch):
    """A backup of snapshot ``held`` in database ``sales``, held in UPLOADING (the stack, no operator)."""
    from airflow_provider_starrocks.operators.backup import StarRocksCreateRepositoryOperator

    monkeypatch.setattr(starrocks.fe.config, "backup_hold_state", "UPLOADING")
    starrocks.sql(
        "CREATE DATABASE sales",
        "CREATE TABLE sales.orders (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
    )
    StarRocksCreateRepositoryOperator(
        task_id="r", repository="nightly", location="s3://starrocks-backup/k", aws_conn_id="aws_backup_user"
    ).execute({})
    starrocks.sql("BACKUP SNAPSHOT sales.held TO nightly")
    starrocks.statements.clear()
    return starrocks


@pytest.mark.asyncio
async def test_async_cancel_opens_its_own_connection_and_spares_other_snapshots(held_backup):
    """The triggerer's path (on_kill / deadline in a deferred task): acancel with no connection."""
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    hook = StarRocksHook()
    assert await BackupKind("sales", "other").acancel(hook, None) is False
    assert [s for s in held_backup.statements if s.startswith("CANCEL")] == []
    assert await BackupKind("sales", "held").acancel(hook, None) is True
    assert [s for s in held_backup.statements if s.startswith("CANCEL")] == ["CANCEL BACKUP FROM `sales`"]
    assert [row[3] for row in held_backup.sql("SHOW BACKUP FROM sales")] == ["CANCELLED"]
    assert await BackupKind("sales", "held").acancel(hook, None) is False  # ended: nothing more is sent
