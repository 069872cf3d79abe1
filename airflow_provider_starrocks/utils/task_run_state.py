"""
Task-run status: the ``information_schema.task_runs`` member of the :class:`~.load_state.JobStatus` family.

A run of a submitted task goes PENDING -> RUNNING -> SUCCESS | FAILED (``docs/en/sql-reference/information_schema/
task_runs.md``; MERGED, from 3.1.12, concerns materialized-view refreshes only). Columns are read by name, as for
load jobs, and the object has the shape the shared pollers (``LoadWatch``, ``StarRocksLoadTrigger``) expect.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.exceptions import is_fatal_message
from airflow_provider_starrocks.jobs.base import column
from airflow_provider_starrocks.utils.cells import normalized_names
from airflow_provider_starrocks.utils.load_state import JobStatus, _int

if TYPE_CHECKING:
    from collections.abc import Iterable

TASK_RUN_SUCCESS = frozenset({"SUCCESS"})
TASK_RUN_FAILURE = frozenset({"FAILED"})


@dataclasses.dataclass(frozen=True)
class TaskRunState(JobStatus):
    """
    One run of a submitted task; ``label`` holds the task name so that the load pollers can follow it.

    SUCCESS is the only success, FAILED the only failure; PENDING and RUNNING are in flight. A task run cannot
    be cancelled through the load machinery (there is no ``CANCEL LOAD`` for it).
    """

    SUCCESS: ClassVar[frozenset[str]] = TASK_RUN_SUCCESS
    FAILURE: ClassVar[frozenset[str]] = TASK_RUN_FAILURE

    LABEL_COLUMN: ClassVar[str] = "TASKNAME"
    STATE_COLUMN: ClassVar[str] = "STATE"

    label: str
    state: str
    # Read through normalized column names (upper case, no "_").
    query_id: str | None = column("QUERYID")
    database: str | None = column("DATABASE")
    job_id: int | None = column("JOBID", parse=_int)
    progress: str | None = column("PROGRESS")
    error_code: int | None = column("ERRORCODE", parse=_int)
    error_message: str | None = column("ERRORMESSAGE")
    extra_message: str | None = column("EXTRAMESSAGE")
    create_time: str | None = column("CREATETIME")
    process_time: str | None = column("PROCESSTIME")
    finish_time: str | None = column("FINISHTIME")

    row_names = staticmethod(normalized_names)

    @property
    def task_name(self) -> str:
        return self.label

    @property
    def is_committed(self) -> bool:
        return False

    @property
    def is_cancellable(self) -> bool:
        return False

    @property
    def is_fatal(self) -> bool:
        return is_fatal_message(self.error_message)

    def progress_key(self) -> tuple[Any, ...]:
        """Return what a progress log line reports; a new line is due when it changes."""
        return (self.query_id, self.state, self.progress)

    def describe(self) -> str:
        """One log line: task, state and progress."""
        return f"task {self.label!r} run {self.query_id}: {self.state}, progress {self.progress or 'n/a'}"

    def failure_message(self, rejected_rows: Iterable[str] = ()) -> str:
        """
        Return the failure text: the task, its state and StarRocks's message.

        :param rejected_rows: the first rejected rows of the INSERT, when StarRocks kept them.
        """
        parts = [f"StarRocks task {self.label!r} (run {self.query_id}) {self.state}"]
        if self.error_message:
            parts.append(f"message: {self.error_message}")
        rows = [r for r in rejected_rows if r]
        if rows:
            parts.append("first rejected rows:\n  " + "\n  ".join(rows))
        return "; ".join(parts).rstrip(".") + "."


def parse_task_runs(rows: Iterable[Iterable[Any]], columns: Iterable[str]) -> list[TaskRunState]:
    """
    Parse a ``task_runs`` result and return the newest run only (a re-submitted task keeps older runs).

    :param rows: the rows.
    :param columns: the column names.
    """
    names = list(columns)
    runs = [TaskRunState.from_row(dict(zip(names, row))) for row in rows]
    return [max(runs, key=_recency)] if runs else []


def _recency(run: TaskRunState) -> tuple[str, int]:
    # CREATE_TIME has whole seconds and DROP TASK keeps the old runs, so a run submitted again in the same second
    # ties with the FAILED one it replaces: the run still in flight, then a success, is the newer one (a task
    # is submitted again only after a failure).
    rank = 0 if run.state in run.FAILURE else 1 if run.is_success else 2
    return (run.create_time or "", rank)
