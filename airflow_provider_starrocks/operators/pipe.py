"""Create, alter (suspend / resume / retry) and drop StarRocks pipes: S3 prefixes ingested continuously (3.2+)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import StarRocksLoadFatalError
from airflow_provider_starrocks.operators._aws import StarRocksAwsOperator
from airflow_provider_starrocks.operators._hook import StarRocksBaseOperator
from airflow_provider_starrocks.utils.arguments import check_flag
from airflow_provider_starrocks.utils.sql import validate_name
from airflow_provider_starrocks.utils.statements.pipes import (
    ALTER_CLAUSES,
    PIPE_SINCE,
    alter_pipe,
    drop_pipe,
    pipes,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.operators._load_spec import PipeSpec


class _PipeOperator(StarRocksBaseOperator):
    """
    What the pipe operators share: the pipe's name, and reading its row in ``information_schema.pipes``.

    :param database: the pipe's database.
    :param pipe: the pipe name.
    :param starrocks_conn_id: the StarRocks connection.
    """

    ui_color = "#e6f2ff"

    def __init__(self, *, database: str, pipe: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.database = database
        self.pipe = pipe

    def _pipe_row(self, conn: Any) -> dict[str, Any] | None:
        rows, columns = self.hook._fetch(conn, pipes(self.database, self.pipe))
        found = [dict(zip(columns, row)) for row in rows]
        found = [
            r for r in found if r.get("PIPE_NAME") == self.pipe and r.get("DATABASE_NAME") == self.database
        ]
        if not found:
            return None
        row = max(found, key=lambda r: int(r.get("PIPE_ID") or 0))
        return {
            "database": self.database,
            "pipe": self.pipe,
            "pipe_id": int(row["PIPE_ID"]) if row.get("PIPE_ID") is not None else None,
            "state": row.get("STATE"),
            "table": row.get("TABLE_NAME"),
            "load_status": row.get("LOAD_STATUS"),
            "last_error": row.get("LAST_ERROR"),
        }

    def _check_names(self) -> None:
        try:
            validate_name(self.database, "database", "database")
            validate_name(self.pipe, "pipe")
        except ValueError as exc:
            raise StarRocksLoadFatalError(f"Invalid pipe arguments: {exc}") from None


class StarRocksCreatePipeOperator(_PipeOperator, StarRocksAwsOperator):
    """
    Create a pipe: ``CREATE [OR REPLACE] PIPE [IF NOT EXISTS] db.pipe PROPERTIES (...) AS INSERT INTO db.table SELECT ... FROM FILES(...)``.

    StarRocks then lists the files under ``source`` every ``POLL_INTERVAL`` seconds and loads new ones in
    batches. The pipe stores its FILES() properties, so session tokens are refused (``credential_mode=
    'temporary'`` and connections with ``aws_session_token``): use an instance profile, an assumed role or static
    keys. Before StarRocks 3.5.6 the pipe's load tasks show static keys in ``information_schema.tasks``.

    :param database: the database of the pipe and of its target table.
    :param pipe: the pipe name.
    :param table: the target table.
    :param source: the ``s3://`` prefix or glob the pipe watches, e.g. ``s3://bucket/daily/*``.
    :param format: ``parquet``, ``orc`` or ``csv``.
    :param format_options: CSV ``column_separator``, ``row_delimiter``, ``skip_header``, ``trim_space``,
        ``enclose``, ``escape``.
    :param select: the select list (default ``*``); no aggregation (StarRocks refuses it in a pipe).
    :param properties: pipe properties: ``AUTO_INGEST``, ``POLL_INTERVAL`` (1-3600 s), ``BATCH_SIZE``
        (e.g. ``"1GB"``), ``BATCH_FILES`` (1-1024), ``WAREHOUSE``, ``TASK.<session variable>``.
    :param if_exists: ``error`` (default), ``ignore`` (keep the existing pipe) or ``replace`` (3.2.3+).
    :param aws_conn_id: the AWS connection; ``None`` uses the StarRocks nodes' instance profile.
    :param credential_mode: how StarRocks gets AWS credentials (see ``build_aws_properties``).
    :param region: the AWS region, overriding the connection's.
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields = ("database", "pipe", "table", "source", "format_options", "select", "properties")
    template_fields_renderers = {"properties": "json", "format_options": "json", "select": "sql"}

    def __init__(
        self,
        *,
        database: str,
        pipe: str,
        table: str,
        source: str,
        format: str = "parquet",  # noqa: A002 - the issue's public argument name
        format_options: dict[str, Any] | None = None,
        select: str = "*",
        properties: dict[str, Any] | None = None,
        if_exists: str = "error",
        **kwargs: Any,
    ) -> None:
        super().__init__(database=database, pipe=pipe, **kwargs)
        self.table = table
        self.source = source
        self.format = format
        self.format_options = format_options
        self.select = select
        self.properties = properties
        self.if_exists = if_exists

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_starrocks.operators._files_task import (
            SAFER_MODES,
            carries_keys,
            task_tables_redact,
        )
        from airflow_provider_starrocks.operators._pipe_plan import build_pipe_plan

        plan = self.checked_plan(build_pipe_plan, self._spec(), what="CREATE PIPE")
        version = self.hook.require_version(plan.min_version, plan.feature)
        if carries_keys(plan.auth) and not task_tables_redact(version):
            self.log.warning(
                "StarRocks %s runs each batch of pipe %r as a task whose definition holds the FILES() properties "
                "(load/pipe/Pipe.java buildInsertSql); before 3.5.6 information_schema.tasks and task_runs show "
                "the connection's AWS keys in clear text to anyone with a privilege on the database. Use %s.",
                ".".join(map(str, version)),
                self.pipe,
                SAFER_MODES,
            )
        conn = self.hook.get_load_conn()
        try:
            existing = self._pipe_row(conn)
            if existing is not None and self.if_exists == "ignore":
                self.log.info(
                    "Pipe %s.%s exists (if_exists='ignore'): left as it is.", self.database, self.pipe
                )
                return {**existing, "action": "ignored"}
            self.hook.run_write(
                plan.statement(), f"CREATE PIPE {self.database}.{self.pipe}", conn, plan.secrets
            )
            row = self._pipe_row(conn) or {"database": self.database, "pipe": self.pipe}
        finally:
            self.hook.close_quietly(conn)
        action = "replaced" if existing is not None else "created"
        self.log.info("Pipe %s.%s %s: %s", self.database, self.pipe, action, row.get("state"))
        return {**row, "action": action}

    def _spec(self) -> PipeSpec:
        from airflow_provider_starrocks.operators._load_spec import PipeSpec

        return self.spec_of(PipeSpec)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the S3 prefix the pipe reads and the table it loads (the pipe itself moves the data later).

        :param task_instance: the task instance (unused).
        """
        from airflow_provider_starrocks.hooks.starrocks import DEFAULT_CATALOG
        from airflow_provider_starrocks.utils import lineage

        try:
            namespace = lineage.hook_namespace(self.hook)
            inputs = lineage.s3_datasets([self.source])
            output = lineage.DatasetSpec(
                namespace, lineage.table_name(DEFAULT_CATALOG, self.database, self.table)
            )
        except Exception as exc:  # lineage never fails the task
            self.log.warning("No OpenLineage datasets for this pipe: %s", exc)
            return None
        return lineage.operator_lineage(
            inputs, [output], job_id=f"pipe {self.database}.{self.pipe}", source=namespace
        )


class StarRocksAlterPipeOperator(_PipeOperator):
    """
    Suspend, resume or retry a pipe: ``ALTER PIPE db.pipe SUSPEND | RESUME | RETRY ALL``.

    ``retry`` loads every file in ERROR again.

    :param database: the pipe's database.
    :param pipe: the pipe name.
    :param action: ``suspend``, ``resume`` or ``retry``.
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields = ("database", "pipe", "action")

    def __init__(
        self,
        *,
        database: str,
        pipe: str,
        action: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(database=database, pipe=pipe, **kwargs)
        self.action = action

    def execute(self, context: Context) -> dict[str, Any]:
        self._check_names()
        action = self.action.strip().lower() if isinstance(self.action, str) else self.action
        if action not in ALTER_CLAUSES:
            raise StarRocksLoadFatalError(
                f"Invalid ALTER PIPE arguments: action: {self.action!r} is not supported; "
                f"use one of {', '.join(ALTER_CLAUSES)}."
            )
        self.hook.require_version(PIPE_SINCE, "pipes (ALTER PIPE)")
        conn = self.hook.get_load_conn()
        try:
            self.hook.run_write(alter_pipe(self.database, self.pipe, action), "ALTER PIPE", conn)
            row = self._pipe_row(conn) or {"database": self.database, "pipe": self.pipe}
        finally:
            self.hook.close_quietly(conn)
        self.log.info("Pipe %s.%s after %s: %s", self.database, self.pipe, action, row.get("state"))
        return {**row, "action": action}


class StarRocksDropPipeOperator(_PipeOperator):
    """
    Drop a pipe: ``DROP PIPE [IF EXISTS] db.pipe``. The rows it loaded stay in the table.

    :param database: the pipe's database.
    :param pipe: the pipe name.
    :param if_exists: succeed when there is no such pipe.
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields = ("database", "pipe")

    def __init__(
        self,
        *,
        database: str,
        pipe: str,
        if_exists: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(database=database, pipe=pipe, **kwargs)
        self.if_exists = check_flag(if_exists, "if_exists")

    def execute(self, context: Context) -> dict[str, Any]:
        self._check_names()
        self.hook.require_version(PIPE_SINCE, "pipes (DROP PIPE)")
        conn = self.hook.get_load_conn()
        try:
            existed = self._pipe_row(conn) is not None
            self.hook.run_write(drop_pipe(self.database, self.pipe, self.if_exists), "DROP PIPE", conn)
        finally:
            self.hook.close_quietly(conn)
        self.log.info("Pipe %s.%s %s.", self.database, self.pipe, "dropped" if existed else "was absent")
        return {"database": self.database, "pipe": self.pipe, "dropped": existed}
