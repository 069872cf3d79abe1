"""
Shared, batched status polling for every job trigger of one triggerer process.

Triggers waiting on jobs of the same StarRocks connection, database and job kind subscribe to one
:class:`LabelPoller`. It wakes at the shortest poll interval of its subscribers and sends the kind's one batched
status statement for all their identities (for loads one ``information_schema.loads`` query; per-label
``SHOW LOAD`` before StarRocks 3.1), then hands each subscriber the jobs of its identity. A kind polls shared
once its batched fetch is in :data:`BATCH_FETCHES` (:func:`register_batch_fetch`). The pollers of one
connection id share one aiomysql connection, reopened after a failure. Everything is per event loop, and a
poller, its task and its connection go away with their last subscriber, so a cancelled trigger leaks nothing.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import SharedPollError
from airflow_provider_starrocks.triggers._poll_connection import QUERY_TIMEOUT, SharedConnection

if TYPE_CHECKING:
    from airflow_provider_starrocks.triggers._poll_connection import BatchFetch

__all__ = ["QUERY_TIMEOUT", "SharedConnection", "SharedPollError", "subscribe", "register_batch_fetch"]

log = logging.getLogger(__name__)

#: ``information_schema.loads`` exists since StarRocks 3.1.
BATCH_MIN_VERSION = (3, 1, 0)
#: Subscribers woken per event-loop iteration after a cycle.
DELIVERY_BATCH = 200


async def fetch_loads(
    hook: Any, conn: Any, server_version: tuple[int, ...], database: str, labels: list[str]
) -> dict[str, Any]:
    """
    Read a batch of load labels: one ``information_schema.loads`` query (per-label ``SHOW LOAD`` before 3.1).

    :param hook: the StarRocks hook.
    :param conn: an open aiomysql connection.
    :param server_version: the FE's version.
    :param database: the database of the labels.
    :param labels: the labels.
    """
    if server_version >= BATCH_MIN_VERSION:
        return dict(await hook.aget_loads_by_labels(database, labels, conn))
    return {label: await hook.aget_load_states(database, label, conn) for label in labels}


#: Job kind -> its batched fetch; a kind without one cannot subscribe.
BATCH_FETCHES: dict[str, BatchFetch] = {"load": fetch_loads}


def register_batch_fetch(kind: str, fetch: BatchFetch) -> None:
    """
    Let triggers of job kind ``kind`` poll through shared pollers, ``fetch`` reading the jobs of a whole batch.

    :param kind: the job kind's registry name (``JobKind.name``).
    :param fetch: ``async (hook, conn, server_version, database, identities) -> {identity: jobs}``, sending at
        most one statement (that is the point of sharing).
    """
    BATCH_FETCHES[kind] = fetch


class Subscription:
    """
    One trigger's place in a :class:`LabelPoller`: the label, the interval it asked for, and its next result.

    :param poller: the poller.
    :param label: the label waited on.
    :param interval: the trigger's poll interval in seconds.
    """

    def __init__(self, poller: LabelPoller, label: str, interval: float) -> None:
        self.poller = poller
        self.label = label
        self.interval = interval
        self._future: asyncio.Future[list[Any]] | None = None
        self._ready: tuple[list[Any] | None, BaseException | None] | None = None

    def deliver(self, jobs: list[Any] | None, error: BaseException | None = None) -> None:
        """Hand over one cycle's result (kept until :meth:`next` asks, a newer one replacing it)."""
        future = self._future
        if future is not None and not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(jobs or [])
        else:
            self._ready = (jobs, error)

    async def next(self, timeout: float | None = None) -> list[Any] | None:
        """
        Wait for the jobs of the label from the next poll cycle.

        :param timeout: seconds to wait at most (``None``: no limit).
        :return: the jobs, or ``None`` when ``timeout`` passed first.
        :raises SharedPollError: the status query failed even on a fresh connection.
        """
        if self._ready is None:
            future = self._future = asyncio.get_running_loop().create_future()
            try:
                # asyncio.wait, not wait_for: on Python < 3.12 wait_for drops a cancellation that arrives as the
                # result does, and the cancelled trigger would then poll on forever.
                done, _ = await asyncio.wait({future}, timeout=timeout)
            finally:
                self._future = None
            if not done:
                return None
            if future.exception() is not None:
                # A fresh exception per subscriber: re-raising one shared object would grow its traceback.
                raise SharedPollError(str(future.exception()))
            return future.result()
        (jobs, error), self._ready = self._ready, None
        if error is not None:
            raise SharedPollError(str(error))
        return jobs or []

    def close(self) -> None:
        """Leave the poller (idempotent); the last subscriber to leave stops it."""
        self.poller.remove(self)


