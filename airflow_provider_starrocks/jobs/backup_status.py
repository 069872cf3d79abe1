"""
Backup and restore statuses: SHOW BACKUP / SHOW RESTORE rows parsed by column name (kinds: jobs/backup.py).

Columns are read by name (``ShowBackupStmt`` / ``ShowRestoreStmt`` TITLE_NAMES, the same on 3.1 to newest:
pinterest-integration-3.1.4 8a7f4f51, pinterest-release-3.3.5 7c653fb8, main 70d1c246
``ShowResultMetaFactory``); cells are ``BackupJob.getInfo`` / ``RestoreJob.getInfo``: times as
``yyyy-MM-dd HH:mm:ss`` or ``NULL``, ``Progress`` as ``[<task>: <done>/<total>], ...``, ``Status`` as ``[OK]`` or
``[<ErrCode>, msg: <text>]``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.exceptions import is_fatal_message
from airflow_provider_starrocks.jobs.base import JobStatus, column
from airflow_provider_starrocks.utils.cells import cell_int as _int

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

# BackupJob.BackupJobState and RestoreJob.RestoreJobState (3.1-newest).
BACKUP_STATES = ("PENDING", "SNAPSHOTING", "UPLOAD_SNAPSHOT", "UPLOADING", "SAVE_META", "UPLOAD_INFO")
RESTORE_STATES = ("PENDING", "SNAPSHOTING", "DOWNLOAD", "DOWNLOADING", "COMMIT", "COMMITTING")
_PROGRESS = re.compile(r"\[[^\]:]*:\s*(\d+)/(\d+)\]")
_STATUS = re.compile(r"^\[(?P<code>[A-Z_]+)(?:, msg: (?P<msg>.*))?\]\Z", re.DOTALL)


def task_progress(progress: str | None) -> tuple[int, int] | None:
    """
    Return (done, total) summed over ``[<task>: <done>/<total>]`` entries, or ``None`` when there are none.

    :param progress: the ``Progress`` cell.
    """
    pairs = _PROGRESS.findall(progress or "")
    if not pairs:
        return None
    return sum(int(d) for d, _ in pairs), sum(int(t) for _, t in pairs)


def status_message(status: str | None) -> str | None:
    """
    Return StarRocks's text from a ``Status`` cell (``[CANCELLED, msg: user cancelled]`` -> ``user cancelled``).

    :param status: the ``Status`` cell; ``[OK]`` gives ``None``.
    """
    if not status:
        return None
    match = _STATUS.match(status.strip())
    if match is None:
        return status
    if match.group("code") == "OK":
        return None
    return match.group("msg") or match.group("code")


@dataclasses.dataclass(frozen=True)
class SnapshotJobStatus(JobStatus):
    """
    One backup or restore job as SHOW BACKUP / SHOW RESTORE lists it; ``label`` is the snapshot name.

    FINISHED is the only success and CANCELLED the only failure; every other state is in flight and may be
    cancelled (a cancelled restore removes the tables it created, ``RestoreJob.cancelInternal``).
    """

    NOUN: ClassVar[str] = "job"
    SUCCESS: ClassVar[frozenset[str]] = frozenset({"FINISHED"})
    FAILURE: ClassVar[frozenset[str]] = frozenset({"CANCELLED"})

    label: str
    state: str
    job_id: int | None = column("JobId", parse=_int)
    database: str | None = column("DbName")
    objects: str | None = None  # a column named per kind: BackupObjs, RestoreObjs
    create_time: str | None = column("CreateTime")
    snapshot_finished_time: str | None = column("SnapshotFinishedTime")
    finished_time: str | None = column("FinishedTime")
    unfinished_tasks: str | None = column("UnfinishedTasks")
    progress: str | None = column("Progress")
    task_errors: str | None = column("TaskErrMsg")
    status: str | None = column("Status")
    timeout: int | None = column("Timeout", parse=_int)

    #: The kind's own time fields, listed by :meth:`timings` after the shared ones.
    EXTRA_TIMINGS: ClassVar[tuple[str, ...]] = ()

    @property
    def tasks(self) -> tuple[int, int] | None:
        """(done, total) tasks of the current phase, when StarRocks reports them."""
        return task_progress(self.progress)

    @property
    def message(self) -> str | None:
        """StarRocks's error text from the ``Status`` column, ``None`` while it is ``[OK]``."""
        return status_message(self.status)

    @property
    def is_fatal(self) -> bool:
        # Access denied on upload or download ends as a TIMEOUT whose cause is in the task errors: a retry of the
        # same job with the same rights fails the same way.
        if self.state not in self.FAILURE:
            return False
        return is_fatal_message(self.message) or is_fatal_message(self.task_errors)

    def progress_key(self) -> tuple[Any, ...]:
        return (self.job_id, self.state, self.tasks, self.task_errors)

    def describe(self) -> str:
        tasks = self.tasks
        suffix = f", {tasks[0]}/{tasks[1]} tasks" if tasks else ""
        # A failed upload or download is retried by StarRocks until the job's timeout: show why it is stuck.
        errors = f", task errors: {self.task_errors}" if self.task_errors and not self.is_terminal else ""
        return f"{self.NOUN} {self.label!r} (job {self.job_id}): {self.state}{suffix}{errors}"

    def failure_message(self, details: Iterable[str] = ()) -> str:
        parts = [self.message or f"state {self.state}"]
        if self.task_errors:
            parts.append(f"task errors: {self.task_errors}")
        parts.extend(details)
        return (
            f"StarRocks {self.NOUN} of snapshot {self.label!r} (job {self.job_id}) in database "
            f"{self.database!r} ended {self.state}: " + "; ".join(parts)
        )

    def timings(self) -> dict[str, str | None]:
        """Return the job's times as StarRocks lists them (``yyyy-MM-dd HH:mm:ss`` in the FE's time zone)."""
        names = ("create_time", "snapshot_finished_time", "finished_time", *self.EXTRA_TIMINGS)
        return {name: getattr(self, name) for name in names}


