"""The data path of a broker load: list and read the files, map columns, convert, filter and count rows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import sqlglot
from sqlglot import expressions as exp

from airflow_provider_starrocks.testing.fe.errors import EMULATOR_PREFIX
from airflow_provider_starrocks.testing.fe.files import (
    CsvOptions,
    convert_separator,
    infer_format,
    read_file,
    storage_error_text,
)
from airflow_provider_starrocks.testing.fe.query import StarRocksRead, normalize

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.files import StorageGateway
    from airflow_provider_starrocks.testing.fe.load_parse import DataDesc
    from airflow_provider_starrocks.testing.fe.store import Store, Table


class LoadFailure(Exception):
    """A load job failure: ``type:<cancel_type>; msg:<msg>`` in ErrorMsg.

    :param cancel_type: a ``FailMsg.CancelType`` name.
    :param msg: the message.
    """

    def __init__(self, cancel_type: str, msg: str) -> None:
        super().__init__(msg)
        self.cancel_type = cancel_type
        self.msg = msg


@dataclass
class DescResult:
    """What one data description produced.

    :param data: the converted rows that pass the filters (target column names).
    :param scan_rows: rows read from the files.
    :param filtered_rows: rows rejected for quality (bad values, wrong column count, NULL in NOT NULL).
    :param unselected_rows: rows removed by WHERE.
    :param file_number: matching files.
    :param file_size: their total size in bytes.
    """

    data: pa.Table
    scan_rows: int
    filtered_rows: int
    unselected_rows: int
    file_number: int
    file_size: int


_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.Neg)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def _needs_double(column: exp.Column) -> bool:
    """Whether StarRocks would implicitly cast this VARCHAR source column to DOUBLE where it is used.

    Arithmetic on a string operand runs on DOUBLE, and so does comparing a string with a number (StarRocks's
    analyzer inserts the casts; the DOUBLE choice follows its binary-operator type rules and is unconfirmed here
    for every operator).
    """
    parent = column.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if isinstance(parent, _ARITHMETIC):
        return True
    if isinstance(parent, _COMPARISONS):
        other = parent.expression if parent.this is column else parent.this
        return isinstance(other, exp.Literal) and not other.is_string
    return False


def _sql_expr(text: str, string_columns: frozenset[str] = frozenset()) -> str:
    """Translate a SET / WHERE expression to DuckDB, with StarRocks's implicit casts of VARCHAR source columns.

    fe/fe-core/src/main/java/com/starrocks/load/Load.java ``initColumns`` (commit 00b57d40): a source column used
    in a mapping expression is read as VARCHAR ("Column exists in both schema and expr args, use VARCHAR"; one
    only in the expression starts as VARCHAR too) and the analyzer then casts it implicitly where the expression
    needs another type. The emulator applies the DOUBLE cast for arithmetic and numeric comparisons; other
    implicit casts (function arguments such as dates) are not emulated and fail the job loudly.

    :param text: the expression text (StarRocks syntax).
    :param string_columns: lower-case names of source columns that hold strings (CSV).
    """
    try:
        tree = sqlglot.parse_one(normalize(text), read=StarRocksRead)
    except sqlglot.errors.ParseError as exc:
        raise LoadFailure(
            "ETL_RUN_FAIL", f"the StarRocks emulator cannot apply expression {text!r}: {exc}"
        ) from None
    if string_columns:
        for column in list(tree.find_all(exp.Column)):
            if column.name.lower() in string_columns and not column.table and _needs_double(column):
                column.replace(exp.TryCast(this=column.copy(), to=exp.DataType.build("DOUBLE")))
    return tree.sql(dialect="duckdb")


def _list(aws: StorageGateway, props: dict[str, str], desc: DataDesc, table: Table) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for path in desc.paths:
        bucket_uri = re.match(r"^(s3a?://[^/]+/)", path)
        try:
            keys = aws.list_objects(props, path)
        except ValueError as exc:
            raise LoadFailure("ETL_RUN_FAIL", f"Invalid path {path}: {exc}") from None
        except Exception as exc:  # StorageAccessError and transport errors
            raise LoadFailure("ETL_RUN_FAIL", storage_error_text(exc)) from None
        prefix = bucket_uri.group(1) if bucket_uri else ""
        found.extend((prefix + key, size) for key, size in keys)
    if not found:
        # BrokerLoadPendingTask / FileScanNode: "No source file in this table(<table>)."
        raise LoadFailure("ETL_RUN_FAIL", f"No source file in this table({table.name}).")
    return found


def _json_path(path: str) -> list[str]:
    # Simple JSON paths only ($.a.b); anything else is not emulated.
    if not re.fullmatch(r"\$(\.[A-Za-z_][\w]*)*", path.strip()):
        raise LoadFailure("ETL_RUN_FAIL", f"not supported by the StarRocks emulator: JSON path {path}")
    return path.strip().split(".")[1:]


def _dig(record: object, keys: list[str]) -> object:
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _apply_json_options(data: bytes, job_props: dict[str, str], names: list[str]) -> pa.Table | None:
    """Apply the job's json_root / jsonpaths (BROKER_LOAD.md, LoadStmt.JSONROOT / JSONPATHS); None: plain read."""
    root, paths = job_props.get("json_root"), job_props.get("jsonpaths")
    if not root and not paths:
        return None
    text = data.decode("utf-8").strip()
    records = (
        json.loads(text) if text.startswith("[") else [json.loads(x) for x in text.splitlines() if x.strip()]
    )
    if root:
        keys = _json_path(root)
        records = [_dig(r, keys) for r in records]
        flat: list[object] = []
        for r in records:
            flat.extend(r if isinstance(r, list) else [r])
        records = flat
    if paths:
        try:
            parsed = json.loads(paths)
        except ValueError:
            raise LoadFailure("ETL_RUN_FAIL", f"Invalid jsonpaths: {paths}") from None
        keys_list = [_json_path(str(p)) for p in parsed]
        return pa.table({n: pa.array([_dig(r, k) for r in records]) for n, k in zip(names, keys_list)})
    return pa.Table.from_pylist([r for r in records if isinstance(r, dict)])


