"""The base of the StarRocks sensors: the connection and the deferral arguments, and never cancelling."""

from __future__ import annotations

from typing import Any, ClassVar

from airflow.providers.common.compat.sdk import AirflowSensorTimeout, BaseSensorOperator

from airflow_provider_starrocks.operators._job import StarRocksJobMixin


class StarRocksJobSensor(StarRocksJobMixin, BaseSensorOperator):
    """
    Wait (poke, or deferred to the triggerer) for a StarRocks job that this task does not own.

    A deadline passed raises ``AirflowSensorTimeout`` (not retried), and the job is never cancelled.

    :param starrocks_conn_id: the StarRocks connection.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    timeout_error: ClassVar[type[Exception] | None] = AirflowSensorTimeout
    cancel_on_kill = False  # the job is another task's (or the pipe's): nothing here may cancel it

    def __init__(
        self, *, starrocks_conn_id: str = "starrocks_default", deferrable: bool | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.starrocks_conn_id = starrocks_conn_id
        self.set_job_arguments(deferrable)
