"""
Backup and restore jobs, followed by snapshot name, and the snapshot a sensor waits for in a repository.

StarRocks keeps one backup or restore job per database (``BackupHandler.dbIdToBackupOrRestoreJob``): ``SHOW
BACKUP FROM db`` lists that job when it is a backup, ``SHOW RESTORE FROM db`` when it is a restore, and a newer
job of either kind replaces it. So a snapshot's job is found only while it is its database's latest job; when
another snapshot's job has taken its place the kind reports none, and :meth:`BackupKind.missing_message` says
what that means. Columns are read by name (``ShowBackupStmt`` / ``ShowRestoreStmt`` TITLE_NAMES, the same on
3.1 to newest: pinterest-integration-3.1.4 8a7f4f51, pinterest-release-3.3.5 7c653fb8, main 70d1c246
``ShowResultMetaFactory``); cells are ``BackupJob.getInfo`` / ``RestoreJob.getInfo``: times as
``yyyy-MM-dd HH:mm:ss`` or ``NULL``, ``Progress`` as ``[<task>: <done>/<total>], ...``, ``Status`` as ``[OK]`` or
``[<ErrCode>, msg: <text>]``.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.exceptions import is_fatal_message
from airflow_provider_starrocks.jobs.base import JobKind, JobStatus
from airflow_provider_starrocks.utils.statements.backup import (
    cancel_backup,
    cancel_restore,
    show_backup,
    show_restore,
    show_snapshot,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from airflow_provider_starrocks.utils.sql import Statement

# BackupJob.BackupJobState and RestoreJob.RestoreJobState (3.1-newest).
BACKUP_STATES = ("PENDING", "SNAPSHOTING", "UPLOAD_SNAPSHOT", "UPLOADING", "SAVE_META", "UPLOAD_INFO")
RESTORE_STATES = ("PENDING", "SNAPSHOTING", "DOWNLOAD", "DOWNLOADING", "COMMIT", "COMMITTING")
_NULL = "NULL"  # FeConstants.NULL_STRING, TimeUtils.longToTimeString of an unset time
_PROGRESS = re.compile(r"\[[^\]:]*:\s*(\d+)/(\d+)\]")
_STATUS = re.compile(r"^\[(?P<code>[A-Z_]+)(?:, msg: (?P<msg>.*))?\]\Z", re.DOTALL)
# BackupHandler.cancel / AbstractJob.cancel: "No backup job is currently running", "No restore is currently
# running" (sic), "Job with label <l> can not be cancelled. state: <s>".
_NOT_CANCELLABLE = re.compile(r"is currently running|can not be cancelled", re.IGNORECASE)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None if text in ("", _NULL) else text


def _int(value: Any) -> int | None:
    text = _text(value)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


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
    OBJECTS_COLUMN: ClassVar[str] = ""
    SUCCESS: ClassVar[frozenset[str]] = frozenset({"FINISHED"})
    FAILURE: ClassVar[frozenset[str]] = frozenset({"CANCELLED"})

    label: str
    state: str
    job_id: int | None = None
    database: str | None = None
    objects: str | None = None
    create_time: str | None = None
    snapshot_finished_time: str | None = None
    finished_time: str | None = None
    unfinished_tasks: str | None = None
    progress: str | None = None
    task_errors: str | None = None
    status: str | None = None
    timeout: int | None = None

    @classmethod
    def _common(cls, row: Mapping[str, Any]) -> dict[str, Any]:
        state = (_text(row.get("State")) or "PENDING").upper()
        return {
            "label": _text(row.get(cls.LABEL_COLUMN)) or "",
            "state": state,
            "job_id": _int(row.get("JobId")),
            "database": _text(row.get("DbName")),
            "objects": _text(row.get(cls.OBJECTS_COLUMN)),
            "create_time": _text(row.get("CreateTime")),
            "snapshot_finished_time": _text(row.get("SnapshotFinishedTime")),
            "finished_time": _text(row.get("FinishedTime")),
            "unfinished_tasks": _text(row.get("UnfinishedTasks")),
            "progress": _text(row.get("Progress")),
            "task_errors": _text(row.get("TaskErrMsg")),
            "status": _text(row.get("Status")),
            "timeout": _int(row.get("Timeout")),
        }

    LABEL_COLUMN: ClassVar[str] = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Any:
        """
        Parse one row given as column name -> cell.

        :param row: e.g. ``dict(zip(columns, values))``.
        """
        raise NotImplementedError

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
        return {
            "create_time": self.create_time,
            "snapshot_finished_time": self.snapshot_finished_time,
            "finished_time": self.finished_time,
        }


@dataclasses.dataclass(frozen=True)
class BackupStatus(SnapshotJobStatus):
    """A backup job: PENDING, SNAPSHOTING, UPLOAD_SNAPSHOT, UPLOADING, SAVE_META, UPLOAD_INFO, FINISHED, CANCELLED."""

    NOUN: ClassVar[str] = "backup"
    LABEL_COLUMN: ClassVar[str] = "SnapshotName"
    OBJECTS_COLUMN: ClassVar[str] = "BackupObjs"

    upload_finished_time: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> BackupStatus:
        return cls(**cls._common(row), upload_finished_time=_text(row.get("UploadFinishedTime")))

    def timings(self) -> dict[str, str | None]:
        times = super().timings()
        times["upload_finished_time"] = self.upload_finished_time
        return times


@dataclasses.dataclass(frozen=True)
class RestoreStatus(SnapshotJobStatus):
    """A restore job: PENDING, SNAPSHOTING, DOWNLOAD, DOWNLOADING, COMMIT, COMMITTING, FINISHED, CANCELLED."""

    NOUN: ClassVar[str] = "restore"
    LABEL_COLUMN: ClassVar[str] = "Label"
    OBJECTS_COLUMN: ClassVar[str] = "RestoreObjs"

    backup_timestamp: str | None = None
    allow_load: str | None = None
    replication_num: int | None = None
    meta_prepared_time: str | None = None
    download_finished_time: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RestoreStatus:
        return cls(
            **cls._common(row),
            backup_timestamp=_text(row.get("Timestamp")),
            allow_load=_text(row.get("AllowLoad")),
            replication_num=_int(row.get("ReplicationNum")),
            meta_prepared_time=_text(row.get("MetaPreparedTime")),
            download_finished_time=_text(row.get("DownloadFinishedTime")),
        )

    def timings(self) -> dict[str, str | None]:
        times = super().timings()
        times["meta_prepared_time"] = self.meta_prepared_time
        times["download_finished_time"] = self.download_finished_time
        return times


def parse_rows(
    status_type: type[SnapshotJobStatus], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[Any]:
    """
    Parse SHOW BACKUP / SHOW RESTORE rows by column name.

    :param status_type: :class:`BackupStatus` or :class:`RestoreStatus`.
    :param columns: the column names of the answer.
    :param rows: its rows.
    """
    return [status_type.from_row(dict(zip(columns, row))) for row in rows]


class _SnapshotJobKind(JobKind):
    """Shared by backups and restores: read the database's job, keep it when it is this snapshot's."""

    cancellable: ClassVar[bool] = True
    status_type: ClassVar[type[SnapshotJobStatus]]

    def _show(self) -> Statement:
        raise NotImplementedError

    def _cancel_statement(self) -> Statement:
        raise NotImplementedError

    def current(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> SnapshotJobStatus | None:
        """
        Return the database's job of this kind, whatever its snapshot (``None`` when the latest job is not one).

        :param columns: the column names of the answer.
        :param rows: its rows.
        """
        jobs = [j for j in parse_rows(self.status_type, columns, rows) if j.database in (None, self.database)]
        return max(jobs, key=lambda j: j.job_id or -1) if jobs else None

    def _mine(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[JobStatus]:
        job = self.current(columns, rows)
        return [job] if job is not None and job.label == self.identity else []

    def fetch_current(self, hook: Any, conn: Any) -> SnapshotJobStatus | None:
        """
        Return the database's current job of this kind, whichever snapshot it is for.

        :param hook: the StarRocks hook.
        :param conn: an open connection.
        """
        return self.current(*hook._fetch(conn, self._show()))

    def fetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        return self._mine(*hook._fetch(conn, self._show()))

    async def afetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        return self._mine(*await hook._afetch(conn, self._show()))

    def cancel(self, hook: Any, conn: Any) -> bool:
        # CANCEL BACKUP / RESTORE FROM db cancels the database's current job, whichever snapshot it is for:
        # it is sent only while that job is this snapshot's.
        own = conn is None
        try:
            conn = conn or hook.get_load_conn()
            mine = self.fetch(hook, conn)
            if not mine or not mine[0].is_cancellable:
                hook.log.info(
                    "Not cancelling: the current %s of %r is not snapshot %r's, or it has ended.",
                    self.noun,
                    self.database,
                    self.identity,
                )
                return False
            statement = self._cancel_statement()
            hook.log.info(
                "Cancelling StarRocks %s of snapshot %r: %s", self.noun, self.identity, statement.redacted
            )
            hook._fetch(conn, statement)
            return True
        except Exception as exc:
            self._log_cancel_failure(hook, exc)
            return False
        finally:
            if own:
                hook.close_quietly(conn)

    async def acancel(self, hook: Any, conn: Any) -> bool:
        own = conn is None
        try:
            conn = conn or await hook.aget_load_conn()
            mine = await self.afetch(hook, conn)
            if not mine or not mine[0].is_cancellable:
                hook.log.info(
                    "Not cancelling: the current %s of %r is not snapshot %r's, or it has ended.",
                    self.noun,
                    self.database,
                    self.identity,
                )
                return False
            statement = self._cancel_statement()
            hook.log.info(
                "Cancelling StarRocks %s of snapshot %r: %s", self.noun, self.identity, statement.redacted
            )
            await hook._afetch(conn, statement)
            return True
        except Exception as exc:
            self._log_cancel_failure(hook, exc)
            return False
        finally:
            if own and conn is not None:
                conn.close()

    def _log_cancel_failure(self, hook: Any, exc: BaseException) -> None:
        from airflow_provider_starrocks.hooks.load_status import driver_message

        message = driver_message(exc)
        if _NOT_CANCELLABLE.search(message):
            hook.log.info(
                "StarRocks %s of snapshot %r cannot be cancelled: %s", self.noun, self.identity, message
            )
        else:
            hook.log.warning("Cancelling the %s of snapshot %r failed: %s", self.noun, self.identity, message)

    def missing_message(self) -> str:
        return (
            f"StarRocks {self.noun} of snapshot {self.identity!r}: state unknown. SHOW {self.noun.upper()} FROM "
            f"{self.database} no longer lists it: StarRocks keeps only the latest backup or restore job of a "
            f"database, so another job in {self.database!r} has replaced it (or the FE restarted without it). "
            "It is not submitted again: check SHOW SNAPSHOT on the repository"
            + (" for the snapshot" if self.noun == "backup" else " and the restored tables")
            + " before clearing the task."
        )


class BackupKind(_SnapshotJobKind):
    """A backup job, identified by its snapshot name in its database; cancelled with ``CANCEL BACKUP``."""

    name: ClassVar[str] = "backup"
    noun: ClassVar[str] = "backup"
    status_type = BackupStatus

    def _show(self) -> Statement:
        return show_backup(self.database)

    def _cancel_statement(self) -> Statement:
        return cancel_backup(self.database)


class RestoreKind(_SnapshotJobKind):
    """A restore job, identified by the snapshot it reads in its database; cancelled with ``CANCEL RESTORE``."""

    name: ClassVar[str] = "restore"
    noun: ClassVar[str] = "restore"
    status_type = RestoreStatus

    def _show(self) -> Statement:
        return show_restore(self.database)

    def _cancel_statement(self) -> Statement:
        return cancel_restore(self.database)


# -- snapshots in a repository ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SnapshotStatus(JobStatus):
    """
    A snapshot as ``SHOW SNAPSHOT ON <repo> WHERE SNAPSHOT = "<name>"`` lists it; present = terminal success.

    ``Repository.getSnapshotInfo`` answers one row per asked snapshot: its backup timestamps one a line and
    ``Status`` ``OK``, or ``ERROR: no snapshot`` when it has none (``ERROR: Failed to get info: ...`` when the
    repository cannot be listed). ``label`` is the snapshot name; ``job_id`` is always ``None``.
    """

    SUCCESS: ClassVar[frozenset[str]] = frozenset({"PRESENT"})
    FAILURE: ClassVar[frozenset[str]] = frozenset()

    label: str
    state: str
    repository: str | None = None
    timestamps: tuple[str, ...] = ()
    status: str | None = None
    job_id: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], repository: str | None = None) -> SnapshotStatus:
        """
        Parse one SHOW SNAPSHOT row.

        :param row: column name -> cell.
        :param repository: the repository it was read from.
        """
        status = _text(row.get("Status")) or ""
        stamps = [s.strip() for s in (_text(row.get("Timestamp")) or "").splitlines()]
        # "Invalid: <file>" lines are info files StarRocks could not decode; they name no usable backup.
        timestamps = tuple(sorted(s for s in stamps if s and not s.startswith("Invalid:")))
        present = status == "OK" and bool(timestamps)
        return cls(
            label=_text(row.get("Snapshot")) or "",
            state="PRESENT" if present else "ABSENT",
            repository=repository,
            timestamps=timestamps,
            status=status or None,
        )

    @property
    def newest(self) -> str | None:
        """The newest backup timestamp (``yyyy-MM-dd-HH-mm-ss-SSS`` sorts as text)."""
        return self.timestamps[-1] if self.timestamps else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SnapshotStatus:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["timestamps"] = tuple(values.get("timestamps") or ())
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["timestamps"] = list(self.timestamps)
        return data

    def progress_key(self) -> tuple[Any, ...]:
        return (self.state, self.timestamps)

    def describe(self) -> str:
        if self.state == "PRESENT":
            return f"snapshot {self.label!r} in repository {self.repository!r}: present, newest backup {self.newest}"
        return f"snapshot {self.label!r} in repository {self.repository!r}: not there yet ({self.status})"

    def failure_message(self, details: Iterable[str] = ()) -> str:
        return "; ".join([self.describe(), *details])


def parse_snapshot_rows(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], repository: str | None = None
) -> list[SnapshotStatus]:
    """
    Parse SHOW SNAPSHOT rows by column name.

    :param columns: the column names of the answer.
    :param rows: its rows.
    :param repository: the repository they were read from.
    """
    return [SnapshotStatus.from_row(dict(zip(columns, row)), repository) for row in rows]


class SnapshotKind(JobKind):
    """
    A snapshot awaited in a repository; ``database`` holds the repository's name (a snapshot has no database).

    It is never cancelled. Until the snapshot has a backup it reports no job, which a sensor waits through.
    """

    name: ClassVar[str] = "snapshot"
    noun: ClassVar[str] = "snapshot"
    status_type = SnapshotStatus

    @property
    def repository(self) -> str:
        return self.database

    def _present(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[JobStatus]:
        found = [s for s in parse_snapshot_rows(columns, rows, self.repository) if s.label == self.identity]
        return [s for s in found if s.is_success]

    def fetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        return self._present(*hook._fetch(conn, show_snapshot(self.repository, self.identity)))

    async def afetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        return self._present(*await hook._afetch(conn, show_snapshot(self.repository, self.identity)))

    def missing_message(self) -> str:
        return (
            f"Snapshot {self.identity!r} is not in repository {self.repository!r} (SHOW SNAPSHOT lists no backup "
            "of it)."
        )
