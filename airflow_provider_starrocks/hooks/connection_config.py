"""
How :class:`~airflow_provider_starrocks.hooks.starrocks.StarRocksHook` reads its Airflow connection.

The connection's fields and extras become pymysql / aiomysql connect arguments and the session statements run on
connect (``session_variables``, ``catalog``); driver errors on connect become
:class:`~airflow_provider_starrocks.exceptions.StarRocksConnectionError`, the permanent ones
:class:`~airflow_provider_starrocks.exceptions.StarRocksConnectionConfigError`. No I/O beyond reading the
connection.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import StarRocksConnectionConfigError, StarRocksConnectionError
from airflow_provider_starrocks.utils.statements.session import set_catalog, set_session_variable

if TYPE_CHECKING:
    from collections.abc import Iterator

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


class ConnectionConfigMixin:
    """Connection fields and extras of :class:`~airflow_provider_starrocks.hooks.starrocks.StarRocksHook`."""

    if TYPE_CHECKING:
        _connection: Any
        _testing_connection: bool
        schema: str | None

        def get_conn_id(self) -> str: ...
        def get_connection(self, conn_id: str) -> Any: ...

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

    @contextlib.contextmanager
    def _setup_step(self, source: str) -> Iterator[None]:
        """Turn a driver error of one session-setup statement into an error naming the extra it came from."""
        import pymysql

        try:
            yield
        except pymysql.MySQLError as exc:
            raise self._setup_error(source, exc) from None

    def _setup_error(self, source: str, exc: Exception) -> StarRocksConnectionError:
        return StarRocksConnectionError(
            f"{self._describe()}: the session setup from its {source} failed: {exc}; "
            f"fix that extra of {self._name_for_fix()}."
        )
