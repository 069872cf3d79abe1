"""``SELECT ... FROM FILES(...)`` and ``DESC FILES(...)`` with StarRocks's schema inference.

The FE asks a BE for the files' schema (``TableFunctionTable.getFileSchema``) and the BE infers it:

- CSV (be/src/exec/csv_scanner.cpp ``get_type_desc`` and ``_get_schema``, pinterest-release-3.3.5 7c653fb8): each
  field of the sampled rows is BIGINT when ``string_to_int<int64_t>`` parses it, else DOUBLE when
  ``string_to_float<double>`` does, else BOOLEAN when ``string_to_bool`` does (``1``, ``0``, ``true``, ``false``),
  else VARCHAR(1048576); columns are named ``$1``, ``$2``... and the rows' types are merged by
  ``FileScanner::merge_schema`` with ``TypeDescriptor::promote_types`` (be/src/runtime/types.cpp): integers to the
  wider integer, integer and float to DOUBLE, anything else that conflicts to VARCHAR(1048576).
- Parquet (be/src/exec/parquet_schema_builder.cpp, pinterest-integration-3.4.0 a53c7f01; parquet_reader.cpp on
  3.1.4): BOOLEAN, FLOAT, DOUBLE, INT32 -> INT (DATE for the date logical type), INT64 -> BIGINT (DATETIME for
  timestamps), DECIMAL(p,s), strings -> VARCHAR(1048576).
- ORC (be/src/formats/orc/orc_schema_builder.cpp ``get_orc_type_from_scalar_type``, a53c7f01): BOOLEAN, BYTE ->
  TINYINT, SHORT -> SMALLINT, INT, LONG -> BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), DATE, TIMESTAMP -> DATETIME,
  STRING -> VARCHAR(1048576).

Every inferred column is nullable. ``DESC FILES`` answers ``Field``, ``Type`` (lower case), ``Null`` (``YES``) as
``DescribeStmt.DESC_TABLE_FUNCTION_TABLE_META_DATA`` and test/sql/test_files/R/test_parquet_basic_type and
R/csv_format record it; the statement exists from 3.3 (``descTableStatement`` in StarRocks.g4 has no
``FILES propertyList`` on 3.1.4).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from airflow_provider_starrocks.testing.fe.errors import not_supported
from airflow_provider_starrocks.testing.fe.files_insert import read_files
from airflow_provider_starrocks.testing.fe.reserved_words import reserved_word_error
from airflow_provider_starrocks.testing.fe.stream import TokenStream

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.session import FeSession

VARCHAR_MAX = "varchar(1048576)"
_SOURCE = "__sr_files_select_{}"
_INT = re.compile(r"\s*[+-]?\d+\s*")
_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*|\s*[+-]?(inf|infinity|nan)\s*", re.I)
_BOOL = re.compile(r"\s*(1|0|true|false)\s*", re.I)
# Ranks for promote_types: integer types widen among themselves; integer and float meet at DOUBLE.
_INTEGER_TYPES = ("tinyint", "smallint", "int", "bigint")


def _field_type(value: str | None) -> str:
    """Return ``get_type_desc``: the type of one CSV field (NULL markers and empty fields are VARCHAR)."""
    text = "\\N" if value is None else value
    if _INT.fullmatch(text) and -(2**63) <= int(text) < 2**63:
        return "bigint"
    if _FLOAT.fullmatch(text):
        return "double"
    if _BOOL.fullmatch(text):
        return "boolean"
    return VARCHAR_MAX


def promote(left: str, right: str) -> str:
    """``TypeDescriptor::promote_types`` for the types this module infers.

    :param left: one inferred type.
    :param right: the other.
    """
    if left == right:
        return left
    if left in _INTEGER_TYPES and right in _INTEGER_TYPES:
        return max(left, right, key=_INTEGER_TYPES.index)
    numeric = (*_INTEGER_TYPES, "float", "double")
    if left in numeric and right in numeric:
        return "double"
    return VARCHAR_MAX


def _arrow_type_name(kind: pa.DataType, fmt: str) -> str:
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind):
        width = kind.bit_width + (1 if pa.types.is_unsigned_integer(kind) else 0)
        if fmt == "orc":
            return (
                "tinyint" if width <= 8 else "smallint" if width <= 16 else "int" if width <= 32 else "bigint"
            )
        return "int" if width <= 32 else "bigint"  # parquet INT32 (any int logical type) -> INT
    if pa.types.is_float32(kind):
        return "float"
    if pa.types.is_floating(kind):
        return "double"
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision},{kind.scale})"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_timestamp(kind):
        return "datetime"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return VARCHAR_MAX
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "varbinary(1048576)"
    # Nested types keep their structure in StarRocks (ARRAY<...>, STRUCT<...>): not emulated.
    raise not_supported(f"FILES() schema inference for a {kind} column")


def _csv_type(column: pa.ChunkedArray) -> str:
    inferred: str | None = None
    for value in column.to_pylist():
        kind = _field_type(value)
        inferred = kind if inferred is None else promote(inferred, kind)
    return inferred or VARCHAR_MAX


def _cast_csv(column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray | pa.Array:
    if kind == VARCHAR_MAX:
        return column
    values: list[Any] = []
    for value in column.to_pylist():
        text = None if value is None else value.strip()
        if text is None or text == "\\N":
            values.append(None)
        elif kind == "bigint":
            values.append(int(text))
        elif kind == "double":
            values.append(float(text))
        else:
            values.append(text.lower() in ("1", "true"))
    return pa.array(values, type={"bigint": pa.int64(), "double": pa.float64(), "boolean": pa.bool_()}[kind])


def infer(fe: FeContext, props: dict[str, str]) -> tuple[pa.Table, list[tuple[str, str]]]:
    """Read the files of a FILES() call and return its rows typed as StarRocks infers them, with the schema.

    :param fe: the emulator.
    :param props: the FILES() properties (credentials included).
    """
    data, _count, _size = read_files(fe, props)
    fmt = props.get("format", "").lower()
    schema: list[tuple[str, str]] = []
    columns: dict[str, Any] = {}
    for name in data.column_names:
        column = data.column(name)
        if fmt == "csv":
            kind = _csv_type(column)
            columns[name] = _cast_csv(column, kind)
        else:
            kind = _arrow_type_name(column.type, fmt)
            columns[name] = column
            if pa.types.is_timestamp(column.type) and column.type.tz is not None:
                columns[name] = pc.cast(column, pa.timestamp(column.type.unit))
        schema.append((name, kind))
    return pa.table(columns), schema


def _replace_files_calls(sql: str) -> tuple[str, list[dict[str, str]]]:
    """Replace every ``FILES(...)`` relation of a query by a source name; return the text and their properties."""
    ts = TokenStream(sql)
    pieces: list[str] = []
    found: list[dict[str, str]] = []
    last = 0
    index = 0
    while index < len(ts.tokens) - 1:
        tok = ts.tokens[index]
        if (
            tok.upper == "FILES"
            and ts.tokens[index + 1].kind == "symbol"
            and ts.tokens[index + 1].value == "("
        ):
            ts.i = index + 1
            props = ts.property_list()
            pieces.append(sql[last : tok.pos])
            pieces.append(_SOURCE.format(len(found)))
            found.append(props)
            last = ts.tokens[ts.i - 1].end
            index = ts.i
            continue
        index += 1
    pieces.append(sql[last:])
    return "".join(pieces), found


def uses_files(sql: str) -> bool:
    """Return whether a query reads a ``FILES(...)`` relation.

    :param sql: the statement text.
    """
    toks = TokenStream(sql).tokens
    return any(
        t.upper == "FILES" and toks[i + 1].kind == "symbol" and toks[i + 1].value == "("
        for i, t in enumerate(toks[:-1])
    )


def select_from_files(session: FeSession, sql: str) -> tuple[list[tuple[Any, ...]], list[str]] | None:
    """Run a SELECT whose relations include FILES().

    :param session: the session.
    :param sql: the statement text.
    """
    from airflow_provider_starrocks.testing.fe.selects import runner

    text, calls = _replace_files_calls(sql)
    extra = {_SOURCE.format(i): infer(session.fe, props)[0] for i, props in enumerate(calls)}
    return runner(session).run(text, session.database, extra=extra, current_catalog=session.catalog)


def describe_files(session: FeSession, ts: TokenStream) -> tuple[list[tuple[Any, ...]], list[str]]:
    """``DESC FILES(...)`` (the stream is at FILES).

    :param session: the session.
    :param ts: the token stream.
    """
    if not session.fe.config.release.desc_files:
        # 3.1.4's descTableStatement takes only a table name, and FILES is a reserved word there.
        raise reserved_word_error(ts.tok.value, ts.tok.pos)
    ts.expect_kw("FILES")
    props = ts.property_list()
    ts.end()
    _data, schema = infer(session.fe, props)
    return [(name, kind, "YES") for name, kind in schema], ["Field", "Type", "Null"]
