"""Load S3 files with ``INSERT INTO ... SELECT ... FROM FILES()``: synchronous, or submitted as a task and polled."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, BaseOperator

from airflow_provider_starrocks.hooks.load_status import LabelAlreadyUsedError
from airflow_provider_starrocks.operators._files_plan import FilesPlan, build_files_plan, result_of
from airflow_provider_starrocks.operators._files_task import (
    TaskRecord,
    check_keep_task,
    release_task,
    warn_stored_keys,
)
from airflow_provider_starrocks.operators._wait import wait_for_end
from airflow_provider_starrocks.utils import lineage
from airflow_provider_starrocks.utils.labels import task_label
from airflow_provider_starrocks.utils.load_options import check_flag, check_poll_interval, deferrable_flag
from airflow_provider_starrocks.utils.load_state import LoadState, StarRocksLoadError, StarRocksLoadFatalError
from airflow_provider_starrocks.utils.polling import DEFER_GRACE_SECONDS, LoadWatch, load_deadline
from airflow_provider_starrocks.utils.statements.session import set_session_variable, use_database
from airflow_provider_starrocks.utils.task_run_state import TaskRunState
from airflow_provider_starrocks.utils.wait_policy import WaitPolicy

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook


class StarRocksInsertFromFilesOperator(BaseOperator):
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

    template_fields = (
        "database",
        "table",
        "source",
        "format_options",
        "columns",
        "select",
        "where",
        "properties",
        "load_label",
    )
    template_fields_renderers = {
        "properties": "json",
        "format_options": "json",
        "select": "sql",
        "where": "sql",
    }
    ui_color = "#e6f2ff"
    #: Seconds past the INSERT timeout before the task stops waiting (StarRocks fails the run first).
    deadline_grace: float = 60.0

    def __init__(
        self,
        *,
        database: str,
        table: str,
        source: str,
        format: str | None = None,  # noqa: A002 - the issue's public argument name
        format_options: dict[str, Any] | None = None,
        columns: list[str] | None = None,
        select: str = "*",
        where: str | None = None,
        label: str | None = None,
        properties: dict[str, Any] | None = None,
        aws_conn_id: str | None = "aws_default",
        credential_mode: str = "auto",
        region: str | None = None,
        insert_timeout: int | None = None,
        submit_as_task: bool = False,
        deferrable: bool | None = None,
        poll_interval: float = 10.0,
        keep_task: bool = False,
        starrocks_conn_id: str = "starrocks_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_poll_interval(poll_interval)
        self.database = database
        self.table = table
        self.source = source
        self.format = format
        self.format_options = format_options
        self.columns = columns
        self.select = select
        self.where = where
        self.load_label = label
        self.properties = properties
        self.aws_conn_id = aws_conn_id
        self.credential_mode = credential_mode
        self.region = region
        self.insert_timeout = insert_timeout
        self.submit_as_task = check_flag(submit_as_task, "submit_as_task")
        self.deferrable = deferrable_flag(deferrable)
        self.poll_interval = float(poll_interval)
        self.keep_task = check_keep_task(keep_task)
        self.starrocks_conn_id = starrocks_conn_id
        self._lineage_result: dict[str, Any] | None = None  # the job's result, for OpenLineage

    @cached_property
    def hook(self) -> StarRocksHook:
        from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

        return StarRocksHook(starrocks_conn_id=self.starrocks_conn_id)

    # -- entry points -----------------------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        label = task_label(context["ti"], self.load_label)
        try:
            plan = build_files_plan(self, label)  # every argument checked here, before any SQL
        except ValueError as exc:
            raise StarRocksLoadFatalError(f"Invalid FILES() load arguments: {exc}") from None
        version = self.hook.require_version(plan.min_version, plan.feature)
        deadline = self._deadline(plan)
        conn = self.hook.get_load_conn()
        try:
            if self.submit_as_task:
                return self._run_task(conn, plan, deadline, version, TaskRecord(context, self.log))
            return self._run_insert(conn, plan, deadline)
        finally:
            conn.close()

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Turn the trigger's event into the same result (or error) as the sync path."""
        if not isinstance(event, dict) or event.get("status") not in ("success", "error"):
            raise AirflowException(f"StarRocks FILES() load: invalid trigger event {event!r}.")
        state: Any = None
        if event.get("state"):
            parser = TaskRunState if self.submit_as_task else LoadState
            state = parser.from_dict(event["state"])
        if self.submit_as_task and state is not None and state.is_terminal:
            self._release(state.label)
        if event["status"] != "success" or state is None or not state.is_success:
            error = StarRocksLoadFatalError if event.get("fatal") else StarRocksLoadError
            raise error(event.get("message") or f"StarRocks FILES() load {event.get('label')!r} failed.")
        self.log.info("%s", event.get("message"))
        if not self.submit_as_task:
            self._lineage_result = result_of(self, state.label, state, None)
            return self._lineage_result
        conn = self.hook.get_load_conn()
        try:
            result = result_of(self, state.label, self._load_state(conn, state.label), state)
            self._lineage_result = result
        finally:
            conn.close()
        TaskRecord(context, self.log).done(state.label, result)
        return result

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the S3 location read and the table written, with rows inserted and the target columns.

        :param task_instance: the task instance (unused: the result is kept from ``execute``).
        """
        from airflow_provider_starrocks.hooks.starrocks import DEFAULT_CATALOG  # loads run in default_catalog

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

    def _run_insert(self, conn: Any, plan: FilesPlan, deadline: float) -> dict[str, Any]:
        state = self._load_state(conn, plan.label)
        if state is None or state.state == "CANCELLED":
            if plan.insert_timeout:
                self.hook.execute_statement(set_session_variable("insert_timeout", plan.insert_timeout), conn)
            try:
                self.hook.submit_load(
                    plan.insert(), plan.label, conn, plan.secrets, kind="INSERT from FILES()"
                )
            except LabelAlreadyUsedError:
                self.log.info("Label %r was used concurrently: following that INSERT.", plan.label)
            state = LoadWatch(plan.label, submitted=True).observe(
                self.hook.get_load_states(plan.database, plan.label, conn)
            )
            assert state is not None
        elif state.is_success:
            self.log.info(
                "Label %r already FINISHED (%s rows): skipping the INSERT.", plan.label, state.sink_rows
            )
        if not state.is_terminal:
            self.log.info("Attaching to INSERT %s", state.describe())
            if self.deferrable:
                self._defer(plan.label, "load", state.job_id, deadline)
            state = self._wait(
                conn, plan.label, deadline, lambda c: self.hook.get_load_states(plan.database, plan.label, c)
            )
        return self._finish(conn, state, None)

    # -- SUBMIT TASK ------------------------------------------------------------------------------------------

    def _run_task(
        self, conn: Any, plan: FilesPlan, deadline: float, version: Any, record: TaskRecord
    ) -> dict[str, Any]:
        name = plan.label
        load = self._load_state(conn, name)
        if load is not None and load.is_success:
            self.log.info(
                "Label %r already FINISHED (%s rows): not submitting task %r.", name, load.sink_rows, name
            )
            result = result_of(plan, name, load, self._task_run(conn, name))
            self._lineage_result = result
            release_task(self, conn, name, plan.database)  # a try that ended before its drop left it
            return result
        self.hook.execute_statement(use_database(plan.database), conn)
        run = self._task_run(conn, name)
        recorded = record.succeeded(name) if run is None else None
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
        if not run.is_terminal:
            if self.deferrable:
                self._defer(name, "task_run", run.job_id, deadline)
            run = self._wait(conn, name, deadline, lambda c: self.hook.get_task_runs(name, c))
        release_task(self, conn, name, plan.database)
        result = self._finish(conn, self._load_state(conn, name), run)
        record.done(name, result)
        return result

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

    def _wait(self, conn: Any, label: str, deadline: float, fetch: Any) -> Any:
        policy = WaitPolicy(
            label,
            poll_interval=self.poll_interval,
            deadline=deadline,
            started=time.time(),
            no_cancel_reason="still running in StarRocks",
        )
        step = wait_for_end(self.hook, policy, fetch, conn, self.log)
        if step.state is None or not step.state.is_terminal:
            raise StarRocksLoadError(step.message)
        return step.state

    def _release(self, name: str) -> None:
        try:
            conn = self.hook.get_load_conn()
        except Exception as exc:
            self.log.warning("Could not connect to drop StarRocks task %r: %s", name, exc)
            return
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

    def _defer(self, label: str, kind: str, job_id: int | None, deadline: float) -> None:
        from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

        self.defer(
            trigger=StarRocksLoadTrigger(
                starrocks_conn_id=self.starrocks_conn_id,
                database=self.database,
                label=label,
                job_id=job_id,
                poll_interval=self.poll_interval,
                deadline=deadline,
                cancel_on_kill=False,
                kind=kind,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=max(deadline - time.time(), 0))
            + timedelta(seconds=DEFER_GRACE_SECONDS),
        )

    def _finish(self, conn: Any, load: LoadState | None, run: TaskRunState | None) -> dict[str, Any]:
        outcome: Any = run if run is not None else load
        if outcome is not None and outcome.is_success:
            label = outcome.label
            result = result_of(self, label, load, run)
            self.log.info("StarRocks FILES() load %r: %s rows inserted.", label, result["rows_inserted"])
            self._lineage_result = result
            return result
        assert outcome is not None
        rejected = self.hook.get_rejected_rows(load.job_id if load else None, conn)
        error = StarRocksLoadFatalError if outcome.is_fatal else StarRocksLoadError
        raise error(outcome.failure_message(rejected))
