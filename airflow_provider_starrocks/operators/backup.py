"""
Back up StarRocks databases to S3 repositories and restore them, polled to their end, sync or deferrable.

StarRocks runs one backup or restore job per database at a time (``BackupHandler.process``: "Can only run one
backup or restore job of a database at same time"). A task that finds another snapshot's job in flight in its
database fails at once, without submitting, with that job's snapshot and state; the failure is retryable, so
``retries`` and ``retry_delay`` are the wait. A task that finds its own snapshot's job (a retry, a rerun after a
killed worker) attaches to it and never takes a second snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.operators._backup_args import (
    check_database,
    check_properties,
    check_repository,
    check_snapshot,
    check_tables,
)
from airflow_provider_starrocks.operators._repository import StarRocksCreateRepositoryOperator
from airflow_provider_starrocks.operators._restore import StarRocksRestoreOperator
from airflow_provider_starrocks.operators._snapshot_job import _SnapshotJobOperator
from airflow_provider_starrocks.utils.labels import default_label
from airflow_provider_starrocks.utils.statements import backup as backup_sql

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.jobs.snapshot import SnapshotStatus
    from airflow_provider_starrocks.utils.sql import Statement

__all__ = ["StarRocksBackupOperator", "StarRocksCreateRepositoryOperator", "StarRocksRestoreOperator"]

# BackupHandler.backup (3.1-newest).
_SNAPSHOT_EXISTS = "already exist in repository"


class StarRocksBackupOperator(_SnapshotJobOperator):
    """
    Back up a database, or some of its tables and partitions, to a repository and wait for the snapshot.

    Runs ``BACKUP SNAPSHOT <db>.<snapshot> TO <repo> [ON (...)] [PROPERTIES (...)]`` and follows ``SHOW BACKUP
    FROM <db>`` (PENDING, SNAPSHOTING, UPLOAD_SNAPSHOT, UPLOADING, SAVE_META, UPLOAD_INFO) until FINISHED or
    CANCELLED. The snapshot name defaults to one derived from dag_id, task_id, run_id and map index, so a retry
    or a rerun finds its own backup (in flight, or already in the repository) instead of taking a second one.
    Another job in flight in the database fails the task before submitting (retryable). Needs REPOSITORY on
    SYSTEM and EXPORT on the tables.

    :param database: the database to back up.
    :param repository: a writable repository (:class:`StarRocksCreateRepositoryOperator`).
    :param snapshot: the snapshot name; default derived from the task instance.
    :param tables: the tables to back up: a list of names, or a dict of name -> list of partitions (``None``
        for the whole table); default the whole database.
    :param properties: ``timeout`` (seconds, at least 600; StarRocks's default is a day) and ``type`` (``full``).
    :param poll_interval: seconds between status polls (grows gently with jitter up to a cap).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    :param cancel_on_kill: send ``CANCEL BACKUP FROM <db>`` when the task is killed or passes its deadline
        (only while the database's current backup is this task's snapshot).
    :param starrocks_conn_id: the StarRocks connection.
    """

    verb = "backup"

    def _plan(self, context: Context) -> tuple[Statement, dict[str, object]]:
        ti = context["ti"]
        generated = self.snapshot is None
        name = (
            default_label(ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1))
            if generated
            else self.snapshot
        )
        self._snapshot = check_snapshot(name)
        self._generated = generated
        check_database(self.database)
        check_repository(self.repository)
        specs = check_tables(self.tables, restore=False)
        props = check_properties(self.properties, restore=False)
        return backup_sql.backup_snapshot(self.database, self._snapshot, self.repository, specs, props), props

    def execute(self, context: Context) -> Any:
        try:
            statement, props = self._plan(context)
        except ValueError as err:  # every argument error (BackupArgumentError, LoadArgumentError...)
            raise self._refuse(err) from None
        kind = self._job_of()
        conn = self.hook.get_load_conn()
        try:
            existing: SnapshotStatus | None = None
            with self._reads():
                current = kind.fetch_current(self.hook, conn)
                attach = current is not None and self._is_mine(current) and current.state != "CANCELLED"
                if not attach:
                    self._other_jobs(conn)
                    existing = self._snapshot_info(conn)
            if attach:
                # An earlier try (or run of this task instance) submitted it: follow it, never take a second one.
                assert current is not None
                self.log.info("Attaching to the earlier %s", current.describe())
                self._attached = True
                return self._follow(context, kind, conn, current, self._generated, props)
            if existing is not None and existing.is_success:
                self.log.info(
                    "Snapshot %r is already in repository %r (backup %s): not backing up again.",
                    self._snapshot,
                    self.repository,
                    existing.newest,
                )
                return self._existing_result(existing)
            if current is not None and self._is_mine(current):
                self.log.info(
                    "The earlier backup of snapshot %r was CANCELLED: submitting it again.", self._snapshot
                )
            self._attached = False
            self._submit(conn, statement)
            return self._follow(context, kind, conn, self._after_submit(kind, conn), True, props)
        finally:
            self.hook.close_quietly(conn)

    def _submit_error(self, message: str) -> Exception:
        if _SNAPSHOT_EXISTS in message:
            return AirflowFailException(
                f"StarRocks refused the backup: {message}. A snapshot of that name is already in repository "
                f"{self.repository!r} but is not complete (SHOW SNAPSHOT lists no backup of it): pass another "
                "snapshot name, or delete its files under the repository location."
            )
        return super()._submit_error(message)

    def _existing_result(self, existing: SnapshotStatus) -> dict[str, Any]:
        return {
            "snapshot": self._snapshot,
            "database": self.database,
            "repository": self.repository,
            "backup_timestamp": existing.newest,
            "state": "FINISHED",
            "job_id": None,
            "objects": None,
            "timings": {},
            "attached": True,
        }

    def job_result(self, context: Context, status: Any) -> dict[str, Any]:
        conn = self.hook.get_load_conn()
        try:
            info = self._snapshot_info_for(conn, status.label)
        finally:
            self.hook.close_quietly(conn)
        return self._result(status, info.newest if info else None, self._attached)

    def _snapshot_info_for(self, conn: Any, name: str) -> SnapshotStatus | None:
        self._snapshot = name
        try:
            return self._snapshot_info(conn)
        except Exception as exc:  # the backup succeeded; its timestamp is a convenience
            self.log.warning("Could not read the timestamp of snapshot %r: %s", name, exc)
            return None
