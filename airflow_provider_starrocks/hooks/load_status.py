"""
Load submission, status, cancellation and rejected rows for :class:`StarRocksHook` (sync and async).

Both paths fetch rows and hand them to the one parser, :func:`~airflow_provider_starrocks.utils.load_state.parse_rows`;
they differ only in the driver call. Loads and their status live in ``default_catalog``, so a connection whose
extra names another catalog is switched back first.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import (
    LabelAlreadyUsedError,
    StarRocksLoadError,
    StarRocksLoadFatalError,
    is_fatal_message,
)
from airflow_provider_starrocks.utils.load_state import LoadState, parse_rows, parse_rows_per_label
from airflow_provider_starrocks.utils.redaction import scrub_secrets
from airflow_provider_starrocks.utils.statements import loads as load_sql

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from airflow_provider_starrocks.utils.sql import Statement

# LabelAlreadyUsedException: "Label [<label>] has already been used." (newer code matches the same regex).
_LABEL_USED = re.compile(r"Label \[.*\] has already been used", re.DOTALL)
# LoadJob.cancelJob: "Job could not be cancelled when job is finished or cancelled" / "... while txn is committing";
# LoadMgr: "Load job does not exist", "There is no uncompleted job which label is <label>".
_NOT_CANCELLABLE = re.compile(
    r"could not be cancell?ed|does not exist|no uncompleted job|not found", re.IGNORECASE
)


def driver_message(exc: BaseException) -> str:
    """
    Return the server's text of a pymysql / aiomysql error (``args[1]``), else ``str(exc)``.

    :param exc: the driver error.
    """
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) >= 2 and isinstance(args[1], str):
        return args[1]
    return str(exc)


class LoadStatusMixin:
    """Load methods of :class:`~airflow_provider_starrocks.hooks.starrocks.StarRocksHook`."""

    if TYPE_CHECKING:
        from logging import Logger

        log: Logger

        @property
        def extras(self) -> dict[str, Any]: ...

        _connection: Any

        def get_conn(self, default_catalog: bool = False, read_timeout: float | None = None) -> Any: ...
        async def aget_conn(self, default_catalog: bool = False) -> Any: ...
        def get_conn_id(self) -> str: ...

    # -- sync ------------------------------------------------------------------------------------------------

    def get_load_conn(self, read_timeout: float | None = None) -> Any:
        """
        Open a pymysql connection in ``default_catalog``.

        :param read_timeout: seconds to wait for each answer, the handshake's included (default: the extra's).
        """
        return self.get_conn(default_catalog=True, read_timeout=read_timeout)

    @staticmethod
    def close_quietly(conn: Any) -> None:
        """
        Close a connection that may already be gone (pymysql raises on a second close).

        :param conn: a connection, or ``None``.
        """
        if conn is None:
            return
        try:
            conn.close()
        except Exception:  # a dropped connection may fail to close
            pass

    @staticmethod
    def reconnect(conn: Any) -> bool:
        """
        Reopen a dropped pymysql connection in place (same object, same settings); return whether it worked.

        :param conn: a connection from :meth:`get_load_conn`.
        """
        try:
            conn.ping(reconnect=True)
        except Exception:  # the caller's next statement reports the failure
            return False
        return True

    @staticmethod
    def bound_reads(conn: Any, seconds: float) -> None:
        """
        Bound how long each following statement on a pymysql connection waits for the FE's answer.

        pymysql applies its read timeout before every packet it reads; a stalled FE then fails the statement
        (the connection closes) instead of holding the task past its deadline.

        :param conn: a connection from :meth:`get_load_conn`.
        :param seconds: the longest wait for an answer.
        """
        conn._read_timeout = max(float(seconds), 0.1)

    def _fetch(self, conn: Any, statement: Statement) -> tuple[list[Any], list[str]]:
        self.log.debug("Running statement: %s", statement.redacted)
        with conn.cursor() as cursor:
            cursor.execute(statement.sql)
            columns = [col[0] for col in cursor.description or ()]
            rows = list(cursor.fetchall()) if cursor.description else []
        return rows, columns

    def submit_load(
        self,
        statement: Statement,
        label: str,
        conn: Any,
        secrets: Iterable[str] = (),
        kind: str = "broker load",
    ) -> list[Any]:
        """
        Send a labelled load statement (``LOAD LABEL``, ``INSERT ... WITH LABEL``, ``SUBMIT TASK``), logging only its redacted twin.

        :param statement: the statement and its redacted twin.
        :param label: the label, for error messages.
        :param conn: a connection from :meth:`get_load_conn`.
        :param secrets: credential values to scrub from any error text.
        :param kind: what is submitted, for the log line.
        :return: the statement's result rows (``SUBMIT TASK`` answers TaskName and Status), else empty.
        :raises LabelAlreadyUsedError: the label has a job in flight or FINISHED.
        :raises StarRocksLoadFatalError: StarRocks refused the statement for a reason a retry cannot fix.
        """
        self.log.info("Submitting %s: %s", kind, statement.redacted)
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement.sql)
                return list(cursor.fetchall()) if cursor.description else []
        except Exception as exc:
            raise self._submit_error(exc, label, list(secrets)) from None

    def _submit_error(self, exc: Exception, label: str, secrets: list[str]) -> Exception:
        message = scrub_secrets(driver_message(exc), secrets)
        if _LABEL_USED.search(message):
            return LabelAlreadyUsedError(f"StarRocks load {label!r}: {message}")
        error = StarRocksLoadFatalError if is_fatal_message(message) else StarRocksLoadError
        return error(f"StarRocks refused load {label!r}: {message}")

    def get_load_states(self, database: str, label: str, conn: Any) -> list[LoadState]:
        """
        Return every job of ``label`` in ``database`` (a reused CANCELLED label has several).

        :param database: the database.
        :param label: the label.
        :param conn: a connection from :meth:`get_load_conn`.
        """
        return parse_rows(*self._fetch(conn, load_sql.show_load(database, label)))

    @contextlib.contextmanager
    def using_load_conn(self, conn: Any | None = None) -> Iterator[Any]:
        """
        Yield ``conn``, or a new connection from :meth:`get_load_conn` that is closed on the way out.

        :param conn: a connection the caller keeps open, or ``None``.
        """
        own = conn is None
        conn = conn or self.get_load_conn()
        try:
            yield conn
        finally:
            if own:
                self.close_quietly(conn)

    def cancel_load(self, database: str, label: str, conn: Any | None = None) -> bool:
        """
        Send ``CANCEL LOAD``; return ``False`` (and log why) when StarRocks cannot cancel the job.

        :param database: the database.
        :param label: the label.
        :param conn: a connection from :meth:`get_load_conn`; a new one is opened otherwise.
        """
        statement = self._cancel_statement(database, label)
        try:
            with self.using_load_conn(conn) as open_conn, open_conn.cursor() as cursor:
                cursor.execute(statement.sql)
        except Exception as exc:
            return self._cancel_failed(label, exc)
        return True

    def _cancel_statement(self, database: str, label: str) -> Statement:
        statement = load_sql.cancel_load(database, label)
        self.log.info("Cancelling StarRocks load %r: %s", label, statement.redacted)
        return statement

    def _cancel_failed(self, label: str, exc: BaseException) -> bool:
        message = driver_message(exc)
        if _NOT_CANCELLABLE.search(message):
            self.log.info("StarRocks load %r cannot be cancelled: %s", label, message)
        else:
            self.log.warning("CANCEL LOAD for %r failed: %s", label, message)
        return False

    def get_rejected_rows(self, job_id: int | None, conn: Any, limit: int = 5) -> list[str]:
        """
        Return the first rejected rows of a job from ``information_schema.load_tracking_logs``, if kept.

        :param job_id: the load job id.
        :param conn: a connection from :meth:`get_load_conn`.
        :param limit: how many lines to return.
        """
        try:
            rows = self._fetch(conn, load_sql.load_tracking_log(job_id))[0] if job_id is not None else []
        except Exception as exc:
            return self._no_rejected_rows(job_id, exc)
        return _first_lines(rows, limit)

    def _no_rejected_rows(self, job_id: int | None, exc: BaseException) -> list[str]:
        self.log.info("No rejected-row log for job %s: %s", job_id, driver_message(exc))
        return []

    # -- async -----------------------------------------------------------------------------------------------

    async def aget_load_conn(self) -> Any:
        """Open an aiomysql connection in ``default_catalog``, fetching the Airflow connection asynchronously."""
        if self._connection is None:  # DbApiHook.connection would fetch it synchronously, in the event loop
            self._connection = await _aget_connection(self.get_conn_id(), self)
        return await self.aget_conn(default_catalog=True)

    async def _afetch(self, conn: Any, statement: Statement) -> tuple[list[Any], list[str]]:
        self.log.debug("Running statement: %s", statement.redacted)
        async with conn.cursor() as cursor:
            await cursor.execute(statement.sql)
            columns = [col[0] for col in cursor.description or ()]
            rows = list(await cursor.fetchall()) if cursor.description else []
        return rows, columns

    async def aget_load_states(self, database: str, label: str, conn: Any) -> list[LoadState]:
        """
        Async twin of :meth:`get_load_states`.

        :param database: the database.
        :param label: the label.
        :param conn: a connection from :meth:`aget_load_conn`.
        """
        return parse_rows(*await self._afetch(conn, load_sql.show_load(database, label)))

    async def aget_loads_by_labels(
        self, database: str, labels: Iterable[str], conn: Any
    ) -> dict[str, list[LoadState]]:
        """
        Return the jobs of many labels of one database from one ``information_schema.loads`` query (v3.1+).

        :param database: the database.
        :param labels: the labels.
        :param conn: a connection from :meth:`aget_load_conn`.
        """
        wanted = set(labels)
        found: dict[str, Any] = {label: [] for label in wanted}
        states, unreadable = parse_rows_per_label(*await self._afetch(conn, load_sql.loads_by_labels(wanted)))
        for state in states:
            if state.label in found and state.database in (None, database):
                found[state.label].append(state)
        # A label with an unreadable row gets the error instead of its jobs: that poll counts as failed.
        found.update({label: exc for label, exc in unreadable.items() if label in found})
        return found

    @contextlib.asynccontextmanager
    async def ausing_load_conn(self, conn: Any | None = None) -> AsyncIterator[Any]:
        """
        Async twin of :meth:`using_load_conn`: a new connection comes from :meth:`aget_load_conn`.

        :param conn: a connection the caller keeps open, or ``None``.
        """
        own = conn is None
        conn = conn or await self.aget_load_conn()
        try:
            yield conn
        finally:
            if own:
                self.close_quietly(conn)

    async def acancel_load(self, database: str, label: str, conn: Any | None = None) -> bool:
        """
        Async twin of :meth:`cancel_load`.

        :param database: the database.
        :param label: the label.
        :param conn: a connection from :meth:`aget_load_conn`; a new one is opened otherwise.
        """
        statement = self._cancel_statement(database, label)
        try:
            async with self.ausing_load_conn(conn) as open_conn, open_conn.cursor() as cursor:
                await cursor.execute(statement.sql)
        except Exception as exc:
            return self._cancel_failed(label, exc)
        return True

    async def aget_rejected_rows(self, job_id: int | None, conn: Any, limit: int = 5) -> list[str]:
        """
        Async twin of :meth:`get_rejected_rows`.

        :param job_id: the load job id.
        :param conn: a connection from :meth:`aget_load_conn`.
        :param limit: how many lines to return.
        """
        try:
            rows = (
                (await self._afetch(conn, load_sql.load_tracking_log(job_id)))[0]
                if job_id is not None
                else []
            )
        except Exception as exc:
            return self._no_rejected_rows(job_id, exc)
        return _first_lines(rows, limit)


def _first_lines(rows: Iterable[Any], limit: int) -> list[str]:
    lines: list[str] = []
    for row in rows:
        text = row[0].decode() if isinstance(row[0], bytes) else str(row[0] or "")
        lines.extend(line for line in text.splitlines() if line.strip())
        if len(lines) >= limit:
            break
    return lines[:limit]


async def _aget_connection(conn_id: str, hook: Any) -> Any:
    try:
        from airflow.providers.common.compat.connection import get_async_connection
    except ImportError:  # common-compat before the async helpers: a worker thread keeps the loop free
        from asgiref.sync import sync_to_async

        return await sync_to_async(hook.get_connection)(conn_id)
    return await get_async_connection(conn_id, hook)
