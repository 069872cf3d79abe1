"""Unload query results to S3 with ``INSERT INTO FILES(...) SELECT ...`` (StarRocks 3.2+)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import StarRocksLoadFatalError
from airflow_provider_starrocks.operators._aws import StarRocksAwsOperator
from airflow_provider_starrocks.operators._unload_record import FAILED, STARTED, SUCCESS, UnloadRecord

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.operators._load_spec import UnloadSpec
    from airflow_provider_starrocks.operators._unload_plan import UnloadPlan


class StarRocksUnloadToS3Operator(StarRocksAwsOperator):
    """
    Write the result of a query (or of a table's columns) to S3 as Parquet, ORC or CSV files.

    Runs ``INSERT INTO FILES("path" = ..., "format" = ..., aws.s3.*) <query>`` and returns the rows written.
    StarRocks keeps no record of such a write (no load job, no label) and names every run's files anew, so the
    task keeps its own, per label, in Airflow 3.3's task state store: a retry after success returns the first
    try's result without writing again, and a retry after a try whose answer was lost (StarRocks may have
    written the files) fails instead of writing a second copy. Without a task state store (Airflow < 3.3) every
    try writes.

    :param path: the ``s3://`` / ``s3a://`` directory to write under (StarRocks adds a trailing ``/``).
    :param format: ``parquet`` (StarRocks 3.2+), ``orc`` or ``csv`` (3.3+).
    :param sql: the query to unload, one SELECT statement (or a ``.sql`` file); or give ``table``.
    :param table: ``database.table`` or ``catalog.database.table`` to unload, instead of ``sql``.
    :param columns: with ``table``: the columns to write (default all).
    :param where: with ``table``: a SQL predicate on its rows.
    :param format_options: CSV ``column_separator``, ``row_delimiter``, ``include_header`` (newest); Parquet
        ``use_legacy_encoding``, ``version`` (3.4.6+).
    :param properties: write properties: ``compression`` (uncompressed, snappy, lz4, zstd, gzip),
        ``partition_by`` (a column or a list), ``single`` (one file), ``target_max_file_size`` (bytes, 3.2.7+).
    :param label: the unload's identity for retries; default derived from dag_id, task_id, run_id, map index.
    :param aws_conn_id: the AWS connection; ``None`` uses the StarRocks nodes' instance profile.
    :param credential_mode: how StarRocks gets AWS credentials (see ``build_aws_properties``).
    :param region: the AWS region, overriding the connection's.
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields = (
        "path",
        "sql",
        "table",
        "columns",
        "where",
        "format_options",
        "properties",
        "unload_label",
    )
    template_ext = (".sql",)
    template_fields_renderers = {"sql": "sql", "where": "sql", "properties": "json", "format_options": "json"}
    ui_color = "#e6f2ff"

    def __init__(
        self,
        *,
        path: str,
        format: str = "parquet",  # noqa: A002 - the issue's public argument name
        sql: str | None = None,
        table: str | None = None,
        columns: list[str] | None = None,
        where: str | None = None,
        format_options: dict[str, Any] | None = None,
        properties: dict[str, Any] | None = None,
        label: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.format = format
        self.sql = sql
        self.table = table
        self.columns = columns
        self.where = where
        self.format_options = format_options
        self.properties = properties
        self.unload_label = label
        self._plan: UnloadPlan | None = None
        self._result: dict[str, Any] | None = None

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_starrocks.operators._unload_plan import build_unload_plan
        from airflow_provider_starrocks.utils.labels import task_label

        label = task_label(context["ti"], self.unload_label)
        plan = self.checked_plan(build_unload_plan, self._spec(), label, what="unload")
        self._plan = plan
        record = UnloadRecord(context, self.log)
        earlier = record.of(label)
        if earlier and earlier.get("state") == SUCCESS and isinstance(earlier.get("result"), dict):
            self.log.info("Unload %r already wrote %s (earlier try): not writing again.", label, plan.path)
            self._result = dict(earlier["result"])
            return self._result
        if earlier and earlier.get("state") == STARTED:
            raise StarRocksLoadFatalError(
                f"Unload {label!r}: an earlier try sent the INSERT INTO FILES() but lost StarRocks's answer, and "
                f"StarRocks keeps no record of unloads, so the files under {plan.path} may or may not have been "
                "written. Check that path; to write again, delete what it holds and pass a new label= (or start "
                "a new DAG run)."
            )
        if not record.available:
            self.log.warning(
                "No task state store (Airflow < 3.3): a retry of unload %r after success writes the files again.",
                label,
            )
        self.hook.require_version(plan.min_version, plan.feature)
        record.mark(label, STARTED)
        started = time.time()
        conn = self.hook.get_load_conn()
        try:
            rows = self.hook.run_write(plan.statement(), f"unload {label!r}", conn, plan.secrets)
        except Exception as exc:
            from airflow_provider_starrocks.hooks.statements import StarRocksAnswerLostError

            if not isinstance(exc, StarRocksAnswerLostError):
                record.mark(label, FAILED)
            raise
        finally:
            self.hook.close_quietly(conn)
        finished = time.time()
        result = {
            "label": label,
            "path": plan.path,
            "format": plan.format,
            "rows_written": rows,
            "started_at": started,
            "finished_at": finished,
            "duration_seconds": round(finished - started, 3),
        }
        record.mark(label, SUCCESS, result)
        self.log.info("Unload %r: %s rows written under %s.", label, rows, plan.path)
        self._result = result
        return result

    def _spec(self) -> UnloadSpec:
        from airflow_provider_starrocks.operators._load_spec import UnloadSpec

        return self.spec_of(UnloadSpec)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the tables read (with ``table=``) and the S3 directory written, with the rows written.

        :param task_instance: the task instance (unused: the plan and result are kept from ``execute``).
        """
        from airflow_provider_starrocks.hooks.starrocks import DEFAULT_CATALOG
        from airflow_provider_starrocks.utils import lineage

        plan, result = self._plan, self._result or {}
        if plan is None:
            return None
        try:
            namespace = lineage.hook_namespace(self.hook)
            tables = plan.tables or _query_tables(plan.query)
            inputs = [
                lineage.DatasetSpec(
                    namespace, lineage.table_name(*((DEFAULT_CATALOG, *t) if len(t) == 2 else t))
                )
                for t in tables
            ]
            bucket, key = lineage.s3_dataset(plan.path)
            output = lineage.DatasetSpec(bucket, key, rows=result.get("rows_written"))
        except Exception as exc:  # lineage never fails the task
            self.log.warning("No OpenLineage datasets for this unload: %s", exc)
            return None
        return lineage.operator_lineage(inputs, [output], job_id=result.get("label"), source=namespace)


def _query_tables(query: str) -> list[tuple[str, ...]]:
    """
    Return the ``db.table`` / ``catalog.db.table`` names a query reads (OpenLineage's SQL parser, if installed).

    Unqualified names are left out: which database they mean depends on the session.

    :param query: the unloaded query.
    """
    try:
        import openlineage_sql
    except ImportError:
        return []
    parsed = openlineage_sql.parse([query], dialect="mysql")
    return [
        tuple(part for part in (t.database, t.schema, t.name) if part) for t in parsed.in_tables if t.schema
    ]
