"""Async polling of one StarRocks load label until its job ends or the absolute deadline passes."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_starrocks.utils.load_state import LoadState, StarRocksLoadError
from airflow_provider_starrocks.utils.polling import (
    MAX_POLL_ERRORS,
    LoadWatch,
    next_delay,
)

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
        conn = None
        shared = self._subscribe()
        watch = LoadWatch(self.label, submitted=self.job_id is not None or self.kind == "task_run")
        attempt = errors = 0
        warned_prepared = False
        try:
            while True:
                try:
                    # The shared wait ends early at the deadline: that decision is then taken on fresh status.
                    jobs = await shared.next(self._time_left()) if shared is not None else None
                    if jobs is None:
                        conn = conn or await hook.aget_load_conn()
                        jobs = await self.fetch_jobs(hook, conn)
                    errors = 0
                except Exception as exc:
                    errors += 1
                    _close(conn)
                    conn = None
                    if errors >= MAX_POLL_ERRORS:
                        return self._event(
                            "error", None, f"StarRocks load {self.label!r}: polling failed: {exc}"
                        )
                    self.log.warning("Polling load %r failed (%s); reconnecting.", self.label, exc)
                    await asyncio.sleep(next_delay(self.poll_interval, errors))
                    continue
                state = watch.observe(jobs)
                if state is not None and watch.changed(state):
                    self.log.info("StarRocks load %s", state.describe())
                    attempt = 0  # the load is moving: back to the base interval
                if state is not None and state.is_terminal:
                    return await self._final_event(hook, conn, state)
                if time.time() >= self.deadline:
                    if state is None or state.is_cancellable or not self.cancel_on_kill:
                        return await self._deadline_event(hook, conn, state)
                    if not warned_prepared:
                        warned_prepared = True
                        self.log.warning(
                            "Deadline passed with load %r %s: committed, so it cannot be cancelled; the data "
                            "landed and polling goes on until it is visible.",
                            self.label,
                            state.state,
                        )
                if shared is not None:
                    continue  # the shared poller's cycle paces the next result
                remaining = self.deadline - time.time()
                delay = next_delay(self.poll_interval, attempt)
                attempt += 1
                await asyncio.sleep(min(delay, remaining) if remaining > 0 else delay)
        except StarRocksLoadError as exc:
            return self._event("error", None, str(exc), fatal=True)
        finally:
            if shared is not None:
                shared.close()
            _close(conn)

    def _subscribe(self) -> Subscription | None:
        if not self.shared_polling or self.kind != "load":
            return None
        from airflow_provider_starrocks.triggers._poller import subscribe

        return subscribe(self.starrocks_conn_id, self.database, self.label, self.poll_interval)

    def _time_left(self) -> float | None:
        remaining = self.deadline - time.time()
        return remaining if remaining > 0 else None

    async def _final_event(self, hook: Any, conn: Any, state: LoadState) -> TriggerEvent:
        if state.is_success:
            return self._event("success", state, f"StarRocks load {state.describe()}")
        own = conn is None
        rejected: list[str] = []
        try:
            # Shared polling leaves the trigger without a connection: open one for this rare query only.
            conn = conn or await hook.aget_load_conn()
            rejected = await hook.aget_rejected_rows(state.job_id, conn)
        except Exception as exc:
            self.log.info("Could not read rejected rows of %r: %s", self.label, exc)
        finally:
            if own:
                _close(conn)
        return self._event("error", state, state.failure_message(rejected), fatal=state.is_fatal)

    async def _deadline_event(self, hook: Any, conn: Any, state: LoadState | None) -> TriggerEvent:
        if state is None:
            return self._event(
                "error", None, f"Timed out waiting for StarRocks load {self.label!r} to appear.", timeout=True
            )
        if self.cancel_on_kill:
            await hook.acancel_load(self.database, self.label, conn)
            message = (
                f"StarRocks load {self.label!r} passed its deadline while {state.state}: CANCEL LOAD sent."
            )
        else:
            message = f"Timed out waiting for StarRocks load {self.label!r} (still {state.state})."
        return self._event("error", state, message, timeout=True)

    async def on_kill(self) -> None:
        """Cancel the load when the task is killed or marked by a user (Airflow 3.3+)."""
        if self.cancel_on_kill:
            await self._hook().acancel_load(self.database, self.label)


def _close(conn: Any) -> None:
    if conn is not None:
        conn.close()
