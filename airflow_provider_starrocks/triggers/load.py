"""Async polling of one StarRocks load label until its job ends or the absolute deadline passes."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_starrocks.utils.load_state import LoadState, StarRocksLoadError
from airflow_provider_starrocks.utils.polling import MAX_POLL_ERRORS, next_delay
from airflow_provider_starrocks.utils.wait_policy import READ_FLOOR_SECONDS, Step, WaitPolicy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow_provider_starrocks.triggers._poller import Subscription

KINDS = ("load", "task_run")


class StarRocksLoadTrigger(BaseTrigger):
    """
    Poll a load label with aiomysql and yield one event when its job ends.

    A ``job_id`` means the label was submitted: a label with no job then means it expired ("state unknown").
    Without one (a sensor waiting for a load submitted elsewhere) an absent label is waited for. At the
    deadline a cancellable job is cancelled when ``cancel_on_kill`` is set; a PREPARED job cannot be cancelled,
    so polling goes on until its data is visible. Status comes from :meth:`fetch_jobs`, the one place a
    shared poller (one batched ``information_schema.loads`` query per connection and database per cycle) can
    take over, with the same kwargs. Load triggers use that shared poller (:mod:`._poller`) unless
    :attr:`shared_polling` is ``False``: no connection of their own, no backoff (a cycle costs the FE one query
    whatever the number of labels), and the result of each cycle as soon as it is in.

    :param starrocks_conn_id: the StarRocks connection id.
    :param database: the database of the label.
    :param label: the load label.
    :param job_id: the job id seen when deferring, or ``None`` when none was seen yet.
    :param poll_interval: seconds between polls (grows gently up to a cap).
    :param deadline: absolute deadline, seconds since the epoch.
    :param cancel_on_kill: send ``CANCEL LOAD`` at the deadline and when the task is killed.
    :param kind: ``"load"`` (``label`` is a load label) or ``"task_run"`` (``label`` is the name of a submitted
        task, followed in ``information_schema.task_runs``; always treated as submitted, never cancelled).
    """

    #: Poll through the process-wide shared poller (``False``: one connection and query per trigger).
    shared_polling: ClassVar[bool] = True

    def __init__(
        self,
        *,
        starrocks_conn_id: str,
        database: str,
        label: str,
        job_id: int | None,
        poll_interval: float,
        deadline: float,
        cancel_on_kill: bool = True,
        kind: str = "load",
    ) -> None:
        super().__init__()
        self.starrocks_conn_id = starrocks_conn_id
        self.database = database
        self.label = label
        self.job_id = job_id
        self.poll_interval = float(poll_interval)
        self.deadline = float(deadline)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
        self.kind = kind
        self.cancel_on_kill = cancel_on_kill and kind == "load"

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "starrocks_conn_id": self.starrocks_conn_id,
                "database": self.database,
                "label": self.label,
                "job_id": self.job_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "cancel_on_kill": self.cancel_on_kill,
                # Only when not the default, so load triggers serialize exactly as before.
                **({"kind": self.kind} if self.kind != "load" else {}),
            },
        )

    def _hook(self) -> Any:
        from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

        return StarRocksHook(starrocks_conn_id=self.starrocks_conn_id)

    async def fetch_jobs(self, hook: Any, conn: Any) -> list[Any]:
        """
        Return every job of the label (the seam for a shared, batched poller).

        :param hook: the StarRocks hook.
        :param conn: an open aiomysql connection in ``default_catalog``.
        """
        if self.kind == "task_run":
            return await hook.aget_task_runs(self.label, conn)
        return await hook.aget_load_states(self.database, self.label, conn)

    def _event(
        self, status: str, state: LoadState | None, message: str, fatal: bool = False, timeout: bool = False
    ) -> TriggerEvent:
        return TriggerEvent(
            {
                "status": status,
                "label": self.label,
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
            self.label,
            poll_interval=self.poll_interval,
            deadline=self.deadline,
            started=time.time(),
            submitted=self.job_id is not None or self.kind == "task_run",
            may_cancel=self.cancel_on_kill,
            no_cancel_reason="cancel_on_kill=False, or this task did not submit it",
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
                        jobs = await asyncio.wait_for(self.fetch_jobs(hook, conn), bound)
                    errors = 0
                except StarRocksLoadError:
                    raise
                except Exception as exc:
                    errors += 1
                    _close(conn)
                    conn = None
                    if errors >= MAX_POLL_ERRORS or time.time() >= self.deadline:
                        return await self._silent_fe_event(hook, policy, exc)
                    self.log.warning("Polling load %r failed (%s); reconnecting.", self.label, exc)
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
        except StarRocksLoadError as exc:
            return self._event("error", None, str(exc), fatal=True)
        finally:
            if shared is not None:
                shared.close()
            _close(conn)

    async def _cancel(self, hook: Any, conn: Any) -> bool:
        try:
            return await asyncio.wait_for(
                hook.acancel_load(self.database, self.label, conn), READ_FLOOR_SECONDS
            )
        except Exception as exc:  # the next read tells what happened to the job
            self.log.warning("CANCEL LOAD for %r did not complete: %s", self.label, exc)
            return False

    async def _silent_fe_event(self, hook: Any, policy: WaitPolicy, exc: BaseException) -> TriggerEvent:
        head = f"StarRocks load {self.label!r}: reading its status failed ({exc})"
        if time.time() < self.deadline:
            return self._event("error", None, f"{head} {MAX_POLL_ERRORS} times in a row.")
        sent = policy.may_cancel and policy.cancelled_at is None and await self._cancel(hook, None)
        outcome = "cancel sent; its outcome is unknown" if sent else "it was not cancelled"
        return self._event(
            "error",
            None,
            f"{head} past its deadline; {outcome}: a retry finds the job by its label.",
            timeout=True,
        )

    def _subscribe(self) -> Subscription | None:
        if not self.shared_polling or self.kind != "load":
            return None
        from airflow_provider_starrocks.triggers._poller import subscribe

        return subscribe(self.starrocks_conn_id, self.database, self.label, self.poll_interval)

    def _time_left(self) -> float | None:
        remaining = self.deadline - time.time()
        return remaining if remaining > 0 else None

    async def _final_event(self, hook: Any, conn: Any, step: Step) -> TriggerEvent:
        state = step.state
        if step.action == "succeed":
            return self._event("success", state, step.message)
        rejected: list[str] = []
        if state is not None and state.is_terminal and self.kind == "load":
            own = conn is None
            try:
                # Shared polling leaves the trigger without a connection: open one for this rare query only.
                conn = conn or await hook.aget_load_conn()
                rejected = await hook.aget_rejected_rows(state.job_id, conn)
            except Exception as exc:
                self.log.info("Could not read rejected rows of %r: %s", self.label, exc)
            finally:
                if own:
                    _close(conn)
        return self._event("error", state, step.failure(rejected), fatal=step.fatal, timeout=step.timeout)

    async def on_kill(self) -> None:
        """Cancel the load when the task is killed or marked by a user (Airflow 3.3+)."""
        if self.cancel_on_kill:
            await self._hook().acancel_load(self.database, self.label)


def _close(conn: Any) -> None:
    if conn is not None:
        conn.close()
