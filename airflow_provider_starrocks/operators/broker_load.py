"""Load S3 files into StarRocks with a broker load, polled to its end, sync or deferrable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.jobs import get_kind
from airflow_provider_starrocks.operators._label_load import LOAD_TEMPLATE_FIELDS, StarRocksLabelLoadOperator
from airflow_provider_starrocks.utils.arguments import check_flag
from airflow_provider_starrocks.utils.polling import load_deadline

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.operators._broker_load_plan import BrokerLoadSpec
    from airflow_provider_starrocks.operators._load_record import LoadRecord
    from airflow_provider_starrocks.utils.load_state import LoadState

XCOM_KEY = "starrocks_load"
# The trigger enforces the deadline itself; the deferral timeout is only a backstop beyond it.


class StarRocksS3BrokerLoadOperator(StarRocksLabelLoadOperator):
    """
    Load files from S3 with ``LOAD LABEL ... WITH BROKER`` and wait for the job to end.

    The label (default: derived from dag_id, task_id, run_id and map index) makes retries and re-runs find
    their earlier job instead of loading twice, within StarRocks's label retention.

    :param database: the target database (and the label's).
    :param table: the target table (single-table form).
    :param source: one ``s3://`` / ``s3a://`` path or a list, globs allowed.
    :param format: ``csv``, ``parquet``, ``orc`` or ``json``; StarRocks infers it from the extension if unset.
    :param format_options: CSV ``column_separator``, ``row_delimiter``, ``skip_header``, ``trim_space``,
        ``enclose``, ``escape``; JSON ``jsonpaths``, ``json_root``, ``strip_outer_array``.
    :param columns: the column list mapping file columns to names.
    :param set_expressions: target column -> SQL expression (the ``SET`` clause).
    :param where: a SQL predicate filtering rows.
    :param partitions: the target partitions.
    :param data_descriptions: for multi-table loads, a list of dicts with the keys above (``table``, ``source``,
        ``format``, ``format_options``, ``columns``, ``set_expressions``, ``where``, ``partitions``).
    :param properties: load PROPERTIES (``timeout``, ``max_filter_ratio``, ``strict_mode``, ...); known keys are
        type-checked, unknown keys passed on with a warning.
    :param label: the load label; default derived from the task instance.
    :param on_finished_label: what to do when the label already FINISHED (a cleared task): ``skip`` (default),
        ``reload`` (load the data again under a new label) or ``fail``.
    :param aws_conn_id: the AWS connection; ``None`` uses the StarRocks nodes' instance profile.
    :param credential_mode: how StarRocks gets AWS credentials (see ``build_aws_properties``).
    :param region: the AWS region, overriding the connection's.
    :param poll_interval: seconds between status polls (grows gently with jitter up to a cap).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    :param cancel_on_kill: send ``CANCEL LOAD`` when the task is killed or passes its deadline; only a task that
        submitted the load cancels it (one that found another run's load under the label only stops waiting).
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields = (
        *LOAD_TEMPLATE_FIELDS,
        "set_expressions",
        "where",
        "partitions",
        "data_descriptions",
        "properties",
        "load_label",
    )
    template_fields_renderers = {"data_descriptions": "json", "properties": "json", "format_options": "json"}

    def __init__(
        self,
        *,
        set_expressions: dict[str, str] | None = None,
        partitions: list[str] | None = None,
        data_descriptions: list[dict[str, Any]] | None = None,
        cancel_on_kill: bool = True,
        **kwargs: Any,
    ) -> None:
        # database, table, source, format, format_options, columns, where, properties, label,
        # on_finished_label, poll_interval, deferrable, the AWS arguments and starrocks_conn_id: the base's.
        super().__init__(**kwargs)
        self.cancel_on_kill = check_flag(cancel_on_kill, "cancel_on_kill")
        self.set_expressions = set_expressions
        self.partitions = partitions
        self.data_descriptions = data_descriptions

    # -- entry points -----------------------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_starrocks.operators._broker_load_plan import build_plan
        from airflow_provider_starrocks.operators._label_start import LoadStarter
        from airflow_provider_starrocks.operators._load_record import LoadRecord
        from airflow_provider_starrocks.utils.labels import task_label

        ti = context["ti"]
        base = task_label(ti, self.load_label)
        plan = self.checked_plan(build_plan, self._spec(), base, what="broker load")
        deadline = load_deadline(plan.load_timeout, self.deadline_grace, self.execution_timeout)
        store = LoadRecord(context, self.log)
        conn = self.hook.get_load_conn()
        try:
            starter = LoadStarter(self.hook, self.database, self.on_finished_label, self.log)
            label, state, owner = starter.start(conn, plan, store, int(getattr(ti, "try_number", 1) or 1))
            if not state.is_terminal:
                self._record(context, store, plan.label, label, state, owner)
            job = get_kind("load")(self.database, label)
            return self.follow_job(context, job, conn, state, deadline=deadline, owner=owner)
        finally:
            self.hook.close_quietly(conn)

    def job_result(self, context: Context, status: Any) -> dict[str, Any]:
        """Record the FINISHED job in the task state store and return its result."""
        from airflow_provider_starrocks.operators._broker_load_plan import result_of
        from airflow_provider_starrocks.operators._load_record import LoadRecord

        LoadRecord(context, self.log).complete(status)
        self._lineage_result = result_of(status, self.database)
        return self._lineage_result

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the S3 locations read and the tables loaded, with rows loaded (single table) and columns.

        :param task_instance: the task instance (unused: the result is kept from ``execute``).
        """
        from airflow_provider_starrocks.operators._broker_load_plan import lineage_specs
        from airflow_provider_starrocks.utils import lineage

        try:
            namespace = lineage.hook_namespace(self.hook)
            inputs, outputs = lineage_specs(self._spec(), namespace, self._lineage_result)
        except Exception as exc:  # lineage never fails the task; arguments were checked by execute
            self.log.warning("No OpenLineage datasets for this broker load: %s", exc)
            return None
        job_id = (self._lineage_result or {}).get("job_id")
        return lineage.operator_lineage(inputs, outputs, job_id=job_id, source=namespace)

    # -- steps ------------------------------------------------------------------------------------------------

    def _spec(self) -> BrokerLoadSpec:
        from airflow_provider_starrocks.operators._broker_load_plan import BrokerLoadSpec

        return self.spec_of(BrokerLoadSpec)

    def _record(
        self, context: Context, store: LoadRecord, base: str, label: str, state: LoadState, owner: bool
    ) -> None:
        store.set(base, label, state.job_id, owner)
        if not owner:
            self.log.info(
                "Load %r was submitted by another run: this task waits but never cancels it.", label
            )
        context["ti"].xcom_push(
            key=XCOM_KEY, value={"label": label, "job_id": state.job_id, "database": self.database}
        )
