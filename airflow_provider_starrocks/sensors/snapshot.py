"""Wait for a snapshot to appear in a StarRocks backup repository (poke or deferrable)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException, PokeReturnValue

from airflow_provider_starrocks.operators._backup_args import (
    BackupArgumentError,
    check_repository,
    check_snapshot,
)
from airflow_provider_starrocks.sensors._base import StarRocksJobSensor

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.jobs.snapshot import SnapshotKind, SnapshotStatus


class StarRocksSnapshotSensor(StarRocksJobSensor):
    """
    Wait until a snapshot has a backup in a repository, e.g. a read-only repository on a second cluster.

    On that cluster, give the repository the same name and location as the writing cluster's: the name is part
    of the S3 path.

    Reads ``SHOW SNAPSHOT ON <repo> WHERE SNAPSHOT = "<name>"``: the snapshot is there once StarRocks lists a
    backup timestamp for it with status ``OK`` (a backup writes its ``__info_<timestamp>`` file last, so a
    listed snapshot is complete). The XCom is ``{"repository", "snapshot", "backup_timestamp" (the newest),
    "timestamps"}``. A repository that does not exist fails the sensor at once. Needs REPOSITORY on SYSTEM.

    :param repository: the repository.
    :param snapshot: the snapshot name.
    :param starrocks_conn_id: the StarRocks connection.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = ("repository", "snapshot")

    def __init__(self, *, repository: str, snapshot: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.repository = repository
        self.snapshot = snapshot

    def _kind(self) -> SnapshotKind:
        try:
            check_repository(self.repository)
            check_snapshot(self.snapshot)
        except BackupArgumentError as err:
            raise AirflowFailException(f"{type(self).__name__} {self.task_id!r}: {err}") from None
        from airflow_provider_starrocks.jobs.snapshot import SnapshotKind

        return SnapshotKind(self.repository, self.snapshot)

    def _read(self, kind: SnapshotKind, conn: Any) -> SnapshotStatus | None:
        from airflow_provider_starrocks.hooks.load_status import driver_message
        from airflow_provider_starrocks.jobs.snapshot import SnapshotStatus

        try:
            found = kind.fetch(self.hook, conn)
        except Exception as exc:
            message = driver_message(exc)
            if "does not exist" in message:  # ShowSnapshotAnalyzer: "Repository [<name>] does not exist"
                raise AirflowFailException(f"StarRocks: {message}; create the repository first.") from None
            raise
        status = found[0] if found else None
        return status if isinstance(status, SnapshotStatus) else None

    def poke(self, context: Context) -> PokeReturnValue:
        kind = self._kind()
        conn = self.hook.get_load_conn()
        try:
            status = self._read(kind, conn)
        finally:
            self.hook.close_quietly(conn)
        if status is None:
            self.log.info("Snapshot %r is not in repository %r yet.", self.snapshot, self.repository)
            return PokeReturnValue(is_done=False)
        self.log.info("StarRocks %s", status.describe())
        return PokeReturnValue(is_done=True, xcom_value=self.job_result(context, status))

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        kind = self._kind()
        conn = self.hook.get_load_conn()
        try:
            status = self._read(kind, conn)
            if status is not None:
                return self.job_result(context, status)
            import time

            # A snapshot nobody here submitted: its absence is waited through until the sensor's timeout.
            self.defer_job(kind, None, time.time() + float(self.timeout), submitted=False)
        finally:
            self.hook.close_quietly(conn)
        return None  # pragma: no cover - defer_job raises

    def job_result(self, context: Context, status: Any) -> dict[str, Any]:
        snapshot: SnapshotStatus = status
        return {
            "repository": self.repository,
            "snapshot": snapshot.label,
            "backup_timestamp": snapshot.newest,
            "timestamps": list(snapshot.timestamps),
        }
