"""One aiomysql connection per StarRocks connection id, on an I/O event loop of its own, for the shared pollers."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    #: ``(hook, conn, server_version, database, identities)`` -> identity -> its jobs, or the exception that
    #: made that identity's rows unreadable (that subscriber's poll then fails).
    BatchFetch = Callable[[Any, Any, tuple[int, ...], str, list[str]], Awaitable[dict[str, Any]]]

log = logging.getLogger(__name__)

#: A status query hanging longer than this (a stalled FE) is abandoned and its connection reopened.
QUERY_TIMEOUT = 60.0


class SharedConnection:
    """
    One aiomysql connection of a StarRocks connection id, used by its pollers one query at a time.

    The connection lives on an event loop of its own in a daemon thread: reading and parsing thousands of status
    rows there takes the triggerer's loop only the interpreter's switch interval at a time, not the whole answer.

    :param conn_id: the Airflow connection id.
    """

    def __init__(self, conn_id: str) -> None:
        self.conn_id = conn_id
        self.users = 0
        self._lock = asyncio.Lock()
        self._hook: Any = None
        self._conn: Any = None
        self._io_loop: asyncio.AbstractEventLoop | None = None
        self.server_version: tuple[int, ...] = ()

    async def _open(self) -> Any:
        if self._conn is None:
            if self._hook is None:
                from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

                self._hook = StarRocksHook(starrocks_conn_id=self.conn_id)
            conn = await self._hook.aget_load_conn()
            try:
                self.server_version = tuple(await self._hook.aget_server_version(conn))
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    async def _query(self, fetch: BatchFetch, database: str, labels: list[str]) -> dict[str, Any]:
        conn = await self._open()
        return await fetch(self._hook, conn, self.server_version, database, labels)

    async def fetch(self, fetch: BatchFetch, database: str, labels: list[str]) -> dict[str, Any]:
        """
        Return the jobs of each identity, retrying once on a fresh connection (an idle one may have been dropped).

        :param fetch: the job kind's batched fetch.
        :param database: the database of the jobs.
        :param labels: the identities (load labels, task names...).
        """
        async with self._lock:
            for attempt in (1, 2):
                try:
                    return await self._on_io_loop(self._query(fetch, database, labels))
                except Exception as exc:
                    self.close()
                    if attempt == 2:
                        raise
                    log.info("StarRocks status query on %r failed (%s); reconnecting.", self.conn_id, exc)
                except BaseException:  # cancelled mid-query: the connection's protocol state is unknown
                    self.close()
                    raise
        raise AssertionError("unreachable")

    async def _on_io_loop(self, query: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
        if self._io_loop is None:
            loop = self._io_loop = asyncio.new_event_loop()
            threading.Thread(
                target=_serve, args=(loop,), name=f"starrocks-poll-{self.conn_id}", daemon=True
            ).start()
        # Cancelling the wrapping future cancels the query on the I/O loop.
        done = asyncio.run_coroutine_threadsafe(asyncio.wait_for(query, QUERY_TIMEOUT), self._io_loop)
        return await asyncio.wrap_future(done)

    def close(self) -> None:
        """Close the connection; the next query opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None and self._io_loop is not None:
            self._io_loop.call_soon_threadsafe(conn.close)

    def shutdown(self) -> None:
        """Close the connection and end the I/O loop's thread."""
        self.close()
        loop, self._io_loop = self._io_loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()
