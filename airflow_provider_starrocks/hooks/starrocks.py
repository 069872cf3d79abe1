"""StarRocks hook: MySQL protocol to the FE, pymysql for sync work and aiomysql for triggers."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_starrocks.exceptions import (  # noqa: F401
    StarRocksConnectionConfigError,
    StarRocksConnectionError,
    StarRocksVersionError,
)
from airflow_provider_starrocks.hooks.connection_config import (  # noqa: F401
    DEFAULT_CATALOG,
    DEFAULT_CHARSET,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_PORT,
    ConnectionConfigMixin,
)
from airflow_provider_starrocks.hooks.load_status import LoadStatusMixin
from airflow_provider_starrocks.hooks.sql_ecosystem import SqlEcosystemMixin
from airflow_provider_starrocks.hooks.statements import WriteStatementMixin
from airflow_provider_starrocks.hooks.task_runs import TaskRunMixin
from airflow_provider_starrocks.utils.sql import Statement

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


# current_version() returns e.g. "3.3.5-6d81f75" or "2.1.2 0782ad7".
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


@contextlib.contextmanager
def _closed_on_error(conn: Any) -> Iterator[None]:
    """Close a new connection when its session setup fails (pymysql's and aiomysql's ``close`` are both sync)."""
    try:
        yield
    except BaseException:
        conn.close()
        raise


def parse_version(text: str) -> tuple[int, int, int]:
    """
    Parse a StarRocks version string into a comparable ``(major, minor, patch)`` tuple.

    :param text: the output of ``current_version()`` or ``@@version_comment``.
    """
    match = _VERSION_RE.search(text or "")
    if not match:
        raise ValueError(f"Cannot parse a StarRocks version from {text!r}.")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


class StarRocksHook(
    ConnectionConfigMixin, SqlEcosystemMixin, LoadStatusMixin, TaskRunMixin, WriteStatementMixin, DbApiHook
):
    """
    Interact with StarRocks through the FE's MySQL protocol port.

    Connection extras: ``catalog`` (switched to after connecting), ``session_variables`` (a dict set on connect),
    ``ssl`` (``true`` or a dict of pymysql ssl options; off by default), ``connect_timeout`` (default 10 s),
    ``read_timeout`` and ``charset`` (default utf8mb4). An extra that is null or ``""`` (what the connection form
    saves for an empty field) counts as unset; unknown extras (e.g. the former ``http_port``) are ignored.

    :param starrocks_conn_id: the Airflow connection id of the StarRocks FE.
    """

    conn_name_attr = "starrocks_conn_id"
    default_conn_name = "starrocks_default"
    conn_type = "starrocks"
    hook_name = "StarRocks"
    supports_autocommit = True
    _test_connection_sql = "SELECT current_version()"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("escape_word_format", "`{}`")
        super().__init__(*args, **kwargs)
        # DbApiHook keeps ``schema`` private (name-mangled) in common-sql 2.x; the hook reads it as self.schema.
        self.schema: str | None = kwargs.get("schema")
        # Airflow tests a connection form under a random temporary conn id: messages then say "this connection".
        self._testing_connection = False

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Form behaviour for Airflow 2.x; Airflow 3.2+ reads the same from ``get_provider_info()``."""
        from airflow_provider_starrocks import get_provider_info

        behaviour = get_provider_info()["connection-types"][0]["ui-field-behaviour"]
        # The classmethod form spells the keys with underscores ("hidden_fields").
        return {key.replace("-", "_"): value for key, value in behaviour.items()}

    def get_conn(self, default_catalog: bool = False, read_timeout: float | None = None) -> Any:
        """
        Open a pymysql connection, apply session variables and switch to the configured catalog.

        :param default_catalog: stay in ``default_catalog`` whatever catalog the connection names (loads and file
            external tables live there).
        :param read_timeout: seconds to wait for each answer (the handshake's too), overriding the extra.
        """
        import pymysql

        kwargs = self._connect_kwargs()
        if read_timeout is not None:
            kwargs["read_timeout"] = read_timeout
        try:
            conn = pymysql.connect(**kwargs)
        except pymysql.MySQLError as exc:
            raise self._connection_error(exc) from None
        with _closed_on_error(conn), conn.cursor() as cursor:
            for source, statement in self._session_setup(catalog=not default_catalog):
                with self._setup_step(source):
                    cursor.execute(statement)
        return conn

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        conn.autocommit(autocommit)

    def get_autocommit(self, conn: Any) -> bool:
        # The mode the client set (pymysql re-applies it on reconnect), not the server's status flag.
        return bool(conn.autocommit_mode)

    async def aget_conn(self, default_catalog: bool = False) -> Any:
        """Open an aiomysql connection with the same settings as :meth:`get_conn`."""
        import aiomysql
        import pymysql

        kwargs = self._connect_kwargs()
        kwargs["db"] = kwargs.pop("database", None)
        kwargs.pop("read_timeout", None)
        try:
            conn = await aiomysql.connect(**kwargs)
        except (pymysql.MySQLError, OSError) as exc:
            raise self._connection_error(exc) from None
        with _closed_on_error(conn):
            async with conn.cursor() as cursor:
                for source, statement in self._session_setup(catalog=not default_catalog):
                    with self._setup_step(source):
                        await cursor.execute(statement)
        return conn

    def execute_statement(
        self, statement: Statement, conn: Any | None = None
    ) -> tuple[list[tuple[Any, ...]], list[str]]:
        """
        Execute one statement on a cursor, logging only its redacted twin.

        Credential-bearing statements go through here, never through ``DbApiHook.run``, whose hook-lineage
        payload would carry the raw SQL.

        :param statement: the statement and its redacted twin.
        :param conn: an open connection to reuse; a new one is opened (and closed) otherwise.
        :return: the rows and the column names (empty for statements without a result set).
        """
        self.log.info("Running statement: %s", statement.redacted)
        own = conn is None
        conn = conn or self.get_conn()
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement.sql)
                columns = [col[0] for col in cursor.description or ()]
                rows = list(cursor.fetchall()) if cursor.description else []
            return rows, columns
        finally:
            if own:
                conn.close()

    def query(self, sql: str, conn: Any | None = None) -> tuple[list[tuple[Any, ...]], list[str]]:
        """Run a statement without secrets and return rows and column names."""
        return self.execute_statement(Statement(sql, sql), conn)

    def get_server_version(self) -> tuple[int, int, int]:
        """Return the StarRocks version as a comparable tuple, e.g. ``(3, 3, 5)``."""
        return parse_version(self.get_first("SELECT current_version()")[0])

    async def aget_server_version(self, conn: Any) -> tuple[int, int, int]:
        """
        Async twin of :meth:`get_server_version`, on an open aiomysql connection.

        :param conn: a connection from :meth:`aget_conn` or ``aget_load_conn()``.
        """
        async with conn.cursor() as cursor:
            await cursor.execute(self._test_connection_sql)
            row = await cursor.fetchone()
        return parse_version(row[0])

    def require_version(self, minimum: Sequence[int], feature: str) -> tuple[int, int, int]:
        """Fail with a clear message when the server is older than ``minimum``."""
        version = self.get_server_version()
        if version < tuple(minimum):
            raise StarRocksVersionError(
                f"{feature} needs StarRocks {'.'.join(map(str, minimum))} or newer; "
                f"{self._describe()} runs {'.'.join(map(str, version))}."
            )
        return version

    def test_connection(self):  # type: ignore[override]
        """Connect and report the server version from ``SELECT current_version()``."""
        self._testing_connection = True
        try:
            version = self.get_first("SELECT current_version()")[0]
        except Exception as exc:
            return False, str(exc)
        finally:
            self._testing_connection = False
        return True, f"Connected to StarRocks {version}"

    def get_openlineage_database_info(self, connection: Any) -> Any:
        """
        Name SQL lineage as the operators do (``utils/lineage.py``): ``{catalog}.{database}.{table}``.

        The parser's "database" level is the session's catalog and its "schema" the connection's database.
        """
        from airflow.providers.openlineage.sqlparser import DatabaseInfo

        from airflow_provider_starrocks.utils import lineage

        return DatabaseInfo(
            scheme=lineage.STARROCKS_SCHEME,
            authority=lineage.authority(connection.host, connection.port),
            database=self.extras.get("catalog") or DEFAULT_CATALOG,
            normalize_name_method=lambda name: name,
        )

    def get_openlineage_database_dialect(self, connection: Any) -> str:
        return "mysql"

    def get_openlineage_default_schema(self) -> str | None:
        return self.schema or self.connection.schema or None
