"""StarRocks hook: MySQL protocol to the FE, pymysql for sync work and aiomysql for triggers."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException
from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_provider_starrocks.hooks.load_status import LoadStatusMixin
from airflow_provider_starrocks.hooks.sql_ecosystem import SqlEcosystemMixin
from airflow_provider_starrocks.hooks.statements import WriteStatementMixin
from airflow_provider_starrocks.hooks.task_runs import TaskRunMixin
from airflow_provider_starrocks.utils.sql import Statement, set_catalog, set_session_variable

if TYPE_CHECKING:
    from collections.abc import Sequence


DEFAULT_PORT = 9030
DEFAULT_CONNECT_TIMEOUT = 10
DEFAULT_CHARSET = "utf8mb4"
DEFAULT_CATALOG = "default_catalog"
# MySQL error codes a retry cannot fix: ERR_ACCESS_DENIED_ERROR / ERR_AUTHENTICATION_FAIL, ERR_BAD_DB_ERROR.
_PERMANENT_LOGIN_ERRORS = {1045: "the login or password", 1049: "the database (schema)"}
_DEFINE_CONNECTION_HINT = (
    "define it as an AIRFLOW_CONN_{env} environment variable (URI or JSON), with "
    "`airflow connections add {conn_id} --conn-type starrocks --conn-host ...`, or in the UI (Admin > Connections); "
    "on Airflow 3, code outside a task sees only environment variables and secrets backends, not the metadata DB"
)

# current_version() returns e.g. "3.3.5-6d81f75" or "2.1.2 0782ad7".
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


class StarRocksConnectionError(Exception):
    """The FE could not be reached, refused the login, or does not know the database."""


class StarRocksConnectionConfigError(StarRocksConnectionError, AirflowFailException):
    """The connection is undefined, its password is refused or its database unknown: a retry cannot fix that."""


class StarRocksVersionError(AirflowFailException):
    """The server is older than a feature needs; a retry cannot fix that."""


def parse_version(text: str) -> tuple[int, int, int]:
    """
    Parse a StarRocks version string into a comparable ``(major, minor, patch)`` tuple.

    :param text: the output of ``current_version()`` or ``@@version_comment``.
    """
    match = _VERSION_RE.search(text or "")
    if not match:
        raise ValueError(f"Cannot parse a StarRocks version from {text!r}.")
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


class StarRocksHook(SqlEcosystemMixin, LoadStatusMixin, TaskRunMixin, WriteStatementMixin, DbApiHook):
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

    @property
    def connection(self) -> Any:
        if self._connection is None:
            from airflow.providers.common.compat.sdk import AirflowNotFoundException

            conn_id = self.get_conn_id()
            try:
                self._connection = self.get_connection(conn_id)
            except AirflowNotFoundException:
                hint = _DEFINE_CONNECTION_HINT.format(env=conn_id.upper(), conn_id=conn_id)
                raise StarRocksConnectionConfigError(
                    f"StarRocks connection {conn_id!r} is not defined: {hint}."
                ) from None
        return self._connection

    @connection.setter
    def connection(self, value: Any) -> None:
        self._connection = value

    @property
    def connection_extra(self) -> dict[str, Any]:
        # The connection form saves an empty optional field as null (or ""): both mean "unset".
        return {k: v for k, v in self.connection.extra_dejson.items() if v is not None and v != ""}

    @property
    def extras(self) -> dict[str, Any]:
        return self.connection_extra

    def _json_extra(self, name: str) -> Any:
        # URI query parameters arrive as strings on Airflow 2 (and for values that are not JSON).
        value = self.extras.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError(f"{self._describe()}: extra {name!r} must be JSON, got {value!r}.") from None
        return value

    def _describe(self) -> str:
        conn = self.connection
        if self._testing_connection:
            return f"the StarRocks FE {conn.host}:{conn.port or DEFAULT_PORT} of this connection"
        return f"StarRocks connection {self.get_conn_id()!r} ({conn.host}:{conn.port or DEFAULT_PORT})"

    def _seconds_extra(self, name: str, default: int | None) -> int | None:
        value = self.extras.get(name, default)
        if value is None:
            return None
        try:
            seconds = int(value)
        except (TypeError, ValueError):
            seconds = 0
        if isinstance(value, bool) or seconds < 1 or str(seconds) != str(value).strip():
            raise ValueError(
                f"{self._describe()}: extra {name!r} must be a whole number of seconds >= 1, got {value!r}; "
                "fix it or leave it empty."
            )
        return seconds

    def _charset_extra(self) -> str:
        from pymysql.charset import charset_by_name

        charset = self.extras.get("charset", DEFAULT_CHARSET)
        # pymysql fails with an AttributeError deep inside connect() on a name it does not know.
        if not isinstance(charset, str) or charset_by_name(charset) is None:
            raise ValueError(
                f"{self._describe()}: extra 'charset' {charset!r} is not a MySQL character set; "
                f"use {DEFAULT_CHARSET} (the default) or leave it empty."
            )
        return charset

    def _connect_kwargs(self) -> dict[str, Any]:
        conn = self.connection
        kwargs: dict[str, Any] = {
            "host": conn.host or "localhost",
            "port": int(conn.port or DEFAULT_PORT),
            "user": conn.login or "root",
            "password": conn.password or "",
            "connect_timeout": self._seconds_extra("connect_timeout", DEFAULT_CONNECT_TIMEOUT),
            "charset": self._charset_extra(),
            "autocommit": True,
        }
        database = self.schema or conn.schema
        if database:
            kwargs["database"] = database
        read_timeout = self._seconds_extra("read_timeout", None)
        if read_timeout is not None:
            kwargs["read_timeout"] = read_timeout
        ssl = self._json_extra("ssl")
        if ssl:
            kwargs["ssl"] = ssl if isinstance(ssl, dict) else {}
        return kwargs

    def _session_statements(self, catalog: bool = True) -> list[str]:
        return [sql for _, sql in self._session_setup(catalog)]

    def _session_setup(self, catalog: bool = True) -> list[tuple[str, str]]:
        """Return ``(extra it comes from, SQL)`` for each statement run on connect."""
        variables = self._json_extra("session_variables") or {}
        if not isinstance(variables, dict):
            raise ValueError(
                f"{self._describe()}: extra 'session_variables' must be a JSON object of name -> constant value."
            )
        setup = [
            (f"extra 'session_variables' ({name})", set_session_variable(name, value).sql)
            for name, value in variables.items()
        ]
        name = self.extras.get("catalog")
        if catalog and name and name != DEFAULT_CATALOG:
            setup.append((f"extra 'catalog' ({name!r})", set_catalog(name).sql))
        return setup

    def _connection_error(self, exc: Exception) -> StarRocksConnectionError:
        code = exc.args[0] if exc.args else None
        if code in _PERMANENT_LOGIN_ERRORS:
            fix = f"fix {_PERMANENT_LOGIN_ERRORS[code]} of {self._name_for_fix()}"
            return StarRocksConnectionConfigError(f"Cannot connect to {self._describe()}: {exc}; {fix}.")
        return StarRocksConnectionError(f"Cannot connect to {self._describe()}: {exc}")

    def _name_for_fix(self) -> str:
        return "this connection" if self._testing_connection else f"connection {self.get_conn_id()!r}"

    def _setup_error(self, source: str, exc: Exception) -> StarRocksConnectionError:
        return StarRocksConnectionError(
            f"{self._describe()}: the session setup from its {source} failed: {exc}; "
            f"fix that extra of {self._name_for_fix()}."
        )

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
        try:
            with conn.cursor() as cursor:
                for source, statement in self._session_setup(catalog=not default_catalog):
                    try:
                        cursor.execute(statement)
                    except pymysql.MySQLError as exc:
                        raise self._setup_error(source, exc) from None
        except BaseException:
            conn.close()
            raise
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
        try:
            async with conn.cursor() as cursor:
                for source, statement in self._session_setup(catalog=not default_catalog):
                    try:
                        await cursor.execute(statement)
                    except pymysql.MySQLError as exc:
                        raise self._setup_error(source, exc) from None
        except BaseException:
            conn.close()
            raise
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
