"""Wait until a pipe has loaded the files under a prefix (or a list of files): "today's files are in"."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import (
    AirflowFailException,
    AirflowSensorTimeout,
    BaseSensorOperator,
    PokeReturnValue,
)

from airflow_provider_starrocks.jobs.pipe_files import (
    ERROR,
    FINISHED,
    PipeFilesSummary,
    parse_pipe_files,
    summarize,
)
from airflow_provider_starrocks.utils.load_options import check_sources
from airflow_provider_starrocks.utils.sql import validate_name
from airflow_provider_starrocks.utils.statements.pipes import pipe_files, pipes

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

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


class StarRocksPipeSensor(BaseSensorOperator):
    """
    Wait until the files under ``path_prefix`` (or exactly ``files``) are FINISHED in ``information_schema.pipe_files``.

    With ``path_prefix`` the sensor waits for at least one file under it and for every listed one to be
    FINISHED; with ``files`` (templated, e.g. ``["s3://bucket/daily/{{ ds }}/part-0.parquet"]``) for each of them
    to be listed and FINISHED. A file in ERROR fails the task with StarRocks's ERROR_MSG (``ALTER PIPE ... RETRY``
    loads it again); a timeout names the files still pending.

    :param database: the pipe's database.
    :param pipe: the pipe name.
    :param path_prefix: an ``s3://`` prefix, e.g. ``s3://bucket/daily/{{ ds }}/``.
    :param files: the full ``s3://`` names of the files to wait for, instead of ``path_prefix``.
    :param starrocks_conn_id: the StarRocks connection.
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
        starrocks_conn_id: str = "starrocks_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.database = database
        self.pipe = pipe
        self.path_prefix = path_prefix
        self.files = files
        self.starrocks_conn_id = starrocks_conn_id
        self._summary: PipeFilesSummary | None = None
        self._pipe_checked = False

    @cached_property
    def hook(self) -> StarRocksHook:
        from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

        return StarRocksHook(starrocks_conn_id=self.starrocks_conn_id)

    def execute(self, context: Context) -> Any:
        try:
            self._wanted = check_pipe_sensor_args(self.database, self.pipe, self.path_prefix, self.files)
        except ValueError as exc:
            raise AirflowFailException(f"Invalid pipe sensor arguments: {exc}") from None
        try:
            return super().execute(context)
        except AirflowSensorTimeout:
            summary = self._summary
            pending = list(summary.pending) if summary else []
            raise AirflowSensorTimeout(
                f"Pipe {self.database}.{self.pipe}: timed out; "
                + (
                    f"{len(pending)} file(s) still pending: {_names(pending)}"
                    if pending
                    else "no file listed yet"
                )
                + f" under {self.path_prefix or 'the files given'}."
            ) from None

    def poke(self, context: Context) -> PokeReturnValue:
        conn = self.hook.get_load_conn()
        try:
            if not self._pipe_checked:
                _, rows = self.hook._fetch(conn, pipes(self.database, self.pipe))
                if not rows:
                    raise AirflowFailException(
                        f"Pipe {self.database}.{self.pipe} does not exist (information_schema.pipes lists no such "
                        "pipe): create it first, e.g. with StarRocksCreatePipeOperator."
                    )
                self._pipe_checked = True
            columns, rows = self.hook._fetch(conn, pipe_files(self.database, self.pipe, self._wanted))
        finally:
            self.hook.close_quietly(conn)
        summary = summarize(
            parse_pipe_files(columns, rows), path_prefix=self.path_prefix, wanted=self._wanted
        )
        self._summary = summary
        if summary.state == ERROR:
            name, message = summary.errors[0]
            more = f" ({len(summary.errors) - 1} more in ERROR)" if len(summary.errors) > 1 else ""
            raise AirflowFailException(
                f"Pipe {self.database}.{self.pipe} failed to load {name}: {message}{more}. Fix the file or the "
                "table, then ALTER PIPE ... RETRY ALL (StarRocksAlterPipeOperator(action='retry'))."
            )
        self.log.info(
            "Pipe %s.%s: %s, %d file(s) finished, %d pending.",
            self.database,
            self.pipe,
            summary.state,
            len(summary.finished),
            len(summary.pending),
        )
        done = summary.state == FINISHED
        return PokeReturnValue(
            done, {"database": self.database, "pipe": self.pipe, "files": list(summary.finished)}
        )
