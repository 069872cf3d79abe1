"""Load jobs (broker loads and ``INSERT ... WITH LABEL``), identified by label in one database."""

from __future__ import annotations

from typing import Any, ClassVar

from airflow_provider_starrocks.exceptions import StarRocksLoadError, StarRocksLoadFatalError
from airflow_provider_starrocks.jobs.base import JobKind
from airflow_provider_starrocks.utils.load_state import LoadState


class LoadKind(JobKind):
    """
    A load job: read from SHOW LOAD / ``information_schema.loads``, cancelled with ``CANCEL LOAD``.

    A label can be reused after CANCELLED, so it may list several jobs; the newest decides. Finished labels are
    forgotten after ``label_keep_max_second`` (or ``label_keep_max_num``).
    """

    name: ClassVar[str] = "load"
    noun: ClassVar[str] = "load"
    status_type = LoadState
    error = StarRocksLoadError
    fatal_error = StarRocksLoadFatalError
    cancellable: ClassVar[bool] = True
    batched: ClassVar[bool] = True

    def fetch(self, hook: Any, conn: Any) -> list[Any]:
        return list(hook.get_load_states(self.database, self.identity, conn))

    async def afetch(self, hook: Any, conn: Any) -> list[Any]:
        return list(await hook.aget_load_states(self.database, self.identity, conn))

    def cancel(self, hook: Any, conn: Any) -> bool:
        return bool(hook.cancel_load(self.database, self.identity, conn))

    async def acancel(self, hook: Any, conn: Any) -> bool:
        return bool(await hook.acancel_load(self.database, self.identity, conn))

    def details(self, hook: Any, conn: Any, status: Any) -> list[str]:
        return list(hook.get_rejected_rows(status.job_id, conn))

    async def adetails(self, hook: Any, conn: Any, status: Any) -> list[str]:
        return list(await hook.aget_rejected_rows(status.job_id, conn))

    def missing_message(self) -> str:
        from airflow_provider_starrocks.utils.polling import expired_label_message

        return expired_label_message(self.identity)
