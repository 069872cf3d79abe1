"""SELECT dispatch (constants, system variables, information functions, tables) and SET."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.fe import file_tables, files_select
from airflow_provider_starrocks.testing.fe.errors import StarRocksError, analysis_error
from airflow_provider_starrocks.testing.fe.info_schema import (
    labels_in_list,
    loads_snapshot,
    query_snapshot,
    referenced_system_table,
)
from airflow_provider_starrocks.testing.fe.query import QueryRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    import pyarrow as pa

    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.session import FeSession
    from airflow_provider_starrocks.testing.fe.store import Table
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

DEFAULT_VARIABLES: dict[str, Any] = {
    "auto_increment_increment": 1,
    "autocommit": 1,
    "character_set_client": "utf8",
    "character_set_connection": "utf8",
    "character_set_results": "utf8",
    "character_set_server": "utf8",
    "collation_connection": "utf8_general_ci",
    "collation_database": "utf8_general_ci",
    "collation_server": "utf8_general_ci",
    "init_connect": "",
    "interactive_timeout": 3600,
    "license": "Apache License 2.0",
    "lower_case_table_names": 0,
    "max_allowed_packet": 33554432,
    "net_write_timeout": 60,
    "query_timeout": 300,
    "sql_mode": "ONLY_FULL_GROUP_BY",
    "sql_select_limit": 9223372036854775807,
    "system_time_zone": "UTC",
    "time_zone": "Asia/Shanghai",
    "transaction_isolation": "REPEATABLE-READ",
    "tx_isolation": "REPEATABLE-READ",
    "tx_read_only": 0,
    "transaction_read_only": 0,
    "wait_timeout": 28800,
    "insert_timeout": 14400,
}


def file_table_reader(fe: FeContext) -> Callable[[Table], pa.Table]:
    return lambda table: file_tables.read_file_table(fe.aws, table)


def runner(session: FeSession) -> QueryRunner:
    return QueryRunner(session.fe.store, file_table_reader(session.fe))


def variable(session: FeSession, name: str) -> Any:
    """Return a system variable's value as this session sees it.

    :param session: the session.
    :param name: the variable name, without ``@@``.
    """
    key = name.lower()
    if key == "version":
        return session.fe.config.mysql_server_version
    if key == "version_comment":
        return f"StarRocks version {session.fe.config.version}"
    if key in session.session_vars:
        return session.session_vars[key]
    if key in DEFAULT_VARIABLES:
        return DEFAULT_VARIABLES[key]
    # ErrorCode.ERR_UNKNOWN_SYSTEM_VARIABLE(1193, "Unknown system variable '%s'").
    raise StarRocksError(f"Unknown system variable '{name}'", 1193)


def _like_regex(pattern: str) -> re.Pattern[str]:
    # PatternMatcher.createMysqlPattern: % any run, _ one character, backslash escapes; variables match
    # case-sensitively (CaseSensibility.VARIABLES(true), fe-core common/, pinterest-release-3.3.5 7c653fb).
    parts, chars = [], iter(pattern)
    for ch in chars:
        if ch == "\\":
            parts.append(re.escape(next(chars, "\\")))
        else:
            parts.append({"%": ".*", "_": "."}.get(ch) or re.escape(ch))
    return re.compile("".join(parts), re.S)


def show_variables(session: FeSession, pattern: str | None = None) -> tuple[list[tuple[Any, ...]], list[str]]:
    merged = {**DEFAULT_VARIABLES, **session.session_vars}
    merged["version"] = variable(session, "version")
    merged["version_comment"] = variable(session, "version_comment")
    matcher = _like_regex(pattern) if pattern is not None else None
    rows = [(k, str(v)) for k, v in sorted(merged.items()) if matcher is None or matcher.fullmatch(k)]
    return rows, ["Variable_name", "Value"]


def frontend_config(
    session: FeSession, pattern: str | None = None
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Rows of ``ADMIN SHOW FRONTEND CONFIG`` for the few FE settings the emulator has.

    Columns from AdminShowConfigStmt.TITLE_NAMES, cells as ConfigBase.getConfigInfo renders them (aliases as
    ``Arrays.toString``, the Java type's simple name); defaults from Config.java (pinterest-release-3.3.5, 7c653fb).

    :param session: the session.
    :param pattern: a ``LIKE`` pattern (config keys match case-sensitively: CaseSensibility.CONFIG(true)).
    """
    config = session.fe.config
    rows = [
        ("label_keep_max_num", "[]", str(config.label_keep_max_num), "int", "true", ""),
        ("label_keep_max_second", "[]", str(config.label_keep_max_second), "int", "true", ""),
        ("run_mode", "[]", "shared_nothing", "String", "false", ""),
    ]
    matcher = _like_regex(pattern) if pattern is not None else None
    rows = [row for row in rows if matcher is None or matcher.fullmatch(row[0])]
    return rows, ["Key", "AliasNames", "Value", "Type", "IsMutable", "Comment"]


