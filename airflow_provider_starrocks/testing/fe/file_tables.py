"""File external tables (``CREATE EXTERNAL TABLE ... ENGINE=file``): checks, SHOW CREATE TABLE and S3 reads.

Checks after ``FileTable.validate`` (fe/fe-core/src/main/java/com/starrocks/catalog/FileTable.java) and
docs/en/data_source/file_external_table.md.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from airflow_provider_starrocks.testing.fe.catalogs import mask_properties
from airflow_provider_starrocks.testing.fe.errors import StarRocksError
from airflow_provider_starrocks.testing.fe.files import read_file, storage_error_text
from airflow_provider_starrocks.testing.fe.store import Table

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.ddl import CreateTable
    from airflow_provider_starrocks.testing.fe.files import StorageGateway

SUPPORTED_FORMATS = ("parquet", "orc", "text", "avro", "rctext", "rcbinary", "sequence")
READABLE_FORMATS = ("parquet", "orc")


def make_file_table(stmt: CreateTable, db: str) -> Table:
    """Check a CREATE EXTERNAL TABLE ... ENGINE=file in default_catalog and build the table.

    The catalog check (file tables live in default_catalog) is the caller's: ``handlers._create_in_external_catalog``.

    :param stmt: the parsed statement.
    :param db: the database.
    """
    if not stmt.external:
        raise StarRocksError("ENGINE=file requires CREATE EXTERNAL TABLE")
    props = stmt.properties
    if not props:
        raise StarRocksError("Please set properties of file table, they are path and format")
    if not props.get("path"):
        raise StarRocksError("path is null. Please add properties(path='xxx') when create table")
    fmt = props.get("format", "")
    if not fmt:
        raise StarRocksError("format is null. Please add properties(format='xxx') when create table")
    if fmt.lower() not in SUPPORTED_FORMATS:
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
            decoded = read_file(aws.read_object(props, prefix + key), fmt)
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
