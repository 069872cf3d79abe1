"""
The one identity decision of labelled loads (broker load, INSERT from FILES()): submit, attach, skip, reload or fail.

What a label's jobs and the task state store say decides; the plan only renders its statement under a label
(``plan.statement(label)``) and names what it submits (``plan.submit_kind``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.exceptions import (
    LabelAlreadyUsedError,
    StarRocksLoadError,
    StarRocksLoadFatalError,
)
from airflow_provider_starrocks.operators._resume_telemetry import report_decision, stats_tags
from airflow_provider_starrocks.utils.arguments import (  # noqa: F401  (re-exported: defined here before)
    ON_FINISHED_LABEL,
    check_on_finished_label,
)
from airflow_provider_starrocks.utils.labels import reload_label
from airflow_provider_starrocks.utils.load_state import LoadState
from airflow_provider_starrocks.utils.polling import LoadWatch

if TYPE_CHECKING:
    from airflow_provider_starrocks.operators._load_record import LoadRecord
    from airflow_provider_starrocks.utils.sql import Statement


class LabelledPlan(Protocol):
    """What the decision needs of a load plan."""

    @property
    def label(self) -> str: ...

    @property
    def submit_kind(self) -> str: ...

    @property
    def secrets(self) -> list[str]: ...

    def statement(self, label: str) -> Statement: ...


class LoadStarter:
    """
    Decide what to do with a label and do it, before any polling.

    :param hook: the StarRocks hook.
    :param database: the load's database.
    :param on_finished_label: ``skip``, ``reload`` or ``fail``.
    :param log: the operator's logger.
    """

    def __init__(self, hook: Any, database: str, on_finished_label: str, log: Any) -> None:
        self.hook = hook
        self.database = database
        self.on_finished_label = on_finished_label
        self.log = log
        self._recorded = False

    def start(
        self, conn: Any, plan: LabelledPlan, store: LoadRecord, try_number: int
    ) -> tuple[str, LoadState, bool]:
        """
        Decide from the label's jobs whether to submit, attach, skip, reload or fail.

        Return the label followed, its job and whether this task submitted that job (in this try or, per the
        task state store, an earlier one): only the submitter cancels it.
        """
        mine = store.get()
        if mine and mine.get("base") != plan.label:
            mine = None  # a record of another label (the label argument changed): not ours
        self._recorded = mine is not None
        label = plan.label
        if mine and mine.get("label") and not mine.get("completed"):
            label = mine["label"]  # a crashed try: follow what it submitted (possibly a reload label)
        state = self._current(conn, label)
        if state is None and mine and mine.get("label") == label and mine.get("job_id") is not None:
            if not mine.get("completed"):
                LoadWatch(label, submitted=True).observe([])  # raises "state unknown": never resubmitted
            state = LoadState(label=label, state="FINISHED", job_id=mine["job_id"])
            self.log.info("Label %r expired after this task completed it (job %s).", label, state.job_id)
        if state is None or not state.is_success:
            recorded = bool(mine and mine.get("label") == label and mine.get("owner", True))
            return self._start_label(conn, plan, label, store, state, recorded)
        if mine and mine.get("label") == label and not mine.get("completed"):
            self.log.info("Load %r (job %s) FINISHED while this task was away.", label, state.job_id)
            self._report(store, "already_succeeded", label, state)
            return label, state, False
        if self.on_finished_label == "fail":
            self._report(store, "fail", label, state)
            raise AirflowFailException(
                f"StarRocks load label {label!r} already FINISHED (job {state.job_id}, {state.sink_rows} rows). "
                "Set on_finished_label='reload' to load the data again, or 'skip' to accept the earlier load."
            )
        if self.on_finished_label == "reload":
            return self._reload(conn, plan, store, try_number)
        self.log.info(
            "Label %r already FINISHED (job %s, %s rows loaded): skipping the load. Set "
            "on_finished_label='reload' to load again.",
            label,
            state.job_id,
            state.sink_rows,
        )
        self._report(store, "already_succeeded", label, state)
        return label, state, False

    def _reload(
        self, conn: Any, plan: LabelledPlan, store: LoadRecord, try_number: int
    ) -> tuple[str, LoadState, bool]:
        attempt = 1
        while True:
            label = reload_label(plan.label, try_number, attempt)
            state = self._current(conn, label)
            if state is None or not state.is_success:
                break
            attempt += 1  # an earlier clear reloaded under this try number
        self.log.warning("Label %r already FINISHED: loading the data AGAIN as %r.", plan.label, label)
        return self._start_label(conn, plan, label, store, state, recorded=False)

    def _start_label(
        self,
        conn: Any,
        plan: LabelledPlan,
        label: str,
        store: LoadRecord,
        state: LoadState | None,
        recorded: bool,
    ) -> tuple[str, LoadState, bool]:
        if state is not None and state.is_success:
            return label, state, False
        if state is not None and state.state == "UNKNOWN":
            self._report(store, "fail", label, state)
            raise StarRocksLoadFatalError(state.failure_message())
        if state is not None and state.state != "CANCELLED":
            self.log.info("Attaching to load %s", state.describe())
            self._report(store, "reconnect", label, state)
            return label, state, recorded
        if state is not None:
            self.log.info("Label %r was CANCELLED (job %s): submitting again.", label, state.job_id)
        self._report(store, "fresh_submit" if state is None else "terminal_resubmit", label, state)
        store.set(plan.label, label, None)
        owner = True
        try:
            self.hook.submit_load(plan.statement(label), label, conn, plan.secrets, kind=plan.submit_kind)
        except LabelAlreadyUsedError:
            self.log.info("Label %r was submitted concurrently: attaching to it.", label)
            owner = False
        try:
            rows = self.hook.get_load_states(self.database, label, conn)
        except StarRocksLoadError:
            raise
        except Exception as exc:
            # The FE went away right after accepting the load: polling reconnects and finds the job by label.
            self.log.warning(
                "Reading load %r after submitting failed (%s); polling will reconnect.", label, exc
            )
            return label, LoadState(label=label, state="PENDING"), owner
        current = LoadWatch(label, submitted=True).observe(rows)
        assert current is not None
        return label, current, owner

    def _report(self, store: LoadRecord, decision: str, label: str, state: LoadState | None) -> None:
        report_decision(
            decision,
            tags=stats_tags(store.context),
            key=store.KEY,
            label=label,
            recorded=self._recorded,
            prior=None if state is None else state.state,
        )

    def _current(self, conn: Any, label: str) -> LoadState | None:
        return LoadWatch(label).observe(self.hook.get_load_states(self.database, label, conn))