def _read_all(
    aws: StorageGateway,
    props: dict[str, str],
    desc: DataDesc,
    table: Table,
    files: list[tuple[str, int]],
    job_props: dict[str, str],
) -> tuple[pa.Table, int, int]:
    """Return (string-or-native source table named by the file columns, rows scanned, malformed rows)."""
    names = desc.columns or [c.name for c in table.columns]
    fmt = (desc.format or infer_format(files[0][0])).lower()
    if fmt not in ("csv", "parquet", "orc", "json"):
        raise LoadFailure("ETL_RUN_FAIL", f"{EMULATOR_PREFIX}reading format {fmt!r}")
    opts = CsvOptions(
        column_separator=convert_separator(desc.column_separator)
        if desc.column_separator is not None
        else "\t",
        row_delimiter=convert_separator(desc.row_delimiter) if desc.row_delimiter is not None else "\n",
        skip_header=desc.skip_header,
        trim_space=desc.trim_space,
        enclose=desc.enclose,
        escape=desc.escape,
    )
    csv_rows: list[list[str | None]] = []
    tables: list[pa.Table] = []
    scanned = malformed = 0
    for uri, _size in files:
        try:
            raw = aws.read_object(props, uri)
        except Exception as exc:  # StorageAccessError and transport errors
            raise LoadFailure("ETL_RUN_FAIL", storage_error_text(exc)) from None
        try:
            json_read = _apply_json_options(raw, job_props, names) if fmt == "json" else None
            decoded = json_read if json_read is not None else read_file(raw, fmt, opts)
        except LoadFailure:
            raise
        except Exception as exc:  # pyarrow raises many classes on corrupt input
            raise LoadFailure(
                "LOAD_RUN_FAIL", f"{EMULATOR_PREFIX}decoding {uri} as {fmt} ({type(exc).__name__})"
            ) from None
        if isinstance(decoded, list):
            scanned += len(decoded)
            for row in decoded:
                if len(row) == len(names):
                    csv_rows.append(row)
                else:
                    malformed += 1
        else:
            scanned += decoded.num_rows
            by_lower = {n.lower(): n for n in decoded.column_names}
            missing = [n for n in names if n.lower() not in by_lower]
            if missing:
                raise LoadFailure("LOAD_RUN_FAIL", f"Column {missing[0]} is not found in file: {uri}")
            tables.append(decoded.select([by_lower[n.lower()] for n in names]).rename_columns(names))
    if fmt == "csv":
        columns = list(zip(*csv_rows)) if csv_rows else [() for _ in names]
        source = pa.table({n: pa.array(list(col), type=pa.string()) for n, col in zip(names, columns)})
    else:
        source = pa.concat_tables(tables, promote_options="permissive")
    return source, scanned, malformed


