"""
One way for operators and sensors to follow a StarRocks job: wait in the worker or defer, finish, cancel on kill.

The operator submits (or attaches) and hands the job to :meth:`StarRocksJobMixin.follow_job`; the outcome reaches
:meth:`~StarRocksJobMixin.job_result` on both paths, the worker's and ``execute_complete`` after the trigger, so a
deferred task ends exactly as a synchronous one.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_starrocks.jobs import get_kind
from airflow_provider_starrocks.operators._hook import StarRocksHookMixin
from airflow_provider_starrocks.operators._wait import wait_for_end
from airflow_provider_starrocks.utils.arguments import check_flag, check_poll_interval, deferrable_flag
from airflow_provider_starrocks.utils.polling import DEFER_GRACE_SECONDS
from airflow_provider_starrocks.utils.wait_policy import Step, WaitPolicy

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.jobs.base import JobKind, JobStatus


class StarRocksJobMixin(StarRocksHookMixin):
    """
    Follow the job an operator submitted: wait (sync) or defer, then :meth:`job_result` or the failure.

    The class using it sets ``starrocks_conn_id`` (``StarRocksBaseOperator`` or the sensors' base does) and calls
    :meth:`set_job_arguments` for ``poll_interval``, ``deferrable`` and ``cancel_on_kill``; it has a ``hook`` (a :class:`~airflow_provider_starrocks.hooks.starrocks.StarRocksHook`) and ``log``.
    """

    #: The exception for a deadline passed (sensors use Airflow's sensor timeout, which is not retried).
    timeout_error: ClassVar[type[Exception] | None] = None

    starrocks_conn_id: str
    poll_interval: float
    deferrable: bool
    cancel_on_kill: bool
    log: Any
    _followed: JobKind | None = None
    _owned: bool = False

    def set_job_arguments(
        self, deferrable: object, poll_interval: object = None, cancel_on_kill: object = None
    ) -> None:
        """
        Check and set the arguments every task that follows a job takes (before any SQL, in ``__init__``).

        :param deferrable: ``True``/``False``, or ``None`` for ``[operators] default_deferrable``.
        :param poll_interval: seconds between polls, a positive number; ``None`` for a sensor, which polls
            every ``poke_interval`` (Airflow checks that one).
        :param cancel_on_kill: whether a kill cancels the job; ``None`` keeps the class's value.
        """
        if poll_interval is None:
            self.poll_interval = float(self.poke_interval)  # type: ignore[attr-defined]
        else:
            self.poll_interval = check_poll_interval(poll_interval)
        self.deferrable = deferrable_flag(deferrable)
        if cancel_on_kill is not None:
            self.cancel_on_kill = check_flag(cancel_on_kill, "cancel_on_kill")

    # -- what the operator implements ------------------------------------------------------------------------

    def job_result(self, context: Context, status: JobStatus) -> Any:
        """
        Return the task's result for a job that succeeded.

        :param context: the task context.
        :param status: the job's final status.
        """
        return status.to_dict()

    def job_ended(self, job: JobKind, status: JobStatus | None) -> None:
        """
        React to the job's end, success or failure, before the result or the error (e.g. drop a task).

        :param job: the job.
        :param status: its final status, when one was read.
        """

    # -- following -------------------------------------------------------------------------------------------

    def follow_job(
        self,
        context: Context,
        job: JobKind,
        conn: Any,
        status: JobStatus | None,
        *,
        deadline: float,
        owner: bool,
        submitted: bool = True,
    ) -> Any:
        """
        Follow ``job`` to its end and return :meth:`job_result`, or raise its failure; defers when deferrable.

        :param context: the task context.
        :param job: the job (kind and identity).
        :param conn: an open connection from ``hook.get_load_conn()``, kept by the caller.
        :param status: the job's current status, ``None`` when none was read.
        :param deadline: absolute deadline, seconds since the epoch.
        :param owner: whether this task submitted the job (only then is it cancelled).
        :param submitted: whether the job is known to exist (its absence then means it expired).
        """
        self._followed, self._owned = job, owner
        if status is not None and status.is_terminal:
            step = Step("succeed" if status.is_success else "fail", state=status, fatal=status.is_fatal)
        else:
            if self.deferrable:
                self.defer_job(job, status, deadline, submitted=submitted)
            step = wait_for_end(
                self.hook,
                self._policy(job, deadline, submitted),
                lambda c: job.fetch(self.hook, c),
                conn,
                self.log,
                cancel=lambda c: job.cancel(self.hook, c),
                error=job.error,
            )
        self._followed = None
        return self._outcome(context, job, step, conn)

    def defer_job(
        self, job: JobKind, status: JobStatus | None, deadline: float, *, submitted: bool = True
    ) -> NoReturn:
        """
        Defer to :class:`~airflow_provider_starrocks.triggers.job.StarRocksJobTrigger` until the job ends.

        :param job: the job.
        :param status: its current status, ``None`` when none was read.
        :param deadline: absolute deadline, seconds since the epoch.
        :param submitted: whether the job is known to exist.
        """
        from airflow_provider_starrocks.triggers.job import StarRocksJobTrigger

        if status is not None:
            self.log.info("Deferring while %s", status.describe())
        self.defer(  # type: ignore[attr-defined]
            trigger=StarRocksJobTrigger(
                starrocks_conn_id=self.starrocks_conn_id,
                database=job.database,
                kind=job.name,
                identity=job.identity,
                job_id=status.job_id if status is not None else None,
                poll_interval=self.poll_interval,
                deadline=deadline,
                cancel_on_kill=self._may_cancel(job),
                submitted=submitted,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=max(deadline - time.time(), 0) + DEFER_GRACE_SECONDS),
        )
        raise AssertionError("defer() returned")  # pragma: no cover

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Turn the trigger's event into the same result (or error) as the worker's path."""
        if not isinstance(event, dict) or event.get("status") not in ("success", "error"):
            raise AirflowException(f"StarRocks job: invalid trigger event {event!r}.")
        kind = get_kind(event.get("kind") or "load")
        job = kind(str(getattr(self, "database", "") or ""), str(event.get("label") or ""))
        status = kind.status_type.from_dict(event["state"]) if event.get("state") else None
        if status is not None and status.is_terminal:
            self.job_ended(job, status)
        if event["status"] == "success" and status is not None and status.is_success:
            self.log.info("%s", event.get("message"))
            return self.job_result(context, status)
        message = event.get("message") or f"StarRocks {kind.noun} {event.get('label')!r} failed."
        raise self._error(kind, message, fatal=bool(event.get("fatal")), timeout=bool(event.get("timeout")))

    def on_kill(self) -> None:
        # Only the task that submitted a job cancels it: one that attached (another run's label) stops waiting.
        job = self._followed
        if job is None or not self._may_cancel(job):
            return
        conn = self.hook.get_load_conn()
        try:
            job.cancel(self.hook, conn)
        finally:
            self.hook.close_quietly(conn)

    # -- steps -----------------------------------------------------------------------------------------------

    def _may_cancel(self, job: JobKind) -> bool:
        return bool(self.cancel_on_kill) and self._owned and job.cancellable

    def _policy(self, job: JobKind, deadline: float, submitted: bool) -> WaitPolicy:
        if not job.cancellable:
            reason = f"StarRocks cannot cancel a {job.noun}"
        elif not self.cancel_on_kill:
            reason = "cancel_on_kill=False"
        else:
            reason = f"this task attached to a {job.noun} it did not submit (another run's), so it does not cancel it"
        return WaitPolicy(
            job.identity,
            poll_interval=self.poll_interval,
            deadline=deadline,
            started=time.time(),
            submitted=submitted,
            may_cancel=self._may_cancel(job),
            no_cancel_reason=reason,
            missing=job.missing_message(),
        )

    def _outcome(self, context: Context, job: JobKind, step: Step, conn: Any) -> Any:
        status = step.state
        if status is not None and status.is_terminal:
            self.job_ended(job, status)
        if step.action == "succeed":
            self.log.info("%s", step.message or f"StarRocks {status.describe()}")
            return self.job_result(context, status)
        details: list[str] = []
        if status is not None and status.is_terminal:
            try:
                details = job.details(self.hook, conn, status)
            except Exception as exc:  # the failure is what matters; its details are a bonus
                self.log.info("Could not read the failure details of %r: %s", job.identity, exc)
        raise self._error(type(job), step.failure(details), fatal=step.fatal, timeout=step.timeout)

    def _error(self, kind: type[JobKind], message: str, *, fatal: bool, timeout: bool) -> Exception:
        if timeout and self.timeout_error is not None:
            return self.timeout_error(message)
        return (kind.fatal_error if fatal else kind.error)(message)
