"""Runs of a submitted task (``SUBMIT TASK name AS INSERT ...``), identified by task name."""

from __future__ import annotations

from typing import Any, ClassVar

from airflow_provider_starrocks.exceptions import StarRocksLoadError, StarRocksLoadFatalError
from airflow_provider_starrocks.jobs.base import JobKind
from airflow_provider_starrocks.utils.task_run_state import TaskRunState


class TaskRunKind(JobKind):
    """
    A task run: read from ``information_schema.task_runs`` (newest run of the task); StarRocks has no cancel for it.

    A failed run explains itself with the rejected rows of the INSERT it ran, found by the task's label.
    """

    name: ClassVar[str] = "task_run"
    noun: ClassVar[str] = "task"
    status_type = TaskRunState
    error = StarRocksLoadError
    fatal_error = StarRocksLoadFatalError

    def fetch(self, hook: Any, conn: Any) -> list[Any]:
        return list(hook.get_task_runs(self.identity, conn))

    async def afetch(self, hook: Any, conn: Any) -> list[Any]:
        return list(await hook.aget_task_runs(self.identity, conn))

    def details(self, hook: Any, conn: Any, status: Any) -> list[str]:
        from airflow_provider_starrocks.utils.load_state import current_job

        load = current_job(hook.get_load_states(self.database, self.identity, conn))
        return list(hook.get_rejected_rows(load.job_id, conn)) if load is not None else []

    def missing_message(self) -> str:
        return (
            f"StarRocks task {self.identity!r}: state unknown. It was submitted but information_schema.task_runs "
            "no longer lists its run (task_runs_ttl_second): check the target table before clearing the task."
        )