def _length_limit(sr_type: str) -> int | None:
    found = re.fullmatch(r"(?:VAR)?CHAR\((\d+)\)", sr_type)
    return int(found.group(1)) if found else None


def run_data_desc(
    store: Store,
    aws: StorageGateway,
    props: dict[str, str],
    desc: DataDesc,
    table: Table,
    job_props: dict[str, str] | None = None,
) -> DescResult:
    """Read, convert and filter the files of one data description.

    :param store: the store (DuckDB does the conversions).
    :param aws: the storage gateway.
    :param props: the WITH BROKER properties.
    :param desc: the data description.
    :param table: the target table.
    :param job_props: the job PROPERTIES (json_root / jsonpaths are applied to JSON files; merge_condition is
        accepted but not applied: the emulator's tables have no primary-key merge).
    """
    if desc.columns_from_path:
        raise LoadFailure("ETL_RUN_FAIL", f"{EMULATOR_PREFIX}COLUMNS FROM PATH AS")
    files = _list(aws, props, desc, table)
    source, scanned, malformed = _read_all(aws, props, desc, table, files, job_props or {})
    file_cols = {n.lower() for n in source.column_names}
    string_cols = frozenset(
        n.lower() for n, t in zip(source.column_names, source.schema.types) if pa.types.is_string(t)
    )
    mapped = {col.lower(): expr for col, expr in desc.set_exprs}
    for col, _expr in desc.set_exprs:
        if table.column(col) is None:
            raise LoadFailure("ETL_RUN_FAIL", f"Unknown column '{col}' in '{table.name}'")
    selects: list[str] = []
    bad: list[str] = []
    for column in table.columns:
        key = column.name.lower()
        target = f'"{column.name}"'
        if key in mapped:
            expr = f"TRY_CAST(({_sql_expr(mapped[key], string_cols)}) AS {column.duck_type})"
        elif key in file_cols:
            expr = f"TRY_CAST(src.{target} AS {column.duck_type})"
            bad.append(f"(src.{target} IS NOT NULL AND {expr} IS NULL)")
            limit = _length_limit(column.sr_type)
            if limit is not None:
                bad.append(f"(strlen(CAST(src.{target} AS VARCHAR)) > {limit})")
        else:
            expr = "NULL"
        if not column.nullable:
            bad.append(f"({expr}) IS NULL")
        selects.append(f"{expr} AS {target}")
    bad_sql = " OR ".join(bad) or "FALSE"
    where_sql = _sql_expr(desc.where) if desc.where else "TRUE"
    sql = (
        f"WITH conv AS (SELECT {', '.join(selects)}, COALESCE({bad_sql}, FALSE) AS __bad FROM src) "
        f"SELECT *, COALESCE(({where_sql}), FALSE) AS __sel FROM conv"
    )
    with store.lock:
        cur = store.cursor()
        try:
            cur.register("src", source)
            try:
                result: pa.Table = cur.sql(sql).to_arrow_table()
            except Exception as exc:  # duckdb binder / conversion errors
                # No engine text in ErrorMsg: StarRocks never says it.
                raise LoadFailure(
                    "ETL_RUN_FAIL",
                    f"{EMULATOR_PREFIX}this column mapping or WHERE ({type(exc).__name__})",
                ) from None
        finally:
            cur.close()
    bad_mask = result.column("__bad").to_pylist()
    sel_mask = result.column("__sel").to_pylist()
    keep = [not b and s for b, s in zip(bad_mask, sel_mask)]
    filtered = malformed + sum(1 for b in bad_mask if b)
    unselected = sum(1 for b, s in zip(bad_mask, sel_mask) if not b and not s)
    data = result.filter(pa.array(keep, type=pa.bool_())).drop_columns(["__bad", "__sel"])
    return DescResult(data, scanned, filtered, unselected, len(files), sum(size for _, size in files))
