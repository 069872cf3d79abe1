"""Metadata of the emulated cluster: databases, tables (in DuckDB), file external tables and external catalogs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import duckdb

from airflow_provider_starrocks.testing.fe.errors import ERR_BAD_DB, StarRocksError

DEFAULT_CATALOG = "default_catalog"
SYSTEM_DATABASES = ("_statistics_", "information_schema")


@dataclass
class Column:
    """A table column.

    :param name: column name.
    :param sr_type: the StarRocks type as written (upper case), e.g. ``VARCHAR(20)``.
    :param duck_type: the DuckDB type used to store it.
    :param nullable: whether NULL is allowed.
    """

    name: str
    sr_type: str
    duck_type: str
    nullable: bool = True


@dataclass
class Table:
    """A table of a database of default_catalog.

    :param db: database name.
    :param name: table name.
    :param columns: the columns in order.
    :param engine: ``olap`` for internal tables, ``file`` for file external tables.
    :param properties: the PROPERTIES of a file external table (credentials included).
    """

    db: str
    name: str
    columns: list[Column]
    engine: str = "olap"
    properties: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column | None:
        lowered = name.lower()
        return next((c for c in self.columns if c.name.lower() == lowered), None)


@dataclass
class ExternalCatalog:
    """An external catalog as created by CREATE EXTERNAL CATALOG.

    :param name: catalog name.
    :param type: the ``type`` property, lower case.
    :param comment: the COMMENT, or empty.
    :param properties: all properties as given.
    """

    name: str
    type: str
    comment: str
    properties: dict[str, str]


def unknown_database(name: str) -> StarRocksError:
    # ErrorCode.ERR_BAD_DB_ERROR(1049, "Unknown database '%s'").
    return StarRocksError(f"Unknown database '{name}'", ERR_BAD_DB)


class Store:
    """Databases, tables and catalogs, with the rows of internal tables kept in an in-memory DuckDB."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.duck = duckdb.connect(":memory:")
        self.databases: dict[str, dict[str, Table]] = {}
        self.catalogs: dict[str, ExternalCatalog] = {}
        # Each CREATE DATABASE gets a new id: load labels are keyed by it (LoadMgr.dbIdToLabelToLoadJobs).
        self.db_ids: dict[str, int] = {}
        self._next_db_id = 10000

    def db_id(self, name: str) -> int | None:
        """Return the id of the existing database ``name`` (a new id after DROP and CREATE), or None.

        :param name: the database name.
        """
        with self.lock:
            return self.db_ids.get(name)

    def reset(self) -> None:
        with self.lock:
            for db in list(self.databases):
                self.duck.execute(f'DROP SCHEMA IF EXISTS "{db}" CASCADE')
            self.databases.clear()
            self.db_ids.clear()
            self.catalogs.clear()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return a DuckDB cursor for the calling thread."""
        return self.duck.cursor()

    def require_db(self, name: str) -> dict[str, Table]:
        with self.lock:
            tables = self.databases.get(name)
        if tables is None:
            raise unknown_database(name)
        return tables

    def create_database(self, name: str, if_not_exists: bool) -> None:
        with self.lock:
            if name in self.databases or name in SYSTEM_DATABASES:
                if if_not_exists:
                    return
                # ErrorCode.ERR_DB_CREATE_EXISTS(1007, "Can't create database '%s'; database exists").
                raise StarRocksError(f"Can't create database '{name}'; database exists")
            self.duck.execute(f'CREATE SCHEMA "{name}"')
            self.databases[name] = {}
            self._next_db_id += 1
            self.db_ids[name] = self._next_db_id

    def drop_database(self, name: str, if_exists: bool) -> None:
        with self.lock:
            if name not in self.databases:
                if if_exists:
                    return
                # ErrorCode.ERR_DB_DROP_EXISTS(1008, "Can't drop database '%s'; database doesn't exist").
                raise StarRocksError(f"Can't drop database '{name}'; database doesn't exist")
            self.duck.execute(f'DROP SCHEMA "{name}" CASCADE')
            del self.databases[name]
            self.db_ids.pop(name, None)

    def get_table(self, db: str, name: str) -> Table:
        tables = self.require_db(db)
        with self.lock:
            table = tables.get(name)
        if table is None:
            # ErrorCode.ERR_BAD_TABLE_ERROR(1051, "Unknown table '%s'"), as the 3.x analyzer reports it.
            raise StarRocksError(f"Getting analyzing error. Detail message: Unknown table '{db}.{name}'.")
        return table

    def add_table(self, table: Table, if_not_exists: bool) -> None:
        tables = self.require_db(table.db)
        with self.lock:
            if table.name in tables:
                if if_not_exists:
                    return
                # ErrorCode.ERR_TABLE_EXISTS_ERROR(1050, "Table '%s' already exists").
                raise StarRocksError(f"Table '{table.name}' already exists")
            if table.engine == "olap":
                cols = ", ".join(
                    f'"{c.name}" {c.duck_type}{"" if c.nullable else " NOT NULL"}' for c in table.columns
                )
                self.duck.execute(f'CREATE TABLE "{table.db}"."{table.name}" ({cols})')
            tables[table.name] = table

    def drop_table(self, db: str, name: str, if_exists: bool) -> None:
        tables = self.require_db(db)
        with self.lock:
            table = tables.get(name)
            if table is None:
                if if_exists:
                    return
                raise StarRocksError(f"Unknown table '{name}'")
            if table.engine == "olap":
                self.duck.execute(f'DROP TABLE "{db}"."{name}"')
            del tables[name]

    def insert_arrow(self, table: Table, data: Any) -> int:
        """Append an Arrow table whose columns are a subset of the table's columns; return the row count.

        :param table: the target internal table.
        :param data: a ``pyarrow.Table`` with already converted values.
        """
        with self.lock:
            cur = self.cursor()
            cur.register("__sr_load_src", data)
            try:
                names = ", ".join(f'"{n}"' for n in data.column_names)
                cur.execute(
                    f'INSERT INTO "{table.db}"."{table.name}" ({names}) SELECT {names} FROM __sr_load_src'
                )
            finally:
                cur.unregister("__sr_load_src")
        return int(data.num_rows)
