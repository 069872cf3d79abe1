"""Load S3 files into StarRocks with a broker load, polled to its end, sync or deferrable."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, BaseOperator

from airflow_provider_starrocks.exceptions import (
    LoadArgumentError,
    StarRocksLoadError,
    StarRocksLoadFatalError,
)
from airflow_provider_starrocks.operators._broker_load_plan import build_plan, lineage_specs, result_of
from airflow_provider_starrocks.operators._broker_load_start import LoadStarter
from airflow_provider_starrocks.operators._load_record import LoadRecord
from airflow_provider_starrocks.operators._wait import wait_for_end
from airflow_provider_starrocks.utils import lineage
from airflow_provider_starrocks.utils.labels import task_label
from airflow_provider_starrocks.utils.load_options import check_flag, check_poll_interval, deferrable_flag
from airflow_provider_starrocks.utils.load_state import LoadState
from airflow_provider_starrocks.utils.polling import DEFER_GRACE_SECONDS, load_deadline
from airflow_provider_starrocks.utils.wait_policy import Step, WaitPolicy

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

ON_FINISHED_LABEL = ("skip", "reload", "fail")
XCOM_KEY = "starrocks_load"
# The trigger enforces the deadline itself; the deferral timeout is only a backstop beyond it.


class StarRocksS3BrokerLoadOperator(BaseOperator):
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
        "database",
        "table",
        "source",
        "format_options",
        "columns",
        "set_expressions",
        "where",
        "partitions",
        "data_descriptions",
        "properties",
        "load_label",
    )
    template_fields_renderers = {"data_descriptions": "json", "properties": "json", "format_options": "json"}
    ui_color = "#e6f2ff"
    #: Seconds past the load's StarRocks ``timeout`` before the task stops waiting (StarRocks cancels first).
    deadline_grace: float = 60.0

    def __init__(
        self,
        *,
        database: str,
        table: str | None = None,
        source: str | list[str] | None = None,
        format: str | None = None,  # noqa: A002 - the issue's public argument name
        format_options: dict[str, Any] | None = None,
        columns: list[str] | None = None,
        set_expressions: dict[str, str] | None = None,
        where: str | None = None,
        partitions: list[str] | None = None,
        data_descriptions: list[dict[str, Any]] | None = None,
        properties: dict[str, Any] | None = None,
        label: str | None = None,
        on_finished_label: str = "skip",
        aws_conn_id: str | None = "aws_default",
        credential_mode: str = "auto",
        region: str | None = None,
        poll_interval: float = 10.0,
        deferrable: bool | None = None,
        cancel_on_kill: bool = True,
        starrocks_conn_id: str = "starrocks_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if on_finished_label not in ON_FINISHED_LABEL:
            raise LoadArgumentError(
                f"on_finished_label: {on_finished_label!r} is not supported; use one of {', '.join(ON_FINISHED_LABEL)}."
            )
        check_poll_interval(poll_interval)
        self.database = database
        self.table = table
        self.source = source
        self.format = format
        self.format_options = format_options
        self.columns = columns
        self.set_expressions = set_expressions
        self.where = where
        self.partitions = partitions
        self.data_descriptions = data_descriptions
        self.properties = properties
        self.load_label = label
        self.on_finished_label = on_finished_label
        self.aws_conn_id = aws_conn_id
        self.credential_mode = credential_mode
        self.region = region
        self.poll_interval = float(poll_interval)
        self.deferrable = deferrable_flag(deferrable)
        self.cancel_on_kill = check_flag(cancel_on_kill, "cancel_on_kill")
        self.starrocks_conn_id = starrocks_conn_id
        self._active_label: str | None = None
        self._owner = False
        self._lineage_result: dict[str, Any] | None = None  # the job's result, for OpenLineage

    @cached_property
    def hook(self) -> StarRocksHook:
        from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

        return StarRocksHook(starrocks_conn_id=self.starrocks_conn_id)

    # -- entry points -----------------------------------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        ti = context["ti"]
        base = task_label(ti, self.load_label)
        try:
            plan = build_plan(self, base)  # every argument checked here, before any SQL
        except ValueError as exc:
            raise StarRocksLoadFatalError(f"Invalid broker load arguments: {exc}") from None
        deadline = self._deadline(plan)
        store = LoadRecord(context, self.log)
        conn = self.hook.get_load_conn()
        try:
            starter = LoadStarter(self.hook, self.database, self.on_finished_label, self.log)
            label, state, owner = starter.start(conn, plan, store, int(getattr(ti, "try_number", 1) or 1))
            if state.is_terminal:
                return self._finish(conn, Step("succeed" if state.is_success else "fail", state=state), store)
            self._record(context, store, plan.label, label, state, owner)
            policy = WaitPolicy(
                label,
                poll_interval=self.poll_interval,
                deadline=deadline,
                started=time.time(),
                may_cancel=self._may_cancel,
                no_cancel_reason=self._no_cancel_reason,
            )
            if self.deferrable:
                self._defer(label, state, deadline)
            step = wait_for_end(
                self.hook,
                policy,
                lambda c: self.hook.get_load_states(self.database, label, c),
                conn,
                self.log,
                cancel=lambda c: self.hook.cancel_load(self.database, label, c),
            )
            return self._finish(conn, step, store)
        finally:
            self.hook.close_quietly(
                conn
            )  # a dropped connection is already closed; pymysql raises on a second close

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Turn the trigger's event into the same result (or error) as the sync path."""
        if not isinstance(event, dict) or event.get("status") not in ("success", "error"):
            raise AirflowException(f"StarRocks load: invalid trigger event {event!r}.")
        state = LoadState.from_dict(event["state"]) if event.get("state") else None
        if event["status"] == "success" and state is not None and state.is_success:
            self.log.info("%s", event.get("message"))
            LoadRecord(context, self.log).complete(state)
            self._lineage_result = result_of(state, self.database)
            return self._lineage_result
        error = StarRocksLoadFatalError if event.get("fatal") else StarRocksLoadError
        raise error(event.get("message") or f"StarRocks load {event.get('label')!r} failed.")

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the S3 locations read and the tables loaded, with rows loaded (single table) and columns.

        :param task_instance: the task instance (unused: the result is kept from ``execute``).
        """
        try:
            namespace = lineage.hook_namespace(self.hook)
            inputs, outputs = lineage_specs(self, namespace, self._lineage_result)
        except Exception as exc:  # lineage never fails the task; arguments were checked by execute
            self.log.warning("No OpenLineage datasets for this broker load: %s", exc)
            return None
        job_id = (self._lineage_result or {}).get("job_id")
        return lineage.operator_lineage(inputs, outputs, job_id=job_id, source=namespace)

    def on_kill(self) -> None:
        # Only the task that submitted the load cancels it: one that attached (another run's label) stops waiting.
        if self._may_cancel and self._active_label:
            self.hook.cancel_load(self.database, self._active_label)

    # -- steps ------------------------------------------------------------------------------------------------

    @property
    def _may_cancel(self) -> bool:
        return self.cancel_on_kill and self._owner

    @property
    def _no_cancel_reason(self) -> str:
        if not self.cancel_on_kill:
            return "cancel_on_kill=False"
        return (
            "this task attached to a load it did not submit (another run's label), so it does not cancel it"
        )

    def _deadline(self, plan: Any) -> float:
        return load_deadline(plan.load_timeout, self.deadline_grace, self.execution_timeout)

    def _record(
        self, context: Context, store: LoadRecord, base: str, label: str, state: LoadState, owner: bool
    ) -> None:
        self._active_label = label
        self._owner = owner
        store.set(base, label, state.job_id, owner)
        if not owner:
            self.log.info(
                "Load %r was submitted by another run: this task waits but never cancels it.", label
            )
        context["ti"].xcom_push(
            key=XCOM_KEY, value={"label": label, "job_id": state.job_id, "database": self.database}
        )

    def _defer(self, label: str, state: LoadState, deadline: float) -> None:
        from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

        self.log.info("Deferring while load %s", state.describe())
        self.defer(
            trigger=StarRocksLoadTrigger(
                starrocks_conn_id=self.starrocks_conn_id,
                database=self.database,
                label=label,
                job_id=state.job_id,
                poll_interval=self.poll_interval,
                deadline=deadline,
                cancel_on_kill=self._may_cancel,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=max(deadline - time.time(), 0))
            + timedelta(seconds=DEFER_GRACE_SECONDS),
        )

    def _finish(self, conn: Any, step: Step, store: LoadRecord) -> dict[str, Any]:
        self._active_label = None
        state = step.state
        if step.action == "succeed":
            store.complete(state)
            self.log.info("%s", step.message or f"StarRocks load {state.describe()}")
            self._lineage_result = result_of(state, self.database)
            return self._lineage_result
        rejected = []
        if state is not None and state.is_terminal:
            try:
                rejected = self.hook.get_rejected_rows(state.job_id, conn)
            except Exception as exc:  # the failure is what matters; its sample rows are a bonus
                self.log.info("Could not read rejected rows of %r: %s", state.label, exc)
        error = StarRocksLoadFatalError if step.fatal else StarRocksLoadError
        raise error(step.failure(rejected))
