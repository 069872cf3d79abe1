"""
The checked form of an unload's arguments (no SQL is sent here) and the release that runs it.

Write options and their releases, from ``TableFunctionTable.parsePropertiesForUnload`` (pinterest/starrocks
``pinterest-release-3.3.5`` 7c653fb8, ``pinterest-integration-3.4.5``, ``pinterest-integration-3.5`` 61380ea4,
``main`` 70d1c246) and ``docs/en/sql-reference/sql-functions/table-functions/files.md``: INSERT INTO FILES() from
3.2 (the 3.1.4 grammar has no FILES target), ``target_max_file_size`` from 3.2.7, ``parquet.version`` from 3.4.6
(absent from 3.4.5's source, present in 3.5's), ``csv.include_header`` and compressed CSV only on main (#66654,
be/src/formats/csv/csv_file_writer.cpp; after 3.5, so gated at 4.0).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.operators._files_plan import FilesFunctionPlan
from airflow_provider_starrocks.utils.aws_auth import (
    build_aws_properties,
    check_no_auth_keys,
)
from airflow_provider_starrocks.utils.column_types import check_column_name
from airflow_provider_starrocks.utils.load_options import argument_error as _fail
from airflow_provider_starrocks.utils.queries import render_query
from airflow_provider_starrocks.utils.sql import validate_label
from airflow_provider_starrocks.utils.statements.unload import split_table_name, table_query, unload_to_files

if TYPE_CHECKING:
    from airflow_provider_starrocks.operators._load_spec import UnloadSpec
    from airflow_provider_starrocks.utils.sql import Statement

UNLOAD_SINCE = (3, 2)
# files.md: Parquet unloads since 3.2; ORC and CSV FILES() since 3.3 (starrocks.md section 6).
UNLOAD_FORMATS = {"parquet": (3, 2), "orc": (3, 3), "csv": (3, 3)}
# TableFunctionTable: CompressionUtils.getConnectorSinkCompressionType accepts these.
COMPRESSIONS = ("uncompressed", "snappy", "lz4", "zstd", "gzip")
# format option -> (FILES() key, formats, first release)
FORMAT_OPTIONS: dict[str, tuple[str, tuple[str, ...], tuple[int, ...]]] = {
    "column_separator": ("csv.column_separator", ("csv",), (3, 3)),
    "row_delimiter": ("csv.row_delimiter", ("csv",), (3, 3)),
    "include_header": ("csv.include_header", ("csv",), (4, 0)),
    "use_legacy_encoding": ("parquet.use_legacy_encoding", ("parquet",), (3, 3)),
    "version": ("parquet.version", ("parquet",), (3, 4, 6)),
}
PARQUET_VERSIONS = ("1.0", "2.4", "2.6")  # SUPPORTED_PARQUET_VERSIONS
WRITE_PROPERTIES = ("compression", "partition_by", "single", "target_max_file_size")
_OWNED_KEYS = {"path": "path", "format": "format"}
_PATH = re.compile(r"^s3a?://[^/\s*?\[{]+(/[^*?\[{]*)?\Z", re.DOTALL)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnloadPlan(FilesFunctionPlan):
    """
    Everything needed to run the unload.

    :param path: the directory written (StarRocks adds a trailing ``/``; so does the plan).
    :param format: ``parquet``, ``orc`` or ``csv``.
    :param label: this unload's identity (the task's record key; StarRocks keeps no label for it).
    :param files_properties: FILES() properties without auth.
    :param auth: the ``aws.s3.*`` properties.
    :param query: the query whose result is written.
    :param tables: the tables read, as ``(catalog or None, database, table)``, for lineage.
    :param min_version: the oldest release that runs this unload.
    :param feature: what needs ``min_version``, for the error message.
    """

    path: str
    format: str
    query: str
    tables: tuple[tuple[str, ...], ...]

    def statement(self) -> Statement:
        """Render ``INSERT INTO FILES(...) <query>`` and its redacted twin."""
        return unload_to_files(
            files_properties={**self.files_properties, **self.auth},
            query=self.query,
            secret_keys=self.auth.secret_keys,
        )


def _check_path(path: object) -> str:
    if not isinstance(path, str) or not _PATH.match(path):
        raise _fail(
            "path",
            f"{path!r} is not an s3:// or s3a:// directory",
            "pass e.g. 's3://bucket/exports/dt=2024-01-01/' (no wildcards: StarRocks writes files under it)",
        )
    return path if path.endswith("/") else path + "/"


def _format_options(fmt: str, options: object) -> tuple[dict[str, Any], list[tuple[tuple[int, ...], str]]]:
    if options is None:
        return {}, []
    if not isinstance(options, Mapping):
        raise _fail("format_options", f"got {type(options).__name__}", "pass a dict of option -> value")
    props: dict[str, Any] = {}
    gates: list[tuple[tuple[int, ...], str]] = []
    for key, value in options.items():
        spec = FORMAT_OPTIONS.get(key) if isinstance(key, str) else None
        if spec is None or fmt not in spec[1]:
            allowed = [k for k, v in FORMAT_OPTIONS.items() if fmt in v[1]]
            raise _fail(
                "format_options",
                f"{key!r} is not an unload option of {fmt}",
                f"use {', '.join(allowed)}" if allowed else f"{fmt} unloads take no format options",
            )
        name = f"format_options[{key!r}]"
        if key in ("column_separator", "row_delimiter"):
            if not isinstance(value, str) or not value or len(value.encode("utf-8")) > 50:
                raise _fail(name, f"{value!r} is not a 1 to 50 byte string", "pass e.g. ',' or '\\n'")
        elif key in ("include_header", "use_legacy_encoding"):
            if not isinstance(value, bool):
                raise _fail(name, f"got {value!r}", "pass True or False")
        elif value not in PARQUET_VERSIONS:
            raise _fail(
                name, f"{value!r} is not a Parquet version", f"use one of {', '.join(PARQUET_VERSIONS)}"
            )
        props[spec[0]] = value
        gates.append((spec[2], f"format_options[{key!r}] ({spec[0]})"))
    return props, gates


def _write_properties(
    properties: object, fmt: str
) -> tuple[dict[str, Any], list[tuple[tuple[int, ...], str]]]:
    if properties is None:
        return {}, []
    if not isinstance(properties, Mapping):
        raise _fail(
            "properties", f"got {type(properties).__name__}", "pass a dict of FILES() property -> value"
        )
    check_no_auth_keys(properties, "properties")
    props: dict[str, Any] = {}
    gates: list[tuple[tuple[int, ...], str]] = []
    for key, value in properties.items():
        lowered = key.strip().lower() if isinstance(key, str) else key
        name = f"properties[{key!r}]"
        if lowered in _OWNED_KEYS:
            raise _fail(name, "is set from an argument", f"pass {_OWNED_KEYS[lowered]}= instead")
        if isinstance(lowered, str) and lowered.startswith(("csv.", "parquet.")):
            raise _fail(name, "is a format option", f"pass format_options={{{key.split('.', 1)[1]!r}: ...}}")
        if lowered not in WRITE_PROPERTIES:
            raise _fail(name, "is not an unload property", f"use {', '.join(WRITE_PROPERTIES)}")
        if lowered == "compression":
            if not isinstance(value, str) or value.lower() not in COMPRESSIONS:
                raise _fail(name, f"{value!r} is not supported", f"use one of {', '.join(COMPRESSIONS)}")
            value = value.lower()
        elif lowered == "partition_by":
            columns = [value] if isinstance(value, str) else value
            if not isinstance(columns, Sequence) or not columns:
                raise _fail(name, f"got {value!r}", "pass a column name or a list of them")
            parts = [
                c.strip() for item in columns for c in (item.split(",") if isinstance(item, str) else [item])
            ]
            value = ",".join(check_column_name(c, name) for c in parts)
        elif lowered == "single":
            if not isinstance(value, bool):
                raise _fail(name, f"got {value!r}", "pass True or False")
        elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise _fail(name, f"{value!r} is not a positive whole number of bytes", "pass e.g. 536870912")
        else:
            gates.append(((3, 2, 7), f"{name} (target_max_file_size)"))
        props[lowered] = value
    if fmt == "csv" and props.get("compression", "uncompressed") != "uncompressed":
        # be/src/formats/csv/csv_file_writer.cpp refuses a compressed CSV up to 3.5; main writes .csv.<codec>.
        gates.append(((4, 0), "properties['compression'] with format 'csv'"))
    if props.get("single") is True and "partition_by" in props:
        # TableFunctionTable: "cannot use partition_by and single simultaneously."
        raise _fail("properties", "sets both single=True and partition_by", "choose one of them")
    return props, gates


def _query(op: UnloadSpec) -> tuple[str, tuple[tuple[str, ...], ...]]:
    if (op.sql is None) == (op.table is None):
        raise _fail("sql / table", "give exactly one of them", "pass sql='SELECT ...' or table='db.table'")
    if op.sql is not None:
        if op.columns is not None or op.where is not None:
            raise _fail("columns / where", "only apply with table=", "put them in sql instead")
        return render_query(op.sql, "sql"), ()
    table = split_table_name(op.table, "table")
    columns = op.columns
    if columns is not None and (isinstance(columns, str) or not isinstance(columns, Sequence) or not columns):
        raise _fail("columns", f"got {columns!r}", "pass a non-empty list of column names")
    checked = [check_column_name(c, "columns") for c in columns or ()]
    if op.where is not None and not isinstance(op.where, str):
        raise _fail("where", f"got {type(op.where).__name__}", "pass the predicate as a string")
    return table_query(table, checked, op.where), (table,)


def build_unload_plan(op: UnloadSpec, label: str) -> UnloadPlan:
    """
    Check every argument of the operator and return its plan; raises ``ValueError`` before any SQL is sent.

    :param op: the operator's arguments, templates rendered.
    :param label: the label (user-given or derived).
    """
    validate_label(label)
    path = _check_path(op.path)
    fmt = op.format.lower() if isinstance(op.format, str) else op.format
    if fmt not in UNLOAD_FORMATS:
        raise _fail("format", f"{op.format!r} is not an unload format", "use parquet, orc or csv")
    query, tables = _query(op)
    format_props, format_gates = _format_options(fmt, op.format_options)
    write_props, write_gates = _write_properties(op.properties, fmt)
    auth = build_aws_properties(
        op.aws_conn_id, "s3", credential_mode=op.credential_mode, region=op.region, purpose="load"
    )
    gates = [(UNLOAD_FORMATS[fmt], f"INSERT INTO FILES() with format {fmt!r}"), *format_gates, *write_gates]
    min_version, feature = max(gates, key=lambda gate: gate[0])
    plan = UnloadPlan(
        path=path,
        format=fmt,
        label=label,
        files_properties={"path": path, "format": fmt, **write_props, **format_props},
        auth=auth,
        query=query,
        tables=tables,
        min_version=min_version,
        feature=feature,
    )
    plan.statement()  # renders every literal once, so a value SQL cannot carry fails here
    return plan
