"""
The shared part of the backup and restore operators: arguments, the busy-database check, submit or attach, follow.

StarRocks runs one backup or restore job per database at a time (``BackupHandler.process``: "Can only run one
backup or restore job of a database at same time"). A task that finds another snapshot's job in flight in its
database fails at once, without submitting, with that job's snapshot and state; the failure is retryable, so
``retries`` and ``retry_delay`` are the wait. A task that finds its own snapshot's job (a retry, a rerun after a
killed worker) attaches to it and never takes a second snapshot.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_starrocks.jobs import get_kind
from airflow_provider_starrocks.operators._backup_args import DEFAULT_TIMEOUT_SECONDS
from airflow_provider_starrocks.operators._hook import StarRocksBaseOperator
from airflow_provider_starrocks.operators._job import StarRocksJobMixin
from airflow_provider_starrocks.utils.polling import load_deadline
from airflow_provider_starrocks.utils.statements import backup as backup_sql

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.jobs.backup import SnapshotJobStatus, _SnapshotJobKind
    from airflow_provider_starrocks.jobs.snapshot import SnapshotStatus
    from airflow_provider_starrocks.utils.sql import Statement

# BackupHandler.process / backup (3.1-newest).
_BUSY = "can only run one backup or restore job"


class _SnapshotJobOperator(StarRocksJobMixin, StarRocksBaseOperator):
    """Shared by backup and restore: arguments, the busy-database check, submit or attach, follow."""

    #: Template fields: where the snapshot is (``WHERE_FIELDS``) and what it covers (``SCOPE_FIELDS``).
    WHERE_FIELDS: ClassVar[tuple[str, ...]] = ("database", "repository", "snapshot")
    SCOPE_FIELDS: ClassVar[tuple[str, ...]] = ("tables", "properties")
    template_fields: Sequence[str] = (*WHERE_FIELDS, *SCOPE_FIELDS)
    template_fields_renderers = {"tables": "json", "properties": "json"}
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
        snapshot: str | None = None,
        tables: list[str] | dict[str, Any] | None = None,
        properties: dict[str, Any] | None = None,
        poll_interval: float = 10.0,
        deferrable: bool | None = None,
        cancel_on_kill: bool = True,
        **kwargs: Any,
    ) -> None:
        # StarRocksBackupOperator's signature (it has no __init__ of its own); the restore operator adds to it.
        super().__init__(**kwargs)
        self.set_job_arguments(deferrable, poll_interval, cancel_on_kill)
        self.database = database
        self.repository = repository
        self.snapshot = snapshot
        self.tables = tables
        self.properties = properties

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

    def _other_jobs(self, conn: Any) -> None:
        """
        Fail (retryable) when a job of the other kind, or another snapshot's job, runs in the database.

        :param conn: an open connection.
        """
        for name in ("backup", "restore"):
            current = self._job_of(name).fetch_current(self.hook, conn)
            if current is None or current.is_terminal:
                continue
            if name == self.verb and self._is_mine(current):
                continue
            raise self._busy(current)

    def _job_of(self, kind: str | None = None) -> _SnapshotJobKind:
        """
        Return this snapshot's job of a kind (the kind's module is imported on first use).

        :param kind: ``backup`` or ``restore``; this operator's own (its ``verb``) by default.
        """
        job: Any = get_kind(kind or self.verb)(self.database, self._snapshot)
        return job

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
        from airflow_provider_starrocks.jobs.snapshot import parse_snapshot_rows

        rows, columns = self.hook._fetch(conn, backup_sql.show_snapshot(self.repository, self._snapshot))
        found = [s for s in parse_snapshot_rows(rows, columns, self.repository) if s.label == self._snapshot]
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
