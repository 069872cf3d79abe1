"""
This task's record of its unload, kept across tries: StarRocks keeps none.

An ``INSERT INTO FILES()`` registers no load job and no transaction in StarRocks (``StmtExecutor.handleDMLStmt``
skips ``registerLoadJob`` for ``isTableFunctionTable()``; ``StatementPlanner`` returns before using the label),
and every run writes new file names. So only Airflow can tell that a try already wrote the files: the record
lives in Airflow 3.3's task state store (without one, every try writes).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_starrocks.operators._load_record import LoadRecord

STARTED, FAILED, SUCCESS = "STARTED", "FAILED", "SUCCESS"


class UnloadRecord(LoadRecord):
    """The unload's state per label: ``STARTED`` (sent, no answer yet), ``FAILED`` (answered) or ``SUCCESS``."""

    KEY = "starrocks_unload"

    @property
    def available(self) -> bool:
        return self._store is not None

    def of(self, label: str) -> dict[str, Any] | None:
        """
        Return the record of ``label``, if this task has one.

        :param label: the unload's label.
        """
        value = self.get()
        return value if value and value.get("label") == label else None

    def mark(self, label: str, state: str, result: dict[str, Any] | None = None) -> None:
        """
        Record ``state`` for ``label`` (with the XCom result on success).

        :param label: the unload's label.
        :param state: ``STARTED``, ``FAILED`` or ``SUCCESS``.
        :param result: the operator's result.
        """
        self._put({"label": label, "state": state, "result": dict(result) if result else None})
