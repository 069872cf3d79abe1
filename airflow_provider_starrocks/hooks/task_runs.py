"""Submitted-task status for :class:`StarRocksHook`: ``information_schema.task_runs`` and ``DROP TASK``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.utils.statements.files import drop_task, task_runs
from airflow_provider_starrocks.utils.task_run_state import TaskRunState, parse_task_runs

if TYPE_CHECKING:
    from airflow_provider_starrocks.utils.sql import Statement


class TaskRunMixin:
    """Task-run methods of :class:`~airflow_provider_starrocks.hooks.starrocks.StarRocksHook` (sync and async)."""

    if TYPE_CHECKING:
        from logging import Logger

        log: Logger

        def _fetch(self, conn: Any, statement: Statement) -> tuple[list[str], list[Any]]: ...
        async def _afetch(self, conn: Any, statement: Statement) -> tuple[list[str], list[Any]]: ...

    def get_task_runs(self, task_name: str, conn: Any) -> list[TaskRunState]:
        """
        Return the newest run of a task (an empty list when StarRocks lists none).

        :param task_name: the task name.
        :param conn: a connection from ``get_load_conn()``.
        """
        return parse_task_runs(*self._fetch(conn, task_runs(task_name)))

    async def aget_task_runs(self, task_name: str, conn: Any) -> list[TaskRunState]:
        """
        Async twin of :meth:`get_task_runs`.

        :param task_name: the task name.
        :param conn: a connection from ``aget_load_conn()``.
        """
        return parse_task_runs(*await self._afetch(conn, task_runs(task_name)))

    def drop_task(self, task_name: str, conn: Any) -> bool:
        """
        Send ``DROP TASK``; return ``False`` when StarRocks has no such task (already dropped or expired).

        ``DROP TASK`` removes the task, and with it its definition, from ``information_schema.tasks``; the runs
        stay in ``information_schema.task_runs`` (qe/DDLStmtExecutor.java visitDropTaskStmt ->
        scheduler/TaskManager.java dropTasks). Other errors are raised.

        :param task_name: the task name.
        :param conn: a connection in the task's database.
        """
        statement = drop_task(task_name)
        self.log.info("Dropping StarRocks task %r: %s", task_name, statement.redacted)
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement.sql)
        except Exception as exc:
            # DDLStmtExecutor: "Task <name> is not exist" (test/sql/test_task/R/test_drop).
            if f"Task {task_name} is not exist" in str(exc):
                self.log.info("StarRocks task %r does not exist (already dropped).", task_name)
                return False
            raise
        return True