_FUNCTIONS = frozenset(
    {
        "CURRENT_VERSION",
        "VERSION",
        "DATABASE",
        "SCHEMA",
        "USER",
        "CURRENT_USER",
        "SESSION_USER",
        "CONNECTION_ID",
        "CATALOG",
    }
)


def _function(session: FeSession, name: str) -> Any:
    key = name.upper()
    if key == "CURRENT_VERSION":
        return f"{session.fe.config.version}-{session.fe.config.commit}"
    if key == "VERSION":
        return session.fe.config.mysql_server_version
    if key in ("DATABASE", "SCHEMA"):
        return session.database
    if key in ("USER", "CURRENT_USER", "SESSION_USER"):
        return f"'{session.username}'@'%'"
    if key == "CONNECTION_ID":
        return session.connection.connection_id if session.connection else 0
    if key == "CATALOG":
        return session.catalog
    return None


def _simple_item(session: FeSession, ts: TokenStream) -> tuple[bool, Any]:
    """Try to evaluate one constant select item; return (ok, value)."""
    tok = ts.tok
    if tok.kind == "string":
        ts.advance()
        return True, tok.value
    if tok.kind == "number":
        ts.advance()
        text = tok.value
        return True, (int(text) if text.isdigit() else float(text))
    if tok.kind == "symbol" and tok.value == "-" and ts.peek(1).kind == "number":
        ts.advance()
        ok, value = _simple_item(session, ts)
        return ok, -value
    if tok.upper in ("NULL", "TRUE", "FALSE"):
        ts.advance()
        return True, {"NULL": None, "TRUE": 1, "FALSE": 0}[tok.upper]
    if tok.kind == "symbol" and tok.value == "@" and ts.peek(1).kind == "symbol" and ts.peek(1).value == "@":
        ts.advance()
        ts.advance()
        name = ts.identifier()
        if name.lower() in ("session", "global", "local") and ts.accept_sym("."):
            name = ts.identifier()
        return True, variable(session, name)
    call = tok.kind == "ident" and ts.peek(1).value == "(" and ts.peek(2).value == ")"
    if call and tok.upper in _FUNCTIONS:
        ts.i += 3
        return True, _function(session, tok.value)
    return False, None


def _try_constant_select(
    session: FeSession, ts: TokenStream
) -> tuple[list[tuple[Any, ...]], list[str]] | None:
    start = ts.i
    ts.advance()
    values: list[Any] = []
    names: list[str] = []
    while True:
        item_start = ts.tok.pos
        ok, value = _simple_item(session, ts)
        if not ok:
            ts.i = start
            return None
        name = ts.sql[item_start : ts.tokens[ts.i - 1].end]
        if ts.accept_kw("AS"):
            name = ts.identifier_or_string()
        elif ts.tok.kind in ("qident",) or (ts.tok.kind == "ident" and ts.tok.upper not in ("FROM", "LIMIT")):
            name = ts.identifier()
        values.append(value)
        names.append(name)
        if not ts.accept_sym(","):
            break
    if ts.accept_kw("LIMIT"):
        limit = ts.integer()
        ts.end()
        return ([tuple(values)] if limit else []), names
    if ts.tok.kind == "eof" or (ts.at_sym(";") and ts.peek(1).kind == "eof"):
        return [tuple(values)], names
    ts.i = start
    return None


