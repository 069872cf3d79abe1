"""
Backup and restore jobs, followed by snapshot name (statuses: jobs/backup_status.py; snapshots: jobs/snapshot.py).

StarRocks keeps one backup or restore job per database (``BackupHandler.dbIdToBackupOrRestoreJob``): ``SHOW
BACKUP FROM db`` lists that job when it is a backup, ``SHOW RESTORE FROM db`` when it is a restore, and a newer
job of either kind replaces it. So a snapshot's job is found only while it is its database's latest job; when
another snapshot's job has taken its place the kind reports none, and :meth:`BackupKind.missing_message` says
what that means.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.jobs.backup_status import (  # noqa: F401  (re-exported: jobs.backup held them)
    BACKUP_STATES,
    RESTORE_STATES,
    BackupStatus,
    RestoreStatus,
    SnapshotJobStatus,
    parse_rows,
    status_message,
    task_progress,
)
from airflow_provider_starrocks.jobs.base import JobKind, JobStatus
from airflow_provider_starrocks.jobs.snapshot import (  # noqa: F401  (re-exported: jobs.backup held them)
    SnapshotKind,
    SnapshotStatus,
    parse_snapshot_rows,
)
from airflow_provider_starrocks.utils.statements import backup as backup_sql

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from airflow_provider_starrocks.utils.sql import Statement

# BackupHandler.cancel / AbstractJob.cancel: "No backup job is currently running", "No restore is currently
# running" (sic), "Job with label <l> can not be cancelled. state: <s>".
_NOT_CANCELLABLE = re.compile(r"is currently running|can not be cancelled", re.IGNORECASE)


class _SnapshotJobKind(JobKind):
    """Shared by backups and restores: read the database's job, keep it when it is this snapshot's."""

    cancellable: ClassVar[bool] = True
    status_type: ClassVar[type[SnapshotJobStatus]]

    #: The kind's SHOW and CANCEL statement builders (utils/statements/backup.py), each given the database.
    statements: ClassVar[tuple[Callable[[str], Statement], Callable[[str], Statement]]]

    def _show(self) -> Statement:
        return self.statements[0](self.database)

    def _cancel_statement(self) -> Statement:
        return self.statements[1](self.database)

    def current(self, rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> SnapshotJobStatus | None:
        """
        Return the database's job of this kind, whatever its snapshot (``None`` when the latest job is not one).

        :param rows: the rows of the answer.
        :param columns: its column names.
        """
        jobs = [j for j in parse_rows(self.status_type, rows, columns) if j.database in (None, self.database)]
        return max(jobs, key=lambda j: j.job_id or -1) if jobs else None

    def _mine(self, rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> list[JobStatus]:
        job = self.current(rows, columns)
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
        try:
            with hook.using_load_conn(conn) as open_conn:
                statement = self._cancel_if_mine(hook, self.fetch(hook, open_conn))
                if statement is not None:
                    hook._fetch(open_conn, statement)
                return statement is not None
        except Exception as exc:
            return self._cancel_failed(hook, exc)

    async def acancel(self, hook: Any, conn: Any) -> bool:
        try:
            async with hook.ausing_load_conn(conn) as open_conn:
                statement = self._cancel_if_mine(hook, await self.afetch(hook, open_conn))
                if statement is not None:
                    await hook._afetch(open_conn, statement)
                return statement is not None
        except Exception as exc:
            return self._cancel_failed(hook, exc)

    def _cancel_if_mine(self, hook: Any, mine: list[JobStatus]) -> Statement | None:
        """Return the cancel statement while the database's current job is this snapshot's and in flight."""
        if not mine or not mine[0].is_cancellable:
            hook.log.info(
                "Not cancelling: the current %s of %r is not snapshot %r's, or it has ended.",
                self.noun,
                self.database,
                self.identity,
            )
            return None
        statement = self._cancel_statement()
        hook.log.info(
            "Cancelling StarRocks %s of snapshot %r: %s", self.noun, self.identity, statement.redacted
        )
        return statement

    def _cancel_failed(self, hook: Any, exc: BaseException) -> bool:
        from airflow_provider_starrocks.hooks.load_status import driver_message

        message = driver_message(exc)
        if _NOT_CANCELLABLE.search(message):
            hook.log.info(
                "StarRocks %s of snapshot %r cannot be cancelled: %s", self.noun, self.identity, message
            )
        else:
            hook.log.warning("Cancelling the %s of snapshot %r failed: %s", self.noun, self.identity, message)
        return False

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
    statements = (backup_sql.show_backup, backup_sql.cancel_backup)


class RestoreKind(_SnapshotJobKind):
    """A restore job, identified by the snapshot it reads in its database; cancelled with ``CANCEL RESTORE``."""

    name: ClassVar[str] = "restore"
    noun: ClassVar[str] = "restore"
    status_type = RestoreStatus
    statements = (backup_sql.show_restore, backup_sql.cancel_restore)
