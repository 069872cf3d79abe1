"""Wait until a pipe has loaded the files under a prefix (or a list of files): "today's files are in"."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException, AirflowSensorTimeout, PokeReturnValue

from airflow_provider_starrocks.sensors._base import StarRocksJobSensor
from airflow_provider_starrocks.utils.arguments import check_sources
from airflow_provider_starrocks.utils.sql import validate_name

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.jobs.pipe import PipeFilesKind, PipeFilesStatus

_SHOWN = 20  # file names listed in a message before "... and N more"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" ... and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def check_pipe_sensor_args(
    database: object, pipe: object, path_prefix: object, files: object
) -> list[str] | None:
    """
    Check the sensor's arguments; return the explicit file list (or ``None`` for a prefix), else raise.

    :param database: the pipe's database.
    :param pipe: the pipe.
    :param path_prefix: the prefix.
    :param files: the explicit files.
    """
    validate_name(database, "database", "database")  # type: ignore[arg-type]
    validate_name(pipe, "pipe")  # type: ignore[arg-type]
    if (path_prefix is None) == (files is None):
        raise ValueError("path_prefix / files: give exactly one of them (a prefix such as s3://bucket/daily/2024-01-01/, "
                         "or a list of s3:// file names).")  # fmt: skip
    if path_prefix is not None:
        if not isinstance(path_prefix, str):
            raise ValueError(f"path_prefix: got {path_prefix!r}; pass one s3:// prefix.")
        check_sources(path_prefix, "path_prefix")
        return None
    if isinstance(files, str):
        files = [files]
    checked = check_sources(files, "files")
    if any(any(c in f for c in "*?[{") for f in checked):
        raise ValueError("files: contains a wildcard; list file names, or pass path_prefix= for a directory.")
    return checked


class StarRocksPipeSensor(StarRocksJobSensor):
    """
    Wait until the files under ``path_prefix`` (or exactly ``files``) are FINISHED in ``information_schema.pipe_files``.

    With ``path_prefix`` the sensor waits for at least one file under it and for every listed one to be
    FINISHED; with ``files`` (templated, e.g. ``["s3://bucket/daily/{{ ds }}/part-0.parquet"]``) for each of them
    to be listed and FINISHED. A file in ERROR fails the task with StarRocks's ERROR_MSG (``ALTER PIPE ... RETRY``
    loads it again); a timeout names the files still pending. Deferrable: the triggerer follows the
    ``pipe_files`` job kind. The sensor never changes the pipe.

    :param database: the pipe's database.
    :param pipe: the pipe name.
    :param path_prefix: an ``s3://`` prefix, e.g. ``s3://bucket/daily/{{ ds }}/``.
    :param files: the full ``s3://`` names of the files to wait for, instead of ``path_prefix``.
    :param starrocks_conn_id: the StarRocks connection.
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    template_fields = ("database", "pipe", "path_prefix", "files")
    ui_color = "#e6f2ff"

    def __init__(
        self,
        *,
        database: str,
        pipe: str,
        path_prefix: str | None = None,
        files: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.database = database
        self.pipe = pipe
        self.path_prefix = path_prefix
        self.files = files
        self._status: PipeFilesStatus | None = None
        self._job: PipeFilesKind | None = None

    def _prepare(self) -> PipeFilesKind:
        from airflow_provider_starrocks.jobs.pipe import PipeFilesKind, pipe_identity

        try:
            wanted = check_pipe_sensor_args(self.database, self.pipe, self.path_prefix, self.files)
        except ValueError as exc:
            raise AirflowFailException(f"Invalid pipe sensor arguments: {exc}") from None
        self._job = PipeFilesKind(self.database, pipe_identity(self.pipe, self.path_prefix, wanted))
        return self._job

    def _timeout_text(self, status: PipeFilesStatus | None) -> str:
        pending = list(status.pending) if status else []
        return (
            f"Pipe {self.database}.{self.pipe}: timed out; "
            + (
                f"{len(pending)} file(s) still pending: {_names(pending)}"
                if pending
                else "no file listed yet"
            )
            + f" under {self.path_prefix or 'the files given'}."
        )

    def execute(self, context: Context) -> Any:
        job = self._prepare()
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout:
                raise AirflowSensorTimeout(self._timeout_text(self._status)) from None
        result = self.poke(context)
        if result.is_done:
            return result.xcom_value
        self.defer_job(job, self._status, time.time() + self.timeout, submitted=True)
        return None

    def poke(self, context: Context) -> PokeReturnValue:
        from airflow_provider_starrocks.jobs.pipe import ERROR, FINISHED

        job = self._job or self._prepare()
        conn = self.hook.get_load_conn()
        try:
            found = job.fetch(self.hook, conn)
        finally:
            self.hook.close_quietly(conn)
        if not found:
            raise AirflowFailException(
                f"Pipe {self.database}.{self.pipe} does not exist (information_schema.pipes lists no such pipe): "
                "create it first, e.g. with StarRocksCreatePipeOperator."
            )
        status: PipeFilesStatus = found[0]
        self._status = status
        if status.state == ERROR:
            raise AirflowFailException(f"Pipe {self.database}.{self.pipe}: {status.failure_message()}")
        self.log.info("StarRocks %s", status.describe())
        return PokeReturnValue(status.state == FINISHED, self.job_result(context, status))

    def job_result(self, context: Context, status: Any) -> dict[str, Any]:
        return {"database": self.database, "pipe": self.pipe, "files": list(status.finished)}

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Finish after the trigger; a timeout names the files still pending."""
        from airflow_provider_starrocks.jobs.pipe import PipeFilesStatus

        if isinstance(event, dict) and event.get("timeout"):
            state = event.get("state")
            raise AirflowSensorTimeout(
                self._timeout_text(PipeFilesStatus.from_dict(state) if state else None)
            )
        return super().execute_complete(context, event)
