"""The common-sql ecosystem on StarRocks: SQLAlchemy engine, ``get_df`` (pandas, polars), ``insert_rows``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

# StarRocks has no REPLACE statement: insertStatement in fe/fe-core/src/main/java/com/starrocks/sql/parser/StarRocks.g4
# (pinterest-release-3.3.5, 7c653fb8f0cf2f74c087bfd92826f55d53ef8db8) is INSERT (INTO | OVERWRITE) only.
_NO_REPLACE = (
    "insert_rows(replace=True): StarRocks has no REPLACE INTO; insert into a Primary Key table instead, where "
    "INSERT replaces the row with the same key"
)


def starrocks_dialect_installed() -> bool:
    """Return whether the ``starrocks`` SQLAlchemy dialect (PyPI package ``starrocks``) can be imported."""
    try:
        import starrocks  # noqa: F401
    except ImportError:
        return False
    return True


def _sqlalchemy_2() -> bool:
    import sqlalchemy

    return int(sqlalchemy.__version__.split(".")[0]) >= 2


class SqlEcosystemMixin:
    """
    SQLAlchemy, DataFrame and row-insert support for :class:`~airflow_provider_starrocks.hooks.starrocks.StarRocksHook`.

    Engines open their connections through the hook's own ``get_conn()``, so SSL, timeouts, session variables and
    the ``catalog`` extra apply to them as to every other call.
    """

    # pymysql's executemany turns INSERT ... VALUES into one multi-row INSERT per chunk.
    supports_executemany = True

    connection: Any
    schema: str | None
    get_conn: Any
    _escape_column_names: bool | None

    @property
    def escape_column_names(self) -> bool:
        """Quote every ``insert_rows`` column with backticks unless the hook or the extra says otherwise."""
        # common-sql quotes only the words its SQLAlchemy dialect lists as reserved: none for the starrocks
        # dialect, MySQL's for the other, while StarRocks reserves more: e.g. TEXT, JSON, FILES, BITMAP are tokens
        # of StarRocksLex.g4 missing from nonReserved in StarRocks.g4 (pinterest-release-3.3.5, 7c653fb).
        if self._escape_column_names is None:
            extra: dict[str, Any] = getattr(self, "connection_extra")  # noqa: B009  # the hook's property
            self._escape_column_names = bool(extra.get("escape_column_names", True))
        return self._escape_column_names

    @property
    def sqlalchemy_url(self) -> Any:
        from sqlalchemy.engine import URL

        conn = self.connection
        return URL.create(
            drivername="starrocks" if starrocks_dialect_installed() else "mysql+pymysql",
            username=conn.login,
            password=conn.password,
            host=conn.host,
            port=int(conn.port or 9030),
            database=self.schema or conn.schema or None,
        )

    def get_uri(self) -> str:
        return self.sqlalchemy_url.render_as_string(hide_password=False)

    def get_sqlalchemy_engine(self, engine_kwargs: dict[str, Any] | None = None) -> Any:
        """
        Return an SQLAlchemy engine: the StarRocks dialect if installed, the MySQL (pymysql) dialect otherwise.

        :param engine_kwargs: passed to :func:`sqlalchemy.create_engine`; ``creator`` defaults to the hook's
            ``get_conn``.
        """
        engine_kwargs = dict(engine_kwargs or {})
        engine_kwargs.setdefault("creator", self.get_conn)
        return super().get_sqlalchemy_engine(engine_kwargs)  # type: ignore[misc]

    @contextmanager
    def _sqlalchemy_connection(self) -> Iterator[Any]:
        engine = self.get_sqlalchemy_engine()
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def _get_pandas_df(self, sql: Any, parameters: Any = None, **kwargs: Any) -> Any:
        try:
            from pandas.io import sql as psql
        except ImportError:
            return super()._get_pandas_df(sql, parameters, **kwargs)  # type: ignore[misc]  # its install hint
        if not _sqlalchemy_2():
            # pandas 2.2+ reads SQLAlchemy connections only from SQLAlchemy 2 (Airflow 2.11 pins 1.4): DB-API then.
            return super()._get_pandas_df(sql, parameters, **kwargs)  # type: ignore[misc]
        # pandas supports DB-API connections only for sqlite3 (and warns on every other one).
        if isinstance(parameters, list):
            # SQLAlchemy reads a list as many parameter sets; one set of positional values is a tuple.
            parameters = tuple(parameters)
        with self._sqlalchemy_connection() as conn:
            return psql.read_sql(sql, con=conn, params=parameters, **kwargs)

    def _get_polars_df(self, sql: Any, parameters: Any = None, **kwargs: Any) -> Any:
        try:
            import polars as pl
        except ImportError:
            return super()._get_polars_df(sql, parameters, **kwargs)  # type: ignore[misc]  # its install hint
        # polars.read_database refuses a pymysql connection; it reads through SQLAlchemy.
        execute_options = None
        if parameters is not None:
            execute_options = (
                dict(parameters) if isinstance(parameters, Mapping) else {"parameters": parameters}
            )
        with self._sqlalchemy_connection() as conn:
            return pl.read_database(sql, connection=conn, execute_options=execute_options, **kwargs)

    def insert_rows(
        self, table: Any, rows: Any, target_fields: Any = None, *args: Any, **kwargs: Any
    ) -> None:
        """
        Insert rows with ``INSERT INTO ... VALUES`` (see ``DbApiHook.insert_rows``); ``replace=True`` is refused.

        :param table: the table, ``db.table`` or a name in the connection's database.
        :param rows: the rows, as tuples.
        :param target_fields: the column names, in the order of the tuples' values.
        """
        replace = kwargs.get("replace", args[1] if len(args) > 1 else False)
        if replace:
            raise ValueError(f"{_NO_REPLACE}.")
        super().insert_rows(table, rows, target_fields, *args, **kwargs)  # type: ignore[misc]
