"""Wait for a StarRocks load label submitted elsewhere (poke or deferrable)."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import PokeReturnValue

from airflow_provider_starrocks.exceptions import StarRocksLoadError, StarRocksLoadFatalError
from airflow_provider_starrocks.jobs import get_kind
from airflow_provider_starrocks.sensors._base import StarRocksJobSensor
from airflow_provider_starrocks.utils.polling import LoadWatch
from airflow_provider_starrocks.utils.sql import validate_label, validate_name

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.utils.load_state import LoadState


class StarRocksLoadSensor(StarRocksJobSensor):
    """
    Wait until the current job of a load label is FINISHED; fail when it is CANCELLED or UNKNOWN.

    A label with no job yet is waited for. The current job is the one with the highest job id (a CANCELLED
    label may be reused). The sensor never cancels the load: it does not own it.

    :param label: the load label.
    :param database: the database of the label.
    :param starrocks_conn_id: the StarRocks connection.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    template_fields = ("load_label", "database")

    def __init__(self, *, label: str, database: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.load_label = label
        self.database = database
        self._seen = False

    def _check(self, state: LoadState | None) -> PokeReturnValue:
        if state is None:
            self.log.info("No job under label %r in %r yet.", self.load_label, self.database)
            return PokeReturnValue(is_done=False)
        self.log.info("StarRocks load %s", state.describe())
        if state.is_success:
            return PokeReturnValue(is_done=True, xcom_value=self._result(state))
        if state.is_terminal:
            conn = self.hook.get_load_conn()
            try:
                rejected = self.hook.get_rejected_rows(state.job_id, conn)
            finally:
                conn.close()
            error = StarRocksLoadFatalError if state.is_fatal else StarRocksLoadError
            raise error(state.failure_message(rejected))
        return PokeReturnValue(is_done=False)

    def _result(self, state: LoadState) -> dict[str, Any]:
        return dataclasses.replace(state, database=self.database).to_dict()

    def _check_arguments(self) -> None:
        try:
            validate_name(self.database, "database", "database")
            validate_label(self.load_label)
        except ValueError as exc:
            raise StarRocksLoadFatalError(f"Invalid load sensor arguments: {exc}") from None

    def poke(self, context: Context) -> PokeReturnValue:
        self._check_arguments()
        conn = self.hook.get_load_conn()
        try:
            jobs: Any = get_kind("load")(self.database, self.load_label).fetch(self.hook, conn)
        finally:
            conn.close()
        watch = LoadWatch(self.load_label, submitted=self._seen)
        state = watch.observe(jobs)
        self._seen = watch.submitted
        return self._check(state)

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        result = self.poke(context)
        if result.is_done:
            return result.xcom_value
        job = get_kind("load")(self.database, self.load_label)
        self.defer_job(job, None, time.time() + self.timeout, submitted=self._seen)
        return None

    def job_result(self, context: Context, status: Any) -> dict[str, Any]:
        return self._result(status)
