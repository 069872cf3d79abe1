"""``INSERT INTO t [WITH LABEL l] [(cols)] SELECT ... FROM FILES(...)``: synchronous, recorded as an INSERT job.

Texts from ``TableFunctionTable.parseProperties`` (fe/fe-core/src/main/java/com/starrocks/catalog/
TableFunctionTable.java) and ``ErrorCode.ERR_NO_FILES_FOUND`` (5600); options from
docs/en/sql-reference/sql-functions/table-functions/files.md.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from airflow_provider_starrocks.testing.fe.errors import FilteredRows, StarRocksError, not_supported
from airflow_provider_starrocks.testing.fe.files import (
    CsvOptions,
    convert_separator,
    read_file,
    storage_error_text,
)
from airflow_provider_starrocks.testing.fe.load_props import JobProperties, check_label
from airflow_provider_starrocks.testing.fe.loads import LoadJob
from airflow_provider_starrocks.testing.fe.stream import TokenStream

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.releases import Release

SOURCE_NAME = "__sr_files"
INSERT_TIMEOUT_S = 14400  # session variable insert_timeout


def no_files_found(path: str) -> StarRocksError:
    return StarRocksError(
        f"No files were found matching the pattern(s) or path(s): '{path}'. You should check whether there are "
        "files under the path, and make sure the process has the permission to access the path"
    )


@dataclass
class FilesInsert:
    """A parsed INSERT ... FROM FILES().

    :param db: the target database (None: current).
    :param table: the target table.
    :param label: WITH LABEL, if given.
    :param sql: the statement with ``WITH LABEL`` removed and ``FILES(...)`` replaced by the source table.
    :param props: the FILES() properties.
    """

    db: str | None
    table: str
    label: str | None
    sql: str
    props: dict[str, str]


def uses_files(ts: TokenStream) -> bool:
    toks = ts.tokens
    return any(t.upper == "FILES" and toks[i + 1].value == "(" for i, t in enumerate(toks[:-1]))


def parse_files_insert(sql: str, release: Release | None = None) -> FilesInsert:
    """Parse an INSERT whose source is FILES().

    :param sql: the statement text.
    :param release: the emulated release (where ``WITH LABEL`` may stand: ``insert_jobs.parse_insert_head``).
    """
    from airflow_provider_starrocks.testing.fe.insert_jobs import parse_insert_head

    ts = TokenStream(sql)
    ts.expect_kw("INSERT")
    if ts.accept_kw("OVERWRITE"):
        raise not_supported("INSERT OVERWRITE ... FROM FILES()")
    ts.expect_kw("INTO")
    # The catalog of catalog.db.table was checked by handlers.handle_insert (default_catalog only).
    head = parse_insert_head(sql, release)
    db, table, label, text = head.db, head.table, head.label, head.sql
    ts = TokenStream(text)
    for index, tok in enumerate(ts.tokens[:-1]):
        if tok.upper == "FILES" and ts.tokens[index + 1].value == "(":
            ts.i = index + 1
            props = ts.property_list()
            end = ts.tokens[ts.i - 1].end
            return FilesInsert(db, table, label, text[: tok.pos] + SOURCE_NAME + text[end:], props)
    raise not_supported("INSERT without FILES()")


def _java_parse_int(value: str) -> int:
    """``Integer.parseInt``; raises ``ValueError`` with Java's ``NumberFormatException`` message."""
    if not re.fullmatch(r"[+-]?\d+", value) or not -(2**31) <= int(value) < 2**31:
        raise ValueError(f'For input string: "{value}"')
    return int(value)


def storage_access_error(detail: str) -> StarRocksError:
    """Frame a TableFunctionTable DdlException as the analyzer reports it.

    QueryAnalyzer.resolveTableFunctionTable and ShowStmtAnalyzer.descTableFunctionTable wrap it in a
    StorageAccessException, whose getMessage is ``Access storage error. Error message: <root cause message>``
    (fe/fe-core/src/main/java/com/starrocks/sql/analyzer/StorageAccessException.java at every emulated release).

    :param detail: the root cause's message.
    """
    return StarRocksError(f"Access storage error. Error message: {detail}")


def check_files_properties(props: dict[str, str], release: Release) -> str:
    """Check FILES() properties as ``TableFunctionTable.parseProperties`` does; return the lower-case format.

    :param props: the FILES() properties.
    :param release: the emulated release (its format gate and whether csv.* properties exist).
    """
    if not props.get("path"):
        raise storage_access_error("path is null. Please add properties(path='xxx') when create table")
    fmt = props.get("format", "")
    if not fmt:
        raise storage_access_error("format is null. Please add properties(format='xxx') when create table")
    if fmt.lower() not in release.files_formats:
        raise storage_access_error(f"not supported format: {fmt}")
    if not release.files_csv_options:
        return fmt.lower()
    for key in ("csv.enclose", "csv.escape"):
        if key in props and not props[key].encode():
            raise storage_access_error(f"empty property {key}")
    if "csv.skip_header" in props:
        try:
            _java_parse_int(props["csv.skip_header"])
        except ValueError as exc:
            # DdlException("failed to parse csv.skip_header: ", e): the root cause is the NumberFormatException.
            raise storage_access_error(str(exc)) from None
    trim = props.get("csv.trim_space")
    if trim is not None and trim.lower() not in ("true", "false"):
        raise storage_access_error(f"illegal value of csv.trim_space: {trim}, only true/false allowed")
    return fmt.lower()