def run_select(session: FeSession, ts: TokenStream) -> tuple[list[tuple[Any, ...]], list[str]] | None:
    """Run a SELECT: constants first, then information_schema.loads, then DuckDB.

    :param session: the session.
    :param ts: the token stream at SELECT.
    """
    if ts.tok.upper == "SELECT":
        constant = _try_constant_select(session, ts)
        if constant is not None:
            return constant
    system_table = referenced_system_table(ts.sql)
    if system_table == "loads":
        jobs = session.fe.loads.all_jobs()
        labels = labels_in_list(ts)
        if labels is not None:  # the same rows as DuckDB's IN filter, in JobId order
            jobs = [j for j in jobs if j.label in labels]
        sql = ts.sql if labels is None else "SELECT * FROM information_schema.loads"
        return query_snapshot(session.fe.store, sql, "loads", loads_snapshot(jobs, session.fe.config))
    if system_table == "task_runs":
        return query_snapshot(session.fe.store, ts.sql, "task_runs", session.fe.tasks.snapshot())
    if system_table == "tasks":
        return query_snapshot(session.fe.store, ts.sql, "tasks", session.fe.tasks.tasks_snapshot())
    if system_table in ("pipes", "pipe_files"):
        return session.fe.pipes.query(session, ts.sql, system_table)
    if files_select.uses_files(ts.sql):
        return files_select.select_from_files(session, ts.sql)
    return runner(session).run(ts.sql, session.database, current_catalog=session.catalog)


def _set_value(session: FeSession, ts: TokenStream) -> Any:
    tok = ts.tok
    if tok.kind in ("string", "qident"):
        ts.advance()
        return tok.value
    if tok.kind == "number":
        ts.advance()
        return int(tok.value) if tok.value.isdigit() else float(tok.value)
    if tok.kind == "symbol" and tok.value == "-" and ts.peek(1).kind == "number":
        ts.advance()
        return -_set_value(session, ts)
    if tok.kind == "ident" and not (ts.peek(1).kind == "symbol" and ts.peek(1).value in ("(", ".")):
        ts.advance()
        # SetStmtAnalyzer turns a bare identifier (SlotRef) into a string literal.
        return tok.value
    if tok.kind == "symbol" and tok.value == "@" and ts.peek(1).kind == "symbol" and ts.peek(1).value == "@":
        ts.advance()
        ts.advance()
        return variable(session, ts.identifier())
    raise analysis_error("Set statement only support constant expr")


def _check_insert_max_filter_ratio(value: Any) -> None:
    """``VariableVarConverters.InsertMaxFilterRatioConverter`` (fe/fe-core/src/main/java/com/starrocks/qe/, 3.4.0+).

    ``ErrorCode.ERR_INVALID_VALUE`` (5018); recorded in test/sql/test_files/R/test_insert_properties.

    :param value: the value as SET gives it.
    """
    text = str(value)
    try:
        ratio = float(text)
        valid = not (ratio < 0 or ratio > 1)  # as Java compares: NaN passes
    except ValueError:
        valid = False
    if not valid:
        raise StarRocksError(
            f"Invalid insert_max_filter_ratio: '{text}'. Expected values should be between 0.0 and 1.0", 5018
        )


def apply_set(session: FeSession, ts: TokenStream) -> None:
    """Apply ``SET [GLOBAL|SESSION] var = value [, ...]`` and ``SET NAMES ...``.

    :param session: the session.
    :param ts: the token stream after SET.
    """
    if ts.accept_kw("NAMES"):
        ts.identifier_or_string()
        if ts.accept_kw("COLLATE"):
            ts.identifier_or_string()
        ts.end()
        return
    if ts.at_kw("PASSWORD") or ts.at_kw("ROLE") or ts.at_kw("DEFAULT", "ROLE"):
        from airflow_provider_starrocks.testing.fe.errors import not_supported

        raise not_supported(f"SET {ts.tok.value}")
    while True:
        ts.accept_kw("GLOBAL") or ts.accept_kw("SESSION") or ts.accept_kw("LOCAL")
        if ts.accept_sym("@"):
            if ts.accept_sym("@"):
                name = ts.identifier()
                if name.lower() in ("session", "global", "local") and ts.accept_sym("."):
                    name = ts.identifier()
            else:
                name = "@" + ts.identifier()
        else:
            name = ts.identifier()
        if not (
            ts.accept_sym("=")
            or (ts.at_sym(":") and ts.peek(1).value == "=" and ts.advance() and ts.advance())
        ):
            ts.fail("expecting '='")
        value = _set_value(session, ts)
        if not (ts.at_sym(",") or ts.at_sym(";") or ts.tok.kind == "eof"):
            raise analysis_error("Set statement only support constant expr")
        if name.lower() == "insert_max_filter_ratio" and session.fe.config.release.insert_max_filter_ratio:
            _check_insert_max_filter_ratio(value)
        session.session_vars[name.lower()] = value
        if not ts.accept_sym(","):
            break
    ts.end()