class LabelPoller:
    """
    Polls the identities of one (connection id, database, kind) for its subscribers, one fetch per cycle.

    :param registry: the pollers of this event loop.
    :param database: the database.
    :param connection: the shared connection of the connection id.
    :param kind: the job kind.
    """

    def __init__(
        self, registry: _Registry, database: str, connection: SharedConnection, kind: str = "load"
    ) -> None:
        self.registry = registry
        self.database = database
        self.connection = connection
        self.kind = kind
        self.cycles = 0
        #: Seconds spent in status queries, summed and at most (how long the FE takes to answer a cycle).
        self.query_seconds = 0.0
        self.query_seconds_max = 0.0
        self._subscriptions: dict[Subscription, None] = {}
        self._wake = asyncio.Event()
        self._last_cycle = -math.inf
        self._task: asyncio.Task[None] | None = None

    def add(self, label: str, interval: float) -> Subscription:
        """Subscribe ``label``: it joins the next cycle (at once when the poller is new)."""
        subscription = Subscription(self, label, interval)
        self._subscriptions[subscription] = None
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._loop(), name=f"starrocks-poller-{id(self)}"
            )
        self._wake.set()  # the interval may have become shorter
        return subscription

    def remove(self, subscription: Subscription) -> None:
        """Unsubscribe (idempotent); with the last subscriber gone, stop the task and release the connection."""
        if subscription not in self._subscriptions:
            return
        del self._subscriptions[subscription]
        if not self._subscriptions:
            self.registry.discard(self)
            if self._task is not None and self._task is not asyncio.current_task():
                self._task.cancel()
            self._task = None

    @property
    def interval(self) -> float:
        """The shortest interval any subscriber asked for."""
        return min((s.interval for s in self._subscriptions), default=math.inf)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self._subscriptions:
            delay = self._last_cycle + self.interval - loop.time()
            if delay > 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), delay)
                except asyncio.TimeoutError:
                    pass
                continue
            self._last_cycle = loop.time()
            try:
                await self._cycle()
            except Exception:  # a poller that died would leave every subscriber waiting for its deadline
                log.exception("StarRocks shared poller cycle failed; polling goes on.")

    async def _cycle(self) -> None:
        waiting = list(self._subscriptions)
        labels = sorted({s.label for s in waiting})
        started = time.monotonic()
        try:
            found = await self.connection.fetch(BATCH_FETCHES[self.kind], self.database, labels)
        except Exception as exc:
            for subscription in waiting:
                subscription.deliver(None, exc)
            return
        took = time.monotonic() - started
        self.query_seconds += took
        self.query_seconds_max = max(self.query_seconds_max, took)
        self.cycles += 1
        for index, subscription in enumerate(waiting, 1):
            jobs = found.get(subscription.label, [])
            if isinstance(jobs, Exception):
                subscription.deliver(None, jobs)
            else:
                subscription.deliver(jobs)
            if index % DELIVERY_BATCH == 0:
                # Each delivery wakes a trigger in the next loop iteration: thousands at once would hold the
                # loop for all their steps together, so they wake a batch per iteration.
                await asyncio.sleep(0)


class _Registry:
    """The pollers and shared connections of one event loop."""

    def __init__(self) -> None:
        self.connections: dict[str, SharedConnection] = {}
        self.pollers: dict[tuple[str, str, str], LabelPoller] = {}

    def poller(self, conn_id: str, database: str, kind: str) -> LabelPoller:
        key = (conn_id, database, kind)
        if key not in self.pollers:
            connection = self.connections.setdefault(conn_id, SharedConnection(conn_id))
            connection.users += 1
            self.pollers[key] = LabelPoller(self, database, connection, kind)
        return self.pollers[key]

    def discard(self, poller: LabelPoller) -> None:
        key = (poller.connection.conn_id, poller.database, poller.kind)
        if self.pollers.get(key) is not poller:
            return
        del self.pollers[key]
        poller.connection.users -= 1
        if poller.connection.users <= 0:
            poller.connection.shutdown()
            del self.connections[poller.connection.conn_id]


_REGISTRIES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Registry] = weakref.WeakKeyDictionary()


def subscribe(
    conn_id: str, database: str, label: str, poll_interval: float, kind: str = "load"
) -> Subscription:
    """
    Wait on ``label`` through the shared poller of ``(conn_id, database, kind)`` in the running event loop.

    :param conn_id: the StarRocks connection id.
    :param database: the database of the job.
    :param label: the job's identity (a load label, a task name...).
    :param poll_interval: the caller's poll interval in seconds.
    :param kind: the job kind; it needs a batched fetch in :data:`BATCH_FETCHES`.
    :return: the subscription; :meth:`Subscription.close` it when done (in a ``finally``).
    :raises ValueError: no batched fetch is registered for ``kind``.
    """
    if kind not in BATCH_FETCHES:
        raise ValueError(
            f"kind {kind!r} has no shared poller (known: {sorted(BATCH_FETCHES)}); "
            "register its batched fetch with register_batch_fetch() or poll it per trigger."
        )
    loop = asyncio.get_running_loop()
    registry = _REGISTRIES.get(loop)
    if registry is None:
        registry = _REGISTRIES[loop] = _Registry()
    return registry.poller(conn_id, database, kind).add(label, poll_interval)


def active_pollers() -> list[LabelPoller]:
    """Return the pollers of the running event loop (for tests and benchmarks: empty once all triggers ended)."""
    registry = _REGISTRIES.get(asyncio.get_running_loop())
    return list(registry.pollers.values()) if registry else []
