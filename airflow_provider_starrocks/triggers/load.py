"""The load trigger of earlier releases, kept so that triggers serialized by them still run."""

from __future__ import annotations

from airflow_provider_starrocks.triggers.job import StarRocksJobTrigger


class StarRocksLoadTrigger(StarRocksJobTrigger):
    """
    Follow a load label (or a submitted task): :class:`.StarRocksJobTrigger` with the arguments of earlier releases.

    It serializes as a :class:`.StarRocksJobTrigger`.

    :param starrocks_conn_id: the StarRocks connection id.
    :param database: the database of the label.
    :param label: the load label, or the task name.
    :param job_id: the job id seen when deferring, or ``None`` when none was seen yet.
    :param poll_interval: seconds between polls.
    :param deadline: absolute deadline, seconds since the epoch.
    :param cancel_on_kill: send ``CANCEL LOAD`` at the deadline and when the task is killed.
    :param kind: ``"load"`` or ``"task_run"`` (always treated as submitted, never cancelled).
    """

    def __init__(
        self,
        *,
        starrocks_conn_id: str,
        database: str,
        label: str,
        job_id: int | None,
        poll_interval: float,
        deadline: float,
        cancel_on_kill: bool = True,
        kind: str = "load",
    ) -> None:
        if kind not in ("load", "task_run"):
            raise ValueError(f"kind must be one of ('load', 'task_run'), got {kind!r}.")
        super().__init__(
            starrocks_conn_id=starrocks_conn_id,
            database=database,
            kind=kind,
            identity=label,
            job_id=job_id,
            poll_interval=poll_interval,
            deadline=deadline,
            cancel_on_kill=cancel_on_kill,
            submitted=job_id is not None or kind == "task_run",
        )

    @property
    def label(self) -> str:
        return self.identity
