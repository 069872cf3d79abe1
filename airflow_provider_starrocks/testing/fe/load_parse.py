"""
Parser for ``LOAD LABEL`` (broker load).

It follows ``loadStatement`` / ``dataDesc`` / ``formatProps`` / ``brokerDesc`` of StarRocks.g4
(fe/fe-grammar/src/main/antlr/com/starrocks/grammar/StarRocks.g4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_starrocks.testing.fe.errors import not_supported

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.stream import TokenStream


@dataclass
class DataDesc:
    """One ``DATA INFILE`` clause.

    :param paths: the file paths / globs.
    :param table: the target table.
    :param negative: whether NEGATIVE was given.
    :param partitions: the PARTITION list.
    :param column_separator: COLUMNS TERMINATED BY, as written (after string unescaping).
    :param row_delimiter: ROWS TERMINATED BY.
    :param format: FORMAT AS, lower case.
    :param skip_header: formatProps SKIP_HEADER.
    :param trim_space: formatProps TRIM_SPACE.
    :param enclose: formatProps ENCLOSE.
    :param escape: formatProps ESCAPE.
    :param columns: the column list.
    :param columns_from_path: COLUMNS FROM PATH AS.
    :param set_exprs: SET mappings as ``(column, expression text)``.
    :param where: the WHERE predicate text.
    """

    paths: list[str]
    table: str
    negative: bool = False
    partitions: list[str] = field(default_factory=list)
    column_separator: str | None = None
    row_delimiter: str | None = None
    format: str | None = None
    skip_header: int = 0
    trim_space: bool = False
    enclose: str | None = None
    escape: str | None = None
    columns: list[str] | None = None
    columns_from_path: list[str] | None = None
    set_exprs: list[tuple[str, str]] = field(default_factory=list)
    where: str | None = None


@dataclass
class LoadStmt:
    """A parsed ``LOAD LABEL`` statement.

    :param db: the database of the label, or None for the current one.
    :param label: the label.
    :param data_descs: the data descriptions.
    :param broker_name: the broker name, if any.
    :param broker_props: the WITH BROKER properties (credentials).
    :param properties: the job PROPERTIES.
    """

    db: str | None
    label: str
    data_descs: list[DataDesc]
    broker_name: str | None
    broker_props: dict[str, str]
    properties: dict[str, str]


def _bool_value(ts: TokenStream) -> bool:
    tok = ts.advance()
    if tok.kind == "ident" and tok.upper in ("TRUE", "FALSE"):
        return tok.upper == "TRUE"
    ts.i -= 1
    ts.fail("expecting TRUE or FALSE")
    raise AssertionError  # unreachable


def _expression_text(ts: TokenStream, stop_at_comma: bool) -> str:
    """Consume an expression up to a top-level ``,`` / ``)`` (or the end) and return its raw text."""
    start = ts.tok.pos
    depth = 0
    while True:
        tok = ts.tok
        if tok.kind == "eof":
            break
        if tok.kind == "symbol" and tok.value == "(":
            depth += 1
        elif tok.kind == "symbol" and tok.value == ")":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and tok.kind == "symbol" and tok.value == "," and stop_at_comma:
            break
        ts.advance()
    text = ts.sql[start : ts.tok.pos].strip()
    if not text:
        ts.fail("expecting an expression")
    return text


def _format_props(ts: TokenStream, desc: DataDesc) -> None:
    ts.expect_sym("(")
    if ts.accept_kw("SKIP_HEADER"):
        ts.expect_sym("=")
        desc.skip_header = ts.integer()
    if ts.accept_kw("TRIM_SPACE"):
        ts.expect_sym("=")
        desc.trim_space = _bool_value(ts)
    if ts.accept_kw("ENCLOSE"):
        ts.expect_sym("=")
        desc.enclose = ts.string()
    if ts.accept_kw("ESCAPE"):
        ts.expect_sym("=")
        desc.escape = ts.string()
    # formatProps takes its keywords in this fixed order and without commas.
    ts.expect_sym(")")


def _data_desc(ts: TokenStream) -> DataDesc:
    ts.expect_kw("DATA")
    if ts.at_kw("FROM", "TABLE"):
        raise not_supported("DATA FROM TABLE (Hive-table broker load)")
    ts.expect_kw("INFILE")
    paths = ts.string_list()
    negative = ts.accept_kw("NEGATIVE")
    ts.expect_kw("INTO", "TABLE")
    desc = DataDesc(paths=paths, table=ts.identifier(), negative=negative)
    if ts.at_kw("TEMPORARY", "PARTITION") or ts.at_kw("PARTITION") or ts.at_kw("PARTITIONS"):
        ts.accept_kw("TEMPORARY")
        ts.advance()
        desc.partitions = ts.identifier_list()
    if ts.accept_kw("COLUMNS", "TERMINATED", "BY"):
        desc.column_separator = ts.string()
    if ts.accept_kw("ROWS", "TERMINATED", "BY"):
        desc.row_delimiter = ts.string()
    if ts.accept_kw("FORMAT", "AS"):
        desc.format = ts.identifier_or_string().lower()
    if ts.at_sym("(") and ts.peek(1).upper in ("SKIP_HEADER", "TRIM_SPACE", "ENCLOSE", "ESCAPE"):
        _format_props(ts, desc)
    if ts.at_sym("("):
        desc.columns = ts.identifier_list()
    if ts.accept_kw("COLUMNS", "FROM", "PATH", "AS"):
        desc.columns_from_path = ts.identifier_list()
    if ts.accept_kw("SET"):
        ts.expect_sym("(")
        while True:
            column = ts.identifier()
            ts.expect_sym("=")
            desc.set_exprs.append((column, _expression_text(ts, stop_at_comma=True)))
            if ts.accept_sym(")"):
                break
            ts.expect_sym(",")
    if ts.accept_kw("WHERE"):
        desc.where = _expression_text(ts, stop_at_comma=True)
    return desc


def parse_load(ts: TokenStream) -> LoadStmt:
    """Parse ``LOAD LABEL ...`` (the stream is positioned after ``LOAD``).

    :param ts: the token stream.
    """
    ts.expect_kw("LABEL")
    first = ts.identifier()
    db, label = (first, ts.identifier()) if ts.accept_sym(".") else (None, first)
    descs: list[DataDesc] = []
    if ts.accept_sym("("):
        descs.append(_data_desc(ts))
        while ts.accept_sym(","):
            descs.append(_data_desc(ts))
        ts.expect_sym(")")
    if ts.at_kw("WITH", "RESOURCE"):
        raise not_supported("WITH RESOURCE (Spark load)")
    if not (ts.at_kw("WITH") or ts.at_kw("PROPERTIES") or ts.at_sym(";") or ts.tok.kind == "eof"):
        ts.fail("expecting '(' or WITH BROKER")
    if not ts.at_kw("WITH", "BROKER"):
        # The grammar makes brokerDesc optional; without it StarRocks plans a legacy load the emulator lacks.
        raise not_supported("LOAD LABEL without WITH BROKER")
    ts.expect_kw("WITH", "BROKER")
    broker_name = None
    if not ts.at_sym("(") and not ts.at_kw("PROPERTIES") and ts.tok.kind in ("ident", "qident", "string"):
        broker_name = ts.identifier_or_string()
    broker_props = ts.property_list() if ts.at_sym("(") else {}
    if ts.accept_kw("BY"):
        ts.identifier_or_string()
    properties = ts.property_list() if ts.accept_kw("PROPERTIES") else {}
    ts.end()
    if not descs:
        raise not_supported("LOAD LABEL without data descriptions")
    return LoadStmt(db, label, descs, broker_name, broker_props, properties)