@dataclasses.dataclass(frozen=True)
class BackupStatus(SnapshotJobStatus):
    """A backup job: PENDING, SNAPSHOTING, UPLOAD_SNAPSHOT, UPLOADING, SAVE_META, UPLOAD_INFO, FINISHED, CANCELLED."""

    NOUN: ClassVar[str] = "backup"
    LABEL_COLUMN: ClassVar[str] = "SnapshotName"
    EXTRA_TIMINGS: ClassVar[tuple[str, ...]] = ("upload_finished_time",)

    objects: str | None = column("BackupObjs")
    upload_finished_time: str | None = column("UploadFinishedTime")


@dataclasses.dataclass(frozen=True)
class RestoreStatus(SnapshotJobStatus):
    """A restore job: PENDING, SNAPSHOTING, DOWNLOAD, DOWNLOADING, COMMIT, COMMITTING, FINISHED, CANCELLED."""

    NOUN: ClassVar[str] = "restore"
    LABEL_COLUMN: ClassVar[str] = "Label"
    EXTRA_TIMINGS: ClassVar[tuple[str, ...]] = ("meta_prepared_time", "download_finished_time")

    objects: str | None = column("RestoreObjs")
    backup_timestamp: str | None = column("Timestamp")
    allow_load: str | None = column("AllowLoad")
    replication_num: int | None = column("ReplicationNum", parse=_int)
    meta_prepared_time: str | None = column("MetaPreparedTime")
    download_finished_time: str | None = column("DownloadFinishedTime")


def parse_rows(
    status_type: type[SnapshotJobStatus], rows: Iterable[Sequence[Any]], columns: Sequence[str]
) -> list[Any]:
    """
    Parse SHOW BACKUP / SHOW RESTORE rows by column name.

    :param status_type: :class:`BackupStatus` or :class:`RestoreStatus`.
    :param rows: the rows of the answer.
    :param columns: its column names.
    """
    return [status_type.from_row(dict(zip(columns, row))) for row in rows]
