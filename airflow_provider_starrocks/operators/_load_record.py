"""What a broker-load task submitted, kept across tries so a retry follows its own job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.utils.load_state import LoadState

STORE_KEY = "starrocks_broker_load"


class LoadRecord:
    """
    This task's record of what it submitted, kept across tries in Airflow 3.3's task state store.

    Without a store (older Airflow) every method is a no-op and retries rely on the label alone.

    :param context: the task context.
    :param log: the operator's logger.
    """

    #: The task-state-store key of the record.
    KEY = STORE_KEY

    def __init__(self, context: Context, log: Any) -> None:
        self._store = context.get("task_state_store")  # type: ignore[call-overload]
        self._log = log
        self.context = context
        self.base: str | None = None

    def get(self) -> dict[str, Any] | None:
        if self._store is None:
            return None
        try:
            value = self._store.get(self.KEY)
        except Exception as exc:
            self._log.warning("Task state store unavailable (%s): retries rely on the label alone.", exc)
            return None
        return value if isinstance(value, dict) else None

    def _put(self, value: dict[str, Any]) -> None:
        if self._store is not None:
            try:
                self._store.set(self.KEY, value)
            except Exception as exc:
                self._log.warning("Could not record the load in the task state store: %s", exc)

    def set(self, base: str, label: str, job_id: int | None, owner: bool = True) -> None:
        """
        Record the label this task follows; written before a submit, so no try can submit unrecorded.

        :param base: the base label.
        :param label: the label followed (the base or a reload label).
        :param job_id: the job id, once known.
        :param owner: whether this task submitted the job (only the submitter cancels it).
        """
        self.base = base
        self._put({"base": base, "label": label, "job_id": job_id, "completed": False, "owner": owner})

    def complete(self, state: LoadState) -> None:
        current = self.get() or {}
        base = current.get("base") or self.base or state.label
        self._put(
            {
                "base": base,
                "label": state.label,
                "job_id": state.job_id,
                "completed": True,
                "owner": current.get("owner", True),
            }
        )
