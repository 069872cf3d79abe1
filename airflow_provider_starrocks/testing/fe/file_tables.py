r"""File external tables (``CREATE EXTERNAL TABLE ... ENGINE=file``): checks, SHOW CREATE TABLE and S3 reads.

Checks after ``FileTable.validate`` (fe/fe-core/src/main/java/com/starrocks/catalog/FileTable.java) and
docs/en/data_source/file_external_table.md; the accepted formats per release are ``releases.Release.file_table_*``.
Text files are read as the BE's HdfsTextScanner does (be/src/exec/hdfs_scanner_text.cpp, pinterest-release-3.3.5
7c653fb8): fields by position, ``column_separator`` (default tab) and ``row_delimiter`` (default ``\n``) from
FileTable.toThrift's TextFileFormatDesc, ``\N`` and values that do not convert are NULL, missing fields are NULL.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from airflow_provider_starrocks.testing.fe.catalogs import mask_properties
from airflow_provider_starrocks.testing.fe.errors import StarRocksError, not_supported
from airflow_provider_starrocks.testing.fe.files import (
    CsvOptions,
    convert_separator,
    read_file,
    split_csv,
    storage_error_text,
)
from airflow_provider_starrocks.testing.fe.store import Table

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.ddl import CreateTable
    from airflow_provider_starrocks.testing.fe.files import StorageGateway
    from airflow_provider_starrocks.testing.fe.releases import Release

READABLE_FORMATS = ("parquet", "orc", "text")


def make_file_table(stmt: CreateTable, db: str, release: Release) -> Table:
    """Check a CREATE [EXTERNAL] TABLE ... ENGINE=file in default_catalog and build the table.

    The catalog check (file tables live in default_catalog) is the caller's: ``handlers._create_in_external_catalog``.

    :param stmt: the parsed statement.
    :param db: the database.
    :param release: the emulated release (its accepted formats, and whether their names are case-sensitive).
    """
    # EXTERNAL is optional: AstBuilder.visitCreateTableStatement only records it, and LocalMetastore.createTable
    # builds the table from TableFactoryProvider.getFactory(engine) (FileTableFactory for "file") either way, on
    # every emulated release (server/, 8a7f4f51 ... 70d1c246); EXTERNAL only skips the quota checks.
    props = stmt.properties
    if not props:
        raise StarRocksError("Please set properties of file table, they are path and format")
    if not props.get("path"):
        raise StarRocksError("path is null. Please add properties(path='xxx') when create table")
    fmt = props.get("format", "")
    if not fmt:
        raise StarRocksError("format is null. Please add properties(format='xxx') when create table")
    key = fmt if release.file_table_format_case_sensitive else fmt.lower()
    if key not in release.file_table_formats:
        raise StarRocksError(f"not supported format: {fmt}")
    return Table(db, stmt.name, stmt.columns, engine="file", properties=dict(props))


def show_create_table(table: Table) -> tuple[list[tuple[Any, ...]], list[str]]:
    cols = ",\n".join(f"  `{c.name}` {c.sr_type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns)
    if table.engine == "file":
        masked = mask_properties(table.properties)
        props = ",\n".join(f'"{k}" = "{v}"' for k, v in masked.items())
        text = f"CREATE EXTERNAL TABLE `{table.name}` (\n{cols}\n) ENGINE=FILE\nPROPERTIES (\n{props}\n);"
    else:
        text = f"CREATE TABLE `{table.name}` (\n{cols}\n) ENGINE=OLAP;"
    return [(table.name, text)], ["Table", "Create Table"]


def _listing_glob(path: str, props: dict[str, str]) -> str:
    wildcards = props.get("enable_wildcards", "false").lower() == "true"
    recursive = props.get("enable_recursive_listing", "true").lower() == "true"
    if path.endswith("/"):
        return path if recursive else path + "*"
    if not wildcards and re.search(r"[*?\[{]", path):
        return re.sub(r"([*?\[\]{}])", r"\\\1", path)
    return path


def read_file_table(aws: StorageGateway, table: Table) -> pa.Table:
    """Read every object of a file external table with the table's credentials.

    :param aws: the storage gateway.
    :param table: the file external table.
    """
    props = table.properties
    fmt = props["format"].lower()
    if fmt not in READABLE_FORMATS:
        raise StarRocksError(f"not supported by the StarRocks emulator: reading format {fmt} of a file table")
    path = props["path"]
    try:
        found = aws.list_objects(props, _listing_glob(path, props))
    except ValueError as exc:
        raise StarRocksError(f"Invalid path {path}: {exc}") from None
    except Exception as exc:  # StorageAccessError
        raise StarRocksError(storage_error_text(exc)) from None
    if not found:
        raise StarRocksError(f"No file exists for FileTable: {table.name}")
    bucket = re.match(r"^(s3a?://[^/]+/)", path)
    prefix = bucket.group(1) if bucket else ""
    parts: list[pa.Table] = []
    names = [c.name for c in table.columns]
    for key, _size in found:
        try:
            data = aws.read_object(props, prefix + key)
            decoded = _read_text(data, table, props) if fmt == "text" else read_file(data, fmt)
        except StarRocksError:
            raise
        except Exception as exc:  # StorageAccessError or a corrupt file
            raise StarRocksError(storage_error_text(exc)) from None
        assert isinstance(decoded, pa.Table)
        by_lower = {n.lower(): n for n in decoded.column_names}
        arrays = [
            decoded.column(by_lower[n.lower()]) if n.lower() in by_lower else pa.nulls(decoded.num_rows)
            for n in names
        ]
        parts.append(pa.table(arrays, names=names))
    return pa.concat_tables(parts, promote_options="permissive")


def _read_text(data: bytes, table: Table, props: dict[str, str]) -> pa.Table:
    """Read a Hive text file positionally into the table's columns (the Hive converters give NULL on bad input)."""
    import duckdb

    opts = CsvOptions(
        column_separator=convert_separator(props.get("column_separator", "\t")),
        row_delimiter=convert_separator(props.get("row_delimiter", "\n")),
    )
    rows = split_csv(data.decode("utf-8", errors="replace"), opts)
    names = [c.name for c in table.columns]
    raw = pa.table(
        {
            f"c{i}": pa.array([r[i] if i < len(r) else None for r in rows], type=pa.string())
            for i in range(len(names))
        }
    )
    for column in table.columns:
        if column.duck_type.endswith("]") or column.duck_type.upper().startswith(("MAP", "STRUCT")):
            raise not_supported(f"reading {column.sr_type} columns of a text file table")
    select = ", ".join(f'TRY_CAST(c{i} AS {c.duck_type}) AS "{i}"' for i, c in enumerate(table.columns))
    con = duckdb.connect(":memory:")
    try:
        con.register("raw_text", raw)
        converted = con.sql(f"SELECT {select} FROM raw_text").to_arrow_table()
    finally:
        con.close()
    return converted.rename_columns(names)
