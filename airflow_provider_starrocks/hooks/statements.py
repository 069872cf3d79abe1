"""
Statements that carry credentials and answer with an affected-row count (unloads, CREATE PIPE).

:class:`~airflow_provider_starrocks.hooks.starrocks.StarRocksHook` gets :meth:`run_write` from here: it logs the
redacted twin only, scrubs the credentials from any error text, and tells an answered failure apart from a lost
answer, after which StarRocks may or may not have done the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import (  # noqa: F401 - StarRocksAnswerLostError: importable here too
    StarRocksAnswerLostError,
    StarRocksLoadError,
    StarRocksLoadFatalError,
    is_fatal_message,
)
from airflow_provider_starrocks.hooks.load_status import driver_message
from airflow_provider_starrocks.utils.redaction import scrub_secrets

if TYPE_CHECKING:
    from collections.abc import Iterable

    from airflow_provider_starrocks.utils.sql import Statement

# pymysql / MySQL client codes for a connection that broke before the answer: CR_SERVER_GONE_ERROR,
# CR_SERVER_LOST, CR_COMMANDS_OUT_OF_SYNC, CR_CONN_HOST_ERROR.
_LOST = {2006, 2013, 2014, 2003}


class WriteStatementMixin:
    """The :meth:`run_write` method of the hook."""

    if TYPE_CHECKING:
        from logging import Logger

        log: Logger

    def run_write(self, statement: Statement, what: str, conn: Any, secrets: Iterable[str] = ()) -> int:
        """
        Run one statement and return its affected-row count (``INSERT INTO FILES()`` reports the rows written).

        :param statement: the statement and its redacted twin.
        :param what: what runs, for the log line and errors (e.g. ``"unload 'label'"``).
        :param conn: an open connection.
        :param secrets: credential values to scrub from any error text.
        :raises StarRocksAnswerLostError: the connection broke before StarRocks answered.
        :raises StarRocksLoadFatalError: StarRocks refused the statement for a reason a retry cannot fix.
        :raises StarRocksLoadError: StarRocks answered with another error.
        """
        self.log.info("Running %s: %s", what, statement.redacted)
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement.sql)
                return max(int(cursor.rowcount or 0), 0)
        except Exception as exc:
            code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
            if code is None and not _is_driver_error(exc):
                raise
            message = scrub_secrets(driver_message(exc), list(secrets))
            if code is None or code in _LOST:
                raise StarRocksAnswerLostError(
                    f"StarRocks {what}: the answer was lost ({message})."
                ) from None
            error = StarRocksLoadFatalError if is_fatal_message(message) else StarRocksLoadError
            raise error(f"StarRocks refused {what}: {message}") from None


def _is_driver_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("pymysql", "aiomysql")) or isinstance(
        exc, (OSError, TimeoutError)
    )
