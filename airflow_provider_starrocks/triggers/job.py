"""The one async wait loop: follow any StarRocks job kind in the triggerer until it ends or its deadline passes."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_starrocks.exceptions import StarRocksJobError
from airflow_provider_starrocks.jobs import get_kind
from airflow_provider_starrocks.utils.polling import MAX_POLL_ERRORS, next_delay
from airflow_provider_starrocks.utils.wait_policy import READ_FLOOR_SECONDS, Step, WaitPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow_provider_starrocks.jobs.base import JobKind, JobStatus
    from airflow_provider_starrocks.triggers._poller import Subscription


class StarRocksJobTrigger(BaseTrigger):
    """
    Follow one StarRocks job, of any kind, and yield one event when it ends.

    A ``job_id`` means the job was submitted: an identity with no job then means it expired ("state unknown").
    Without one (a sensor waiting for a job submitted elsewhere) an absent job is waited for until the deadline.
    At the deadline a cancellable job is cancelled when ``cancel_on_kill`` is set; a committed job cannot be
    cancelled, so it is followed until its effect is visible. Kinds that batch (loads) read their status through
    the triggerer's shared poller (:mod:`._poller`), one statement per connection, database and kind per cycle,
    unless :attr:`shared_polling` is ``False``. The event carries ``kind``, ``label`` (the identity), ``job_id``,
    ``state`` (the status's ``to_dict()``), ``message``, ``fatal`` and ``timeout``.

    :param starrocks_conn_id: the StarRocks connection id.
    :param database: the database of the job.
    :param kind: the job kind's name (:data:`airflow_provider_starrocks.jobs.KINDS`).
    :param identity: what names the job (label, task name, snapshot).
    :param job_id: the job id seen when deferring, or ``None`` when none was seen yet.
    :param poll_interval: seconds between polls (grows gently up to a cap).
    :param deadline: absolute deadline, seconds since the epoch.
    :param cancel_on_kill: cancel the job at the deadline and when the task is killed (cancellable kinds only).
    :param submitted: whether the job is known to exist, so that its absence means it expired; default: whether
        a ``job_id`` was seen.
    """

    #: Batchable kinds poll through the process-wide shared poller (``False``: one connection per trigger).
    shared_polling: ClassVar[bool] = True

    def __init__(
        self,
        *,
        starrocks_conn_id: str,
        database: str,
        kind: str,
        identity: str,
        job_id: int | None,
        poll_interval: float,
        deadline: float,
        cancel_on_kill: bool = False,
        submitted: bool | None = None,
    ) -> None:
        super().__init__()
        self.job: JobKind = get_kind(kind)(database, identity)
        self.starrocks_conn_id = starrocks_conn_id
        self.database = database
        self.kind = kind
        self.identity = identity
        self.job_id = job_id
        self.poll_interval = float(poll_interval)
        self.deadline = float(deadline)
        self.cancel_on_kill = bool(cancel_on_kill) and self.job.cancellable
        self.submitted = job_id is not None if submitted is None else bool(submitted)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "airflow_provider_starrocks.triggers.job.StarRocksJobTrigger",
            {
                "starrocks_conn_id": self.starrocks_conn_id,
                "database": self.database,
                "kind": self.kind,
                "identity": self.identity,
                "job_id": self.job_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "cancel_on_kill": self.cancel_on_kill,
                "submitted": self.submitted,
            },
        )

    def _hook(self) -> Any:
        from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

        return StarRocksHook(starrocks_conn_id=self.starrocks_conn_id)

    def _event(
        self, status: str, state: JobStatus | None, message: str, fatal: bool = False, timeout: bool = False
    ) -> TriggerEvent:
        return TriggerEvent(
            {
                "status": status,
                "kind": self.kind,
                "label": self.identity,
                "job_id": state.job_id if state else self.job_id,
                "state": state.to_dict() if state else None,
                "message": message,
                "fatal": fatal,
                "timeout": timeout,
            }
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # The event is built first and yielded after every resource (shared subscription, connection) is
        # released: a triggerer need not resume the generator after the event for the cleanup to happen.
        yield await self._wait_for_end()

    async def _wait_for_end(self) -> TriggerEvent:
        hook = self._hook()
        conn: Any = None
        shared = self._subscribe()
        policy = WaitPolicy(
            self.identity,
            poll_interval=self.poll_interval,
            deadline=self.deadline,
            started=time.time(),
            submitted=self.submitted,
            may_cancel=self.cancel_on_kill,
            no_cancel_reason="cancel_on_kill=False, or this task did not submit it",
            missing=self.job.missing_message(),
        )
        errors = 0
        delay = 0.0  # the first read is at once: the task deferred on a status it had just read
        try:
            while True:
                # After a cancel the job is read at once on a connection of its own, not at the next shared cycle.
                pooled = shared is not None and policy.cancelled_at is None
                if not pooled and delay:
                    await asyncio.sleep(delay)
                try:
                    # The shared wait ends early at the deadline: that decision is then taken on fresh status.
                    jobs: Any = (
                        await shared.next(self._time_left()) if shared is not None and pooled else None
                    )
                    if jobs is None:
                        bound = max(self.deadline - time.time(), READ_FLOOR_SECONDS)
                        conn = conn or await asyncio.wait_for(hook.aget_load_conn(), bound)
                        jobs = await asyncio.wait_for(self.job.afetch(hook, conn), bound)
                    errors = 0
                except StarRocksJobError:
                    raise
                except Exception as exc:
                    errors += 1
                    _close(conn)
                    conn = None
                    if errors >= MAX_POLL_ERRORS or time.time() >= self.deadline:
                        return await self._silent_fe_event(hook, policy, exc)
                    self.log.warning(
                        "Polling StarRocks %s %r failed (%s); reconnecting.",
                        self.job.noun,
                        self.identity,
                        exc,
                    )
                    delay = next_delay(self.poll_interval, errors)
                    if pooled:
                        await asyncio.sleep(delay)
                    continue
                step = policy.decide(jobs, time.time())
                if step.warning:
                    self.log.warning("%s", step.warning)
                if step.log and step.action == "wait":
                    self.log.info("%s", step.log)
                if step.action == "cancel":
                    await self._cancel(hook, conn)
                    step = policy.cancel_sent(time.time())
                    self.log.warning("%s", step.warning)
                elif step.action != "wait":
                    return await self._final_event(hook, conn, step)
                delay = step.delay  # the shared poller's cycle paces shared reads instead
        except StarRocksJobError as exc:
            return self._event("error", None, str(exc), fatal=True)
        finally:
            if shared is not None:
                shared.close()
            _close(conn)

    async def _cancel(self, hook: Any, conn: Any) -> bool:
        try:
            return await asyncio.wait_for(self.job.acancel(hook, conn), READ_FLOOR_SECONDS)
        except Exception as exc:  # the next read tells what happened to the job
            self.log.warning(
                "Cancelling StarRocks %s %r did not complete: %s", self.job.noun, self.identity, exc
            )
            return False

    async def _silent_fe_event(self, hook: Any, policy: WaitPolicy, exc: BaseException) -> TriggerEvent:
        head = f"StarRocks {self.job.noun} {self.identity!r}: reading its status failed ({exc})"
        if time.time() < self.deadline:
            return self._event("error", None, f"{head} {MAX_POLL_ERRORS} times in a row.")
        sent = policy.may_cancel and policy.cancelled_at is None and await self._cancel(hook, None)
        outcome = "cancel sent; its outcome is unknown" if sent else "it was not cancelled"
        return self._event(
            "error",
            None,
            f"{head} past its deadline; {outcome}: a retry finds the job by its {_identity_noun(self.kind)}.",
            timeout=True,
        )

    def _subscribe(self) -> Subscription | None:
        if not self.shared_polling or not self.job.batched:
            return None
        from airflow_provider_starrocks.triggers._poller import subscribe

        return subscribe(
            self.starrocks_conn_id, self.database, self.identity, self.poll_interval, kind=self.kind
        )

    def _time_left(self) -> float | None:
        remaining = self.deadline - time.time()
        return remaining if remaining > 0 else None

    async def _final_event(self, hook: Any, conn: Any, step: Step) -> TriggerEvent:
        state = step.state
        if step.action == "succeed":
            return self._event("success", state, step.message)
        details: list[str] = []
        if state is not None and state.is_terminal:
            own = conn is None
            try:
                # Shared polling leaves the trigger without a connection: open one for this rare query only.
                conn = conn or await hook.aget_load_conn()
                details = await self.job.adetails(hook, conn, state)
            except Exception as exc:
                self.log.info("Could not read the failure details of %r: %s", self.identity, exc)
            finally:
                if own:
                    _close(conn)
        return self._event("error", state, step.failure(details), fatal=step.fatal, timeout=step.timeout)

    async def on_kill(self) -> None:
        """Cancel the job when the task is killed or marked by a user (Airflow 3.3+)."""
        if self.cancel_on_kill:
            await self.job.acancel(self._hook(), None)


def _identity_noun(kind: str) -> str:
    return "label" if kind == "load" else "name"


def _close(conn: Any) -> None:
    if conn is not None:
        conn.close()
