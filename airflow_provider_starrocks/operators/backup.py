"""
Back up StarRocks databases to S3 repositories and restore them, polled to their end, sync or deferrable.

StarRocks runs one backup or restore job per database at a time (``BackupHandler.process``: "Can only run one
backup or restore job of a database at same time"). A task that finds another snapshot's job in flight in its
database fails at once, without submitting, with that job's snapshot and state; the failure is retryable, so
``retries`` and ``retry_delay`` are the wait. A task that finds its own snapshot's job (a retry, a rerun after a
killed worker) attaches to it and never takes a second snapshot.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, BaseOperator

from airflow_provider_starrocks.jobs.backup import (
    BackupKind,
    RestoreKind,
    RestoreStatus,
    SnapshotStatus,
    parse_snapshot_rows,
)
from airflow_provider_starrocks.operators._backup_args import (
    DEFAULT_TIMEOUT_SECONDS,
    check_database,
    check_properties,
    check_repository,
    check_snapshot,
    check_tables,
    check_timestamp,
)
from airflow_provider_starrocks.operators._job import StarRocksJobMixin
from airflow_provider_starrocks.operators._repository import StarRocksCreateRepositoryOperator
from airflow_provider_starrocks.utils.labels import default_label
from airflow_provider_starrocks.utils.load_options import (
    check_flag,
    check_poll_interval,
    deferrable_flag,
)
from airflow_provider_starrocks.utils.polling import load_deadline
from airflow_provider_starrocks.utils.statements.backup import (
    backup_snapshot,
    restore_snapshot,
    show_snapshot,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.jobs.backup import SnapshotJobStatus
    from airflow_provider_starrocks.utils.sql import Statement

__all__ = ["StarRocksBackupOperator", "StarRocksCreateRepositoryOperator", "StarRocksRestoreOperator"]

# BackupHandler.process / backup (3.1-newest).
_BUSY = "can only run one backup or restore job"
_SNAPSHOT_EXISTS = "already exist in repository"


class _SnapshotJobOperator(StarRocksJobMixin, BaseOperator):
    """Shared by backup and restore: arguments, the busy-database check, submit or attach, follow."""

    verb: ClassVar[str] = ""
    #: Seconds past the job's StarRocks ``timeout`` before the task stops waiting (StarRocks cancels first).
    deadline_grace: float = 60.0
    # Set by execute; a deferred task resumes on a fresh instance, so job_result must not rely on them.
    _snapshot: str = ""
    _generated: bool = False
    _attached: bool = False
    _timestamp: str | None = None

    def __init__(
        self,
        *,
        database: str,
        repository: str,
        snapshot: str | None,
        tables: list[str] | dict[str, Any] | None,
        properties: dict[str, Any] | None,
        poll_interval: float,
        deferrable: bool | None,
        cancel_on_kill: bool,
        starrocks_conn_id: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_poll_interval(poll_interval)
        self.database = database
        self.repository = repository
        self.snapshot = snapshot
        self.tables = tables
        self.properties = properties
        self.poll_interval = float(poll_interval)
        self.deferrable = deferrable_flag(deferrable)
        self.cancel_on_kill = check_flag(cancel_on_kill, "cancel_on_kill")
        self.starrocks_conn_id = starrocks_conn_id

    def _refuse(self, err: ValueError) -> AirflowFailException:
        return AirflowFailException(f"{type(self).__name__} {self.task_id!r}: {err}")

    def _deadline(self, properties: dict[str, object]) -> float:
        timeout = float(properties.get("timeout", DEFAULT_TIMEOUT_SECONDS))  # type: ignore[arg-type]
        return load_deadline(timeout, self.deadline_grace, self.execution_timeout)

    def _busy(self, job: SnapshotJobStatus) -> AirflowException:
        return AirflowException(
            f"Database {self.database!r} is busy: StarRocks runs one backup or restore job per database at a "
            f"time and the {job.NOUN} of snapshot {job.label!r} (job {job.job_id}) is {job.state}. Nothing was "
            f"submitted; this {self.verb} is retried after retry_delay when the task has retries left."
        )

    def _other_jobs(self, conn: Any, mine: type) -> None:
        """Fail (retryable) when a job of the other kind, or another snapshot's job, runs in the database."""
        for kind in (BackupKind, RestoreKind):
            current = kind(self.database, self._snapshot).fetch_current(self.hook, conn)
            if current is None or current.is_terminal:
                continue
            if kind is mine and self._is_mine(current):
                continue
            raise self._busy(current)

    def _is_mine(self, job: SnapshotJobStatus) -> bool:
        return job.label == self._snapshot

    @contextlib.contextmanager
    def _reads(self) -> Iterator[None]:
        """Turn a refused status read before submitting (unknown database or repository...) into a task failure."""
        try:
            yield
        except AirflowException:
            raise
        except Exception as exc:  # the driver's error types vary
            from airflow_provider_starrocks.hooks.load_status import driver_message
            from airflow_provider_starrocks.operators._create_flow import StarRocksStatementError, fail

            what = f"reading the {self.verb} state of database {self.database!r} and repository {self.repository!r}"
            raise fail(StarRocksStatementError(driver_message(exc)), what) from None

    def _after_submit(self, kind: Any, conn: Any) -> SnapshotJobStatus | None:
        try:
            mine = kind.fetch(self.hook, conn)
        except Exception as exc:  # the FE went away after accepting the job: polling reconnects and finds it
            self.log.warning(
                "Reading the %s of snapshot %r after submitting failed (%s).", self.verb, self._snapshot, exc
            )
            return None
        status = mine[0] if mine else None
        if status is not None:
            self.log.info("Submitted: %s", status.describe())
        return status

    def _submit(self, conn: Any, statement: Statement) -> None:
        from airflow_provider_starrocks.hooks.load_status import driver_message

        try:
            self.hook.execute_statement(statement, conn)
        except Exception as exc:
            message = driver_message(exc)
            if _BUSY in message.lower():
                raise AirflowException(
                    f"StarRocks refused the {self.verb} of snapshot {self._snapshot!r}: {message}. Another job "
                    f"started in database {self.database!r} meanwhile; the task's retries wait for it."
                ) from None
            raise self._submit_error(message) from None

    def _submit_error(self, message: str) -> Exception:
        from airflow_provider_starrocks.operators._create_flow import StarRocksStatementError, fail

        return fail(
            StarRocksStatementError(message), f"submitting the {self.verb} of snapshot {self._snapshot!r}"
        )

    def _snapshot_info(self, conn: Any) -> SnapshotStatus | None:
        columns, rows = self.hook._fetch(conn, show_snapshot(self.repository, self._snapshot))
        found = [s for s in parse_snapshot_rows(columns, rows, self.repository) if s.label == self._snapshot]
        return found[0] if found else None

    def _follow(self, context: Context, kind: Any, conn: Any, status: Any, owner: bool, props: dict) -> Any:
        return self.follow_job(context, kind, conn, status, deadline=self._deadline(props), owner=owner)

    def _result(
        self, status: SnapshotJobStatus, backup_timestamp: str | None, attached: bool
    ) -> dict[str, Any]:
        return {
            "snapshot": status.label,
            "database": self.database,
            "repository": self.repository,
            "backup_timestamp": backup_timestamp,
            "state": status.state,
            "job_id": status.job_id,
            "objects": status.objects,
            "timings": status.timings(),
            "attached": attached,
        }


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

    template_fields: Sequence[str] = ("database", "repository", "snapshot", "tables", "properties")
    template_fields_renderers = {"tables": "json", "properties": "json"}
    verb = "backup"

    def __init__(
        self,
        *,
        database: str,
        repository: str,
        snapshot: str | None = None,
        tables: list[str] | dict[str, list[str] | None] | None = None,
        properties: dict[str, Any] | None = None,
        poll_interval: float = 10.0,
        deferrable: bool | None = None,
        cancel_on_kill: bool = True,
        starrocks_conn_id: str = "starrocks_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            database=database,
            repository=repository,
            snapshot=snapshot,
            tables=tables,
            properties=properties,
            poll_interval=poll_interval,
            deferrable=deferrable,
            cancel_on_kill=cancel_on_kill,
            starrocks_conn_id=starrocks_conn_id,
            **kwargs,
        )

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
        return backup_snapshot(self.database, self._snapshot, self.repository, specs, props), props

    def execute(self, context: Context) -> Any:
        try:
            statement, props = self._plan(context)
        except ValueError as err:  # every argument error (BackupArgumentError, LoadArgumentError...)
            raise self._refuse(err) from None
        kind = BackupKind(self.database, self._snapshot)
        conn = self.hook.get_load_conn()
        try:
            existing: SnapshotStatus | None = None
            with self._reads():
                current = kind.fetch_current(self.hook, conn)
                attach = current is not None and self._is_mine(current) and current.state != "CANCELLED"
                if not attach:
                    self._other_jobs(conn, BackupKind)
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
        "database",
        "repository",
        "snapshot",
        "backup_timestamp",
        "tables",
        "properties",
    )
    template_fields_renderers = {"tables": "json", "properties": "json"}
    verb = "restore"

    def __init__(
        self,
        *,
        database: str,
        repository: str,
        snapshot: str,
        backup_timestamp: str | None = None,
        tables: list[str] | dict[str, Any] | None = None,
        properties: dict[str, Any] | None = None,
        poll_interval: float = 10.0,
        deferrable: bool | None = None,
        cancel_on_kill: bool = True,
        starrocks_conn_id: str = "starrocks_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            database=database,
            repository=repository,
            snapshot=snapshot,
            tables=tables,
            properties=properties,
            poll_interval=poll_interval,
            deferrable=deferrable,
            cancel_on_kill=cancel_on_kill,
            starrocks_conn_id=starrocks_conn_id,
            **kwargs,
        )
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
                restore_snapshot(
                    self.database, self._snapshot, self.repository, self._timestamp, specs, props
                )
        except ValueError as err:  # every argument error (BackupArgumentError, LoadArgumentError...)
            raise self._refuse(err) from None
        kind = RestoreKind(self.database, self._snapshot)
        conn = self.hook.get_load_conn()
        try:
            timestamp = self._pick_timestamp(conn)
            self._timestamp = timestamp
            with self._reads():
                current, exists = self._current_restore(kind, conn)
                attach = current is not None and self._is_mine(current) and current.state != "CANCELLED"
                if exists and not attach:
                    self._other_jobs(conn, RestoreKind)
            if attach:
                assert current is not None
                self.log.info("Attaching to the earlier %s", current.describe())
                self._attached = True
                return self._follow(context, kind, conn, current, False, props)
            self._attached = False
            self._submit(
                conn,
                restore_snapshot(self.database, self._snapshot, self.repository, timestamp, specs, props),
            )
            return self._follow(context, kind, conn, self._after_submit(kind, conn), True, props)
        finally:
            self.hook.close_quietly(conn)

    def _current_restore(self, kind: RestoreKind, conn: Any) -> tuple[SnapshotJobStatus | None, bool]:
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
            columns, rows = self.hook._fetch(conn, show_snapshot(self.repository))
        except Exception as exc:  # the missing snapshot is the failure; the listing is a help
            return f"(Listing the repository failed: {exc}.)"
        present = [s for s in parse_snapshot_rows(columns, rows, self.repository) if s.is_success]
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