def _csv_options(props: dict[str, str]) -> CsvOptions:
    return CsvOptions(
        column_separator=convert_separator(props.get("csv.column_separator", "\t")),
        row_delimiter=convert_separator(props.get("csv.row_delimiter", "\n")),
        skip_header=_java_parse_int(props.get("csv.skip_header", "0")),
        trim_space=props.get("csv.trim_space", "false").lower() == "true",
        enclose=props.get("csv.enclose") or None,
        escape=props.get("csv.escape") or None,
    )


def read_files(fe: FeContext, props: dict[str, str]) -> tuple[pa.Table, int, int]:
    """Check the FILES() properties and read every matching object; return (rows, file count, bytes).

    :param fe: the emulator.
    :param props: the FILES() properties (credentials included).
    """
    path = props.get("path", "")
    fmt = check_files_properties(props, fe.config.release)
    if fmt == "avro":
        raise not_supported("reading Avro files with FILES()")
    found: list[tuple[str, int]] = []
    for piece in [p.strip() for p in path.split(",") if p.strip()]:
        bucket = re.match(r"^(s3a?://[^/]+/)", piece)
        try:
            keys = fe.aws.list_objects(props, piece)
        except ValueError as exc:
            raise StarRocksError(f"Invalid path {piece}: {exc}") from None
        except Exception as exc:  # StorageAccessError
            raise StarRocksError(storage_error_text(exc)) from None
        found += [((bucket.group(1) if bucket else "") + key, size) for key, size in keys]
    if not found:
        raise no_files_found(path)
    tables: list[pa.Table] = []
    for uri, _size in found:
        try:
            decoded = read_file(fe.aws.read_object(props, uri), fmt, _csv_options(props))
        except Exception as exc:  # StorageAccessError or a corrupt object
            raise StarRocksError(storage_error_text(exc)) from None
        if isinstance(decoded, list):
            width = max((len(r) for r in decoded), default=0)
            columns = [[r[i] if i < len(r) else None for r in decoded] for i in range(width)]
            decoded = pa.table(
                {f"${i + 1}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
            )
        tables.append(decoded)
    return pa.concat_tables(tables, promote_options="permissive"), len(found), sum(s for _, s in found)


def run_files_insert(fe: FeContext, sql: str, current_db: str | None, user: str) -> LoadJob:
    """Run the INSERT synchronously and record it as a load job of type INSERT.

    :param fe: the emulator.
    :param sql: the statement text.
    :param current_db: the session's database.
    :param user: the user.
    """
    from airflow_provider_starrocks.testing.fe.selects import QueryRunner, file_table_reader

    stmt = parse_files_insert(sql, fe.config.release)
    db = stmt.db or current_db
    if not db:
        raise StarRocksError("No database selected", 1046)
    target = fe.store.get_table(db, stmt.table)
    label = stmt.label or f"insert_{uuid.uuid4()}"
    check_label(label)
    fe.loads.check_label_free(db, label)
    source, file_number, file_size = read_files(fe, stmt.props)
    count_sql = f'SELECT count(*) FROM "{db}"."{target.name}"'
    job = LoadJob(
        id=0, label=label, db=db, user=user, type="INSERT", stmt=None, tables=[target.name],
        props=JobProperties(timeout=INSERT_TIMEOUT_S, max_filter_ratio=0.0, priority="NORMAL",
                            strict_mode=False),
        state="LOADING", loaded=True, scan_rows=source.num_rows, scan_bytes=file_size, file_number=file_number,
        file_size=file_size,
    )  # fmt: skip
    job.etl_start_time = job.etl_finish_time = job.load_start_time = time.time()
    runner = QueryRunner(fe.store, file_table_reader(fe))
    try:
        with fe.store.lock:
            before = fe.store.cursor().execute(count_sql).fetchone()
            runner.run(stmt.sql, db, extra={SOURCE_NAME: source})
            after = fe.store.cursor().execute(count_sql).fetchone()
    except FilteredRows:
        job.state, job.error_type, job.finish_time = "CANCELLED", "LOAD_RUN_FAIL", time.time()
        job.filtered_rows = max(1, job.scan_rows)  # the engine fails the whole statement, not row by row
        fe.loads.record_insert(job)
        tracking = f"select tracking_log from information_schema.load_tracking_logs where job_id={job.id}"
        text = fe.config.release.insert_filtered_text.format(
            txn_id=fe.loads.next_txn_id(), tracking_sql=tracking
        )
        job.error_msg = text
        raise StarRocksError(text) from None
    except StarRocksError as exc:
        job.state, job.error_type, job.error_msg, job.finish_time = (
            "CANCELLED",
            "LOAD_RUN_FAIL",
            exc.msg,
            time.time(),
        )
        fe.loads.record_insert(job)
        raise
    job.sink_rows = int((after or (0,))[0]) - int((before or (0,))[0])
    job.state, job.progress, job.finish_time = "FINISHED", 100, time.time()
    job.commit_time = job.finish_time
    fe.loads.record_insert(job)
    return job
