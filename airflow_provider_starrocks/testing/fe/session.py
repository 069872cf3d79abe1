"""One client connection: statement log, faults, error mapping and dispatch to the statement handlers."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from mysql_mimic.errors import MysqlError
from mysql_mimic.session import BaseSession
from mysql_mimic.variables import GlobalVariables, SessionVariables

from airflow_provider_starrocks.testing.fe import handlers, reserved_words
from airflow_provider_starrocks.testing.fe.errors import StarRocksError, SyntaxProblem, not_supported
from airflow_provider_starrocks.testing.fe.store import DEFAULT_CATALOG
from airflow_provider_starrocks.testing.fe.stream import TokenStream

if TYPE_CHECKING:
    from mysql_mimic.connection import Connection

    from airflow_provider_starrocks.testing.fe.context import FeContext


class FeSession(BaseSession):
    """Session state of one connection (current catalog and database, session variables).

    :param fe: the emulator this connection belongs to.
    """

    def __init__(self, fe: FeContext) -> None:
        self.fe = fe
        self.variables = SessionVariables(GlobalVariables())
        self.variables.set("version", fe.config.mysql_server_version, force=True)
        self.variables.set("version_comment", f"StarRocks version {fe.config.version}", force=True)
        self.username: str | None = None
        self.database: str | None = None
        self.catalog = DEFAULT_CATALOG
        self.session_vars: dict[str, Any] = {}
        self.connection: Connection | None = None
        #: the next OK packet's affected rows (an INSERT's loaded rows), consumed by ``FeConnection.ok``
        self.affected_rows: int | None = None

    async def init(self, connection: Connection) -> None:
        self.connection = connection
        self.fe.register(self)

    async def close(self) -> None:
        self.fe.unregister(self)

    def drop(self) -> None:
        """Close the client connection from the server side."""
        if self.connection is not None:
            self.connection.stream.writer.close()

    async def use(self, database: str) -> None:
        self.fe.statements.append(f"USE {database}")
        try:
            self.fe.store.require_db(database)
        except StarRocksError as exc:
            raise MysqlError(exc.msg, code=exc.code) from None  # type: ignore[arg-type]
        self.database = database

    async def handle_query(self, sql: str, attrs: dict[str, str]) -> Any:
        self.fe.statements.append(sql)
        if self.fe.stall_seconds:
            await asyncio.sleep(self.fe.stall_seconds)
        try:
            # Statements may block (S3 reads, DuckDB); keep the event loop free for other connections.
            return await asyncio.get_running_loop().run_in_executor(None, self.execute, sql)
        except SyntaxProblem as exc:
            raise MysqlError(exc.render(sql), code=exc.code) from None  # type: ignore[arg-type]
        except StarRocksError as exc:
            raise MysqlError(exc.msg, code=exc.code) from None  # type: ignore[arg-type]

    def execute(self, sql: str) -> Any:
        """Run one statement and return ``(rows, columns)`` or None.

        :param sql: the statement text.
        """
        reserved_words.ACTIVE.set(self.fe.config.release.reserved_words)
        ts = TokenStream(sql)
        if ts.tok.kind == "eof" or (ts.at_sym(";") and ts.peek(1).kind == "eof"):
            raise StarRocksError("Query was empty")
        first = ts.tok.upper
        handler = handlers.DISPATCH.get(first)
        if handler is None:
            if ts.at_sym("("):
                handler = handlers.DISPATCH["SELECT"]
            else:
                raise not_supported(f"statement starting with {ts.sql[ts.tok.pos : ts.tok.end]!r}")
        return handler(self, ts)
