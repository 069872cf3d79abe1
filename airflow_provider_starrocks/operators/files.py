"""Load S3 files with ``INSERT INTO ... SELECT ... FROM FILES()``: synchronous, or submitted as a task and polled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.exceptions import (
    LoadArgumentError,
    StarRocksLoadError,
)
from airflow_provider_starrocks.jobs import get_kind
from airflow_provider_starrocks.operators._label_load import LOAD_TEMPLATE_FIELDS, StarRocksLabelLoadOperator
from airflow_provider_starrocks.utils.arguments import check_flag, check_keep_task
from airflow_provider_starrocks.utils.load_state import LoadState
from airflow_provider_starrocks.utils.polling import LoadWatch, load_deadline

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.operators._files_plan import FilesPlan, FilesSpec
    from airflow_provider_starrocks.utils.task_run_state import TaskRunState


class StarRocksInsertFromFilesOperator(StarRocksLabelLoadOperator):
    """
    Load files from S3 with ``INSERT INTO ... WITH LABEL ... SELECT ... FROM FILES(...)``.

    The label (default: derived from dag_id, task_id, run_id and map index) is checked in SHOW LOAD first: a
    FINISHED label is skipped, so a retry after success does not insert twice. With ``submit_as_task`` the INSERT
    runs as ``SUBMIT TASK <label>`` and ``information_schema.task_runs`` is polled (in the worker or, deferred, in
    the triggerer). On a retry a RUNNING or PENDING run is attached to, a SUCCESS run skipped, and after a FAILED
    run the task is dropped (``DROP TASK``) and submitted again. Once its run has ended (SUCCESS or FAILED) the
    task is dropped, so that its definition, which holds the FILES() keys, leaves ``information_schema.tasks``.

    :param database: the target database.
    :param table: the target table.
    :param source: one ``s3://`` / ``s3a://`` path, globs allowed.
    :param format: ``parquet`` (StarRocks 3.1+), ``orc`` or ``csv`` (3.3+).
    :param format_options: CSV ``column_separator``, ``row_delimiter``, ``skip_header``, ``trim_space``,
        ``enclose``, ``escape`` (FILES() ``csv.*`` properties).
    :param columns: the target columns, in the order of the select list.
    :param select: the select list (default ``*``), e.g. ``"$1, $2, cast($3 AS DOUBLE)"`` for CSV.
    :param where: a SQL predicate on the file rows.
    :param label: the INSERT label (also the task name); default derived from the task instance.
    :param on_finished_label: what to do when the label already FINISHED (a cleared task): ``skip`` (default),
        ``reload`` (insert again under a new label; not with ``submit_as_task``) or ``fail``.
    :param properties: further FILES() properties (``columns_from_path``, ...); auth keys come from the connection.
    :param aws_conn_id: the AWS connection; ``None`` uses the StarRocks nodes' instance profile.
    :param credential_mode: how StarRocks gets AWS credentials (see ``build_aws_properties``).
    :param region: the AWS region, overriding the connection's.
    :param insert_timeout: the INSERT's timeout in seconds (session variable ``insert_timeout``).
    :param submit_as_task: run the INSERT as ``SUBMIT TASK`` and poll it (StarRocks 3.4+).
    :param deferrable: with ``submit_as_task``, wait in the triggerer; default ``[operators] default_deferrable``.
    :param poll_interval: seconds between polls (grows gently with jitter up to a cap).
    :param keep_task: with ``submit_as_task``, keep the task after its run ends instead of dropping it (before
        StarRocks 3.5.6 its definition then shows the connection's AWS keys in ``information_schema.tasks``).
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields = (*LOAD_TEMPLATE_FIELDS, "select", "where", "properties", "load_label")
    template_fields_renderers = {
        "properties": "json",
        "format_options": "json",
        "select": "sql",
        "where": "sql",
    }
    #: An INSERT runs in the statement that submits it and a task run has no cancel: neither is cancelled.
    cancel_on_kill = False
    table: str  # required here (a broker load may give data_descriptions instead)
    source: str

    def __init__(
        self,
        *,
        table: str,
        source: str,
        select: str = "*",
        insert_timeout: int | None = None,
        submit_as_task: bool = False,
        keep_task: bool = False,
        **kwargs: Any,
    ) -> None:
        # table and source are required here; database, format, format_options, columns, where, label,
        # on_finished_label, properties, deferrable, poll_interval, the AWS arguments and starrocks_conn_id:
        # the base's.
        super().__init__(table=table, source=source, **kwargs)
        self.select = select
        self.insert_timeout = insert_timeout
        self.submit_as_task = check_flag(submit_as_task, "submit_as_task")
        if self.submit_as_task and self.on_finished_label == "reload":
            raise LoadArgumentError(
                "on_finished_label: 'reload' is not supported with submit_as_task=True (the task is named after "
                "the label); use 'skip' or 'fail', or submit_as_task=False to insert again under a new label."
            )
        self.keep_task = check_keep_task(keep_task)

    # -- entry points -----------------------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_starrocks.operators._files_plan import build_files_plan
        from airflow_provider_starrocks.utils.labels import task_label

        label = task_label(context["ti"], self.load_label)
        plan = self.checked_plan(build_files_plan, self._spec(), label, what="FILES() load")
        version = self.hook.require_version(plan.min_version, plan.feature)
        deadline = self._deadline(plan)
        conn = self.hook.get_load_conn()
        try:
            if self.submit_as_task:
                return self._run_task(context, conn, plan, deadline, version)
            return self._run_insert(context, conn, plan, deadline)
        finally:
            conn.close()

    def job_result(self, context: Context, status: Any) -> dict[str, Any]:
        """Return the result of a FINISHED INSERT or a SUCCESS task run (recorded in the task state store)."""
        from airflow_provider_starrocks.operators._files_plan import result_of
        from airflow_provider_starrocks.operators._files_task import TaskRecord
        from airflow_provider_starrocks.operators._load_record import LoadRecord

        if isinstance(status, LoadState):
            LoadRecord(context, self.log).complete(status)
            result = result_of(self._spec(), status.label, status, None)
        else:
            conn = self.hook.get_load_conn()
            try:
                result = result_of(self._spec(), status.label, self._load_state(conn, status.label), status)
            finally:
                self.hook.close_quietly(conn)
            TaskRecord(context, self.log).done(status.label, result)
        self.log.info("StarRocks FILES() load %r: %s rows inserted.", status.label, result["rows_inserted"])
        self._lineage_result = result
        return result

    def job_ended(self, job: Any, status: Any) -> None:
        if job.name == "task_run":
            self._release(job.identity)  # its definition holds the FILES() keys

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the S3 location read and the table written, with rows inserted and the target columns.

        :param task_instance: the task instance (unused: the result is kept from ``execute``).
        """
        from airflow_provider_starrocks.hooks.starrocks import DEFAULT_CATALOG  # loads run in default_catalog
        from airflow_provider_starrocks.utils import lineage

        result = self._lineage_result or {}
        try:
            namespace = lineage.hook_namespace(self.hook)
            inputs = lineage.s3_datasets([self.source])
            columns = tuple((column, None) for column in self.columns or ())
            table = lineage.table_name(DEFAULT_CATALOG, self.database, self.table)
            output = lineage.DatasetSpec(namespace, table, columns=columns, rows=result.get("rows_inserted"))
        except Exception as exc:  # lineage never fails the task; arguments were checked by execute
            self.log.warning("No OpenLineage datasets for this FILES() load: %s", exc)
            return None
        job_id = result.get("job_id") or result.get("label")
        return lineage.operator_lineage(inputs, [output], job_id=job_id, source=namespace)

    # -- synchronous INSERT -----------------------------------------------------------------------------------

    def _run_insert(self, context: Context, conn: Any, plan: FilesPlan, deadline: float) -> dict[str, Any]:
        from airflow_provider_starrocks.operators._label_start import LoadStarter
        from airflow_provider_starrocks.operators._load_record import LoadRecord
        from airflow_provider_starrocks.utils.statements.session import set_session_variable

        if plan.insert_timeout:
            self.hook.execute_statement(set_session_variable("insert_timeout", plan.insert_timeout), conn)
        starter = LoadStarter(self.hook, plan.database, self.on_finished_label, self.log)
        try_number = int(getattr(context["ti"], "try_number", 1) or 1)
        label, state, owner = starter.start(conn, plan, LoadRecord(context, self.log), try_number)
        job = get_kind("load")(plan.database, label)
        return self.follow_job(context, job, conn, state, deadline=deadline, owner=owner)

    # -- SUBMIT TASK ------------------------------------------------------------------------------------------

    def _run_task(
        self, context: Context, conn: Any, plan: FilesPlan, deadline: float, version: Any
    ) -> dict[str, Any]:
        from airflow_provider_starrocks.operators._files_plan import result_of
        from airflow_provider_starrocks.operators._files_task import (
            TaskRecord,
            release_task,
            warn_stored_keys,
        )
        from airflow_provider_starrocks.utils.statements.session import use_database

        name = plan.label
        load = self._load_state(conn, name)
        if load is not None and load.is_success:
            if self.on_finished_label == "fail":
                raise AirflowFailException(
                    f"StarRocks label {name!r} already FINISHED ({load.sink_rows} rows). Set "
                    "on_finished_label='skip' to accept the earlier insert."
                )
            self.log.info(
                "Label %r already FINISHED (%s rows): not submitting task %r.", name, load.sink_rows, name
            )
            result = result_of(plan, name, load, self._task_run(conn, name))
            self._lineage_result = result
            release_task(self, conn, name, plan.database)  # a try that ended before its drop left it
            return result
        self.hook.execute_statement(use_database(plan.database), conn)
        run = self._task_run(conn, name)
        recorded = TaskRecord(context, self.log).succeeded(name) if run is None else None
        if recorded is not None:  # label and runs expired: Airflow's own record still knows
            self.log.info("Task %r succeeded in an earlier try (task state record): skipping it.", name)
            return recorded
        if run is not None and run.is_success:
            self.log.info("Task %r already succeeded: skipping it.", name)
        elif run is not None and not run.is_terminal:
            self.log.info("Attaching to %s", run.describe())
        else:
            warn_stored_keys(self.log, name, plan.auth, version, self.keep_task)
            run = self._submit_task(conn, plan, dropping=run is not None)
        job = get_kind("task_run")(plan.database, name)
        return self.follow_job(context, job, conn, run, deadline=deadline, owner=False)

    def _submit_task(self, conn: Any, plan: FilesPlan, dropping: bool) -> TaskRunState:
        if dropping:
            self.log.info("Task %r FAILED before (or lists no run): dropping it to submit again.", plan.label)
            self.hook.drop_task(plan.label, conn)
        try:
            rows = self.hook.submit_load(plan.task(), plan.label, conn, plan.secrets, kind="SUBMIT TASK")
        except StarRocksLoadError as exc:
            # A task whose runs expired (task_runs_ttl_second) still holds its name.
            if dropping or "already exist" not in str(exc):
                raise
            return self._submit_task(conn, plan, dropping=True)
        status = str(rows[0][1]).upper() if rows and len(rows[0]) > 1 else "SUBMITTED"
        if status != "SUBMITTED":
            raise StarRocksLoadError(f"StarRocks task {plan.label!r} was not submitted: status {status}.")
        runs: Any = self.hook.get_task_runs(plan.label, conn)
        run: Any = LoadWatch(plan.label, submitted=True).observe(runs)  # raises when StarRocks lists no run
        return run

    # -- shared steps -----------------------------------------------------------------------------------------

    def _spec(self) -> FilesSpec:
        from airflow_provider_starrocks.operators._files_plan import FilesSpec

        return self.spec_of(FilesSpec)

    def _release(self, name: str) -> None:
        try:
            conn = self.hook.get_load_conn()
        except Exception as exc:
            self.log.warning("Could not connect to drop StarRocks task %r: %s", name, exc)
            return
        from airflow_provider_starrocks.operators._files_task import release_task

        try:
            release_task(self, conn, name, self.database)
        finally:
            conn.close()

    def _load_state(self, conn: Any, label: str) -> LoadState | None:
        return LoadWatch(label).observe(self.hook.get_load_states(self.database, label, conn))

    def _task_run(self, conn: Any, name: str) -> TaskRunState | None:
        runs = self.hook.get_task_runs(name, conn)
        return runs[0] if runs else None

    def _deadline(self, plan: Any) -> float:
        return load_deadline(plan.timeout, self.deadline_grace, self.execution_timeout)
