"""
Restore a snapshot from a repository into a database, polled to its end, sync or deferrable.

Public path: ``airflow_provider_starrocks.operators.backup.StarRocksRestoreOperator`` (re-exported there).
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
    check_timestamp,
)
from airflow_provider_starrocks.operators._snapshot_job import _SnapshotJobOperator
from airflow_provider_starrocks.utils.statements import backup as backup_sql

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.jobs.backup import RestoreStatus, SnapshotJobStatus


class StarRocksRestoreOperator(_SnapshotJobOperator):
    """
    Restore a snapshot (or some of its tables and partitions, possibly under new names) and wait for the end.

    ``backup_timestamp`` defaults to the newest backup of the snapshot (``SHOW SNAPSHOT ON <repo> WHERE SNAPSHOT
    = ...``). A missing snapshot or timestamp fails with StarRocks's text and what the repository holds. Runs
    ``RESTORE SNAPSHOT <db>.<snapshot> FROM <repo> [ON (...)] PROPERTIES ("backup_timestamp" = ...)`` and
    follows ``SHOW RESTORE FROM <db>`` (PENDING, SNAPSHOTING, DOWNLOAD, DOWNLOADING, COMMIT, COMMITTING) until
    FINISHED or CANCELLED. The database must exist before 3.4; 3.4+ creates a missing one (CREATE DATABASE
    privilege). A restore of the same snapshot and timestamp already
    FINISHED or in flight as the database's current job is attached to, not submitted again. Needs REPOSITORY
    on SYSTEM, CREATE TABLE on the database for new tables and INSERT on existing ones.

    :param database: the database to restore into.
    :param repository: the repository holding the snapshot (read-only ones too).
    :param snapshot: the snapshot name (e.g. the backup task's XCom ``snapshot``).
    :param backup_timestamp: which backup of the snapshot (``yyyy-MM-dd-HH-mm-ss-SSS``, as
        ``SHOW SNAPSHOT`` lists it); default the newest.
    :param tables: the tables to restore: a list of names, or a dict of name -> list of partitions, ``None``,
        or ``{"partitions": [...], "as": "<new name>"}``; default every table of the snapshot.
    :param properties: ``timeout``, ``replication_num``, ``allow_load``, ``meta_version``,
        ``starrocks_meta_version``.
    :param poll_interval: seconds between status polls.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    :param cancel_on_kill: send ``CANCEL RESTORE FROM <db>`` when the task is killed or passes its deadline
        (only for a restore this try submitted, and only while it is the database's current one).
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields: Sequence[str] = (
        *_SnapshotJobOperator.WHERE_FIELDS,
        "backup_timestamp",
        *_SnapshotJobOperator.SCOPE_FIELDS,
    )
    verb = "restore"

    def __init__(self, *, snapshot: str, backup_timestamp: str | None = None, **kwargs: Any) -> None:
        # The backup's arguments, but the snapshot is required: a restore names the one it reads.
        super().__init__(snapshot=snapshot, **kwargs)
        self.backup_timestamp = backup_timestamp

    def _check(self) -> tuple[list[Any], dict[str, object]]:
        self._snapshot = check_snapshot(self.snapshot)
        check_database(self.database)
        check_repository(self.repository)
        self._timestamp = check_timestamp(self.backup_timestamp)
        return check_tables(self.tables, restore=True), check_properties(self.properties, restore=True)

    def execute(self, context: Context) -> Any:
        try:
            specs, props = self._check()
            if self._timestamp is not None:  # every value checked before any SQL
                backup_sql.restore_snapshot(
                    self.database, self._snapshot, self.repository, self._timestamp, specs, props
                )
        except ValueError as err:  # every argument error (BackupArgumentError, LoadArgumentError...)
            raise self._refuse(err) from None
        kind = self._job_of()
        conn = self.hook.get_load_conn()
        try:
            timestamp = self._pick_timestamp(conn)
            self._timestamp = timestamp
            with self._reads():
                current, exists = self._current_restore(kind, conn)
                attach = current is not None and self._is_mine(current) and current.state != "CANCELLED"
                if exists and not attach:
                    self._other_jobs(conn)
            if attach:
                assert current is not None
                self.log.info("Attaching to the earlier %s", current.describe())
                self._attached = True
                return self._follow(context, kind, conn, current, False, props)
            self._attached = False
            self._submit(
                conn,
                backup_sql.restore_snapshot(
                    self.database, self._snapshot, self.repository, timestamp, specs, props
                ),
            )
            return self._follow(context, kind, conn, self._after_submit(kind, conn), True, props)
        finally:
            self.hook.close_quietly(conn)

    def _current_restore(self, kind: Any, conn: Any) -> tuple[SnapshotJobStatus | None, bool]:
        """Return the database's current restore and whether the database exists (3.4+ restores create it)."""
        from airflow_provider_starrocks.hooks.load_status import driver_message

        try:
            return kind.fetch_current(self.hook, conn), True
        except Exception as exc:
            if "unknown database" not in driver_message(exc).lower():
                raise
        # BackupHandler.process creates a missing target database from 3.4 (pinterest-integration-3.4.5
        # 1207fa7f); 3.1 and 3.3 refuse the RESTORE with "Unknown database", which then fails the task.
        self.log.info(
            "Database %r does not exist yet: StarRocks 3.4+ creates it for the restore.", self.database
        )
        return None, False

    def _is_mine(self, job: SnapshotJobStatus) -> bool:
        if job.label != self._snapshot:
            return False
        timestamp = getattr(job, "backup_timestamp", None)
        return self._timestamp is None or timestamp in (None, self._timestamp)

    def _pick_timestamp(self, conn: Any) -> str:
        from airflow_provider_starrocks.hooks.load_status import driver_message

        try:
            info = self._snapshot_info(conn)
        except Exception as exc:
            raise AirflowFailException(
                f"StarRocks could not list snapshot {self._snapshot!r} in repository {self.repository!r}: "
                f"{driver_message(exc)}"
            ) from None
        if info is None or not info.is_success:
            said = info.status if info is not None else "no row"
            raise AirflowFailException(
                f"Snapshot {self._snapshot!r} is not in repository {self.repository!r}: StarRocks says "
                f"{said!r}. {self._listing(conn)}"
            )
        if self._timestamp is None:
            self.log.info(
                "Restoring the newest backup of snapshot %r: %s (of %s).",
                self._snapshot,
                info.newest,
                ", ".join(info.timestamps),
            )
            return info.newest  # type: ignore[return-value]
        if self._timestamp not in info.timestamps:
            raise AirflowFailException(
                f"Snapshot {self._snapshot!r} in repository {self.repository!r} has no backup at "
                f"{self._timestamp!r}: its backups are {', '.join(info.timestamps)}. Pass one of them, or leave "
                "backup_timestamp unset for the newest."
            )
        return self._timestamp

    def _listing(self, conn: Any) -> str:
        try:
            rows, columns = self.hook._fetch(conn, backup_sql.show_snapshot(self.repository))
        except Exception as exc:  # the missing snapshot is the failure; the listing is a help
            return f"(Listing the repository failed: {exc}.)"
        from airflow_provider_starrocks.jobs.snapshot import parse_snapshot_rows

        present = [s for s in parse_snapshot_rows(rows, columns, self.repository) if s.is_success]
        if not present:
            return "The repository holds no snapshot."
        shown = ", ".join(f"{s.label} ({', '.join(s.timestamps)})" for s in present[:20])
        more = f" and {len(present) - 20} more" if len(present) > 20 else ""
        return f"The repository holds: {shown}{more}."

    def job_result(self, context: Context, status: Any) -> dict[str, Any]:
        restore: RestoreStatus = status
        return self._result(
            restore,
            restore.backup_timestamp or self._timestamp,
            self._attached,
        )
