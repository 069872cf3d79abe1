"""CREATE TABLE (internal and ENGINE=file) parsing: column definitions and StarRocks-only table clauses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_starrocks.testing.fe.errors import not_supported
from airflow_provider_starrocks.testing.fe.store import Column

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

_SIMPLE_TYPES = {
    "BOOLEAN": "BOOLEAN",
    "BOOL": "BOOLEAN",
    "TINYINT": "TINYINT",
    "SMALLINT": "SMALLINT",
    "INT": "INTEGER",
    "INTEGER": "INTEGER",
    "BIGINT": "BIGINT",
    "LARGEINT": "HUGEINT",
    "FLOAT": "FLOAT",
    "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "DATETIME": "TIMESTAMP",
    "STRING": "VARCHAR",
    "VARCHAR": "VARCHAR",
    "CHAR": "VARCHAR",
    "TEXT": "VARCHAR",
    "JSON": "VARCHAR",
    "VARBINARY": "BLOB",
    "BINARY": "BLOB",
}
_DECIMALS = ("DECIMAL", "DECIMALV2", "DECIMAL32", "DECIMAL64", "DECIMAL128", "NUMERIC")


@dataclass
class CreateTable:
    """A parsed CREATE [EXTERNAL] TABLE.

    :param db: database name, or None for the current one.
    :param name: table name.
    :param columns: the column definitions.
    :param external: whether EXTERNAL was given.
    :param if_not_exists: whether IF NOT EXISTS was given.
    :param engine: the ENGINE value, lower case (``olap`` when absent).
    :param properties: the PROPERTIES.
    :param catalog: the catalog of a ``catalog.db.table`` name, or None for the session's catalog.
    :param engine_given: whether an ENGINE clause was written.
    """

    db: str | None
    name: str
    columns: list[Column]
    external: bool = False
    if_not_exists: bool = False
    engine: str = "olap"
    properties: dict[str, str] = field(default_factory=dict)
    catalog: str | None = None
    engine_given: bool = False


def _quote_field(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parse_type(ts: TokenStream) -> tuple[str, str]:
    """Parse a column type and return ``(starrocks_type, duckdb_type)``.

    Complex types follow StarRocks.g4 (fe/fe-grammar/src/main/antlr/com/starrocks/grammar/StarRocks.g4):
    ``arrayType : ARRAY '<' type '>'``, ``mapType : MAP '<' type ',' type '>'``,
    ``structType : STRUCT '<' subfieldDescs '>'`` with ``subfieldDesc : (identifier | nestedFieldName) type``;
    they nest (docs/en/sql-reference/data-types/semi_structured/STRUCT.md). They map to DuckDB ``t[]``,
    ``MAP(k, v)`` and ``STRUCT("name" t, ...)``. ``nestedFieldName`` (dotted sub-field names) is not emulated.

    :param ts: the token stream positioned on the type name.
    """
    start = ts.tok
    name = ts.identifier(allow_reserved=True).upper()  # INT, BIGINT, VARCHAR... are reserved keywords
    if name == "ARRAY":
        ts.expect_sym("<")
        sr_elem, duck_elem = parse_type(ts)
        ts.expect_sym(">")
        return f"ARRAY<{sr_elem}>", f"{duck_elem}[]"
    if name == "MAP":
        ts.expect_sym("<")
        sr_key, duck_key = parse_type(ts)
        ts.expect_sym(",")
        sr_value, duck_value = parse_type(ts)
        ts.expect_sym(">")
        return f"MAP<{sr_key},{sr_value}>", f"MAP({duck_key}, {duck_value})"
    if name == "STRUCT":
        ts.expect_sym("<")
        sr_fields: list[str] = []
        duck_fields: list[str] = []
        while True:
            field_name = ts.identifier()
            if ts.at_sym("."):
                raise not_supported("STRUCT sub-field names with '.' (nestedFieldName)")
            sr_field, duck_field = parse_type(ts)
            sr_fields.append(f"{field_name} {sr_field}")
            duck_fields.append(f"{_quote_field(field_name)} {duck_field}")
            if not ts.accept_sym(","):
                break
        ts.expect_sym(">")
        return f"STRUCT<{', '.join(sr_fields)}>", f"STRUCT({', '.join(duck_fields)})"
    if name in _DECIMALS:
        precision, scale = 10 if name != "DECIMAL128" else 38, 0
        if ts.accept_sym("("):
            precision = ts.integer()
            if ts.accept_sym(","):
                scale = ts.integer()
            ts.expect_sym(")")
        return ts.sql[start.pos : ts.peek(-1).end].upper(), f"DECIMAL({min(precision, 38)},{scale})"
    duck = _SIMPLE_TYPES.get(name)
    if duck is None:
        raise not_supported(f"column type {name}")
    if ts.at_sym("("):
        ts.balanced_text()
    return ts.sql[start.pos : ts.tokens[ts.i - 1].end].upper(), duck


def parse_columns(ts: TokenStream) -> list[Column]:
    """Parse ``(col type [NOT NULL] [DEFAULT x] [COMMENT "x"], ...)``; index definitions are skipped.

    :param ts: the token stream positioned on ``(``.
    """
    ts.expect_sym("(")
    columns: list[Column] = []
    while True:
        if ts.at_kw("INDEX"):
            ts.advance()
            ts.identifier()
            ts.balanced_text()
            ts.accept_kw("USING", "BITMAP")
            if ts.accept_kw("COMMENT"):
                ts.string()
        else:
            name = ts.identifier()
            sr_type, duck_type = parse_type(ts)
            nullable = True
            while True:
                if ts.accept_kw("NOT", "NULL"):
                    nullable = False
                elif ts.accept_kw("NULL"):
                    nullable = True
                elif ts.at_kw("SUM") or ts.at_kw("MAX") or ts.at_kw("MIN") or ts.at_kw("REPLACE"):
                    ts.advance()
                elif ts.accept_kw("DEFAULT"):
                    if ts.at_kw("CURRENT_TIMESTAMP"):
                        ts.advance()
                    elif ts.at_sym("("):
                        ts.balanced_text()
                    else:
                        ts.advance()
                elif ts.accept_kw("AUTO_INCREMENT"):
                    pass
                elif ts.accept_kw("COMMENT"):
                    ts.string()
                else:
                    break
            columns.append(Column(name, sr_type, duck_type, nullable))
        if ts.accept_sym(")"):
            return columns
        ts.expect_sym(",")


def parse_table_tail(ts: TokenStream, stmt: CreateTable) -> None:
    """Parse the clauses after the column list; StarRocks-only layout clauses are accepted and ignored.

    :param ts: the token stream positioned after the column list.
    :param stmt: the statement to complete.
    """
    while not (ts.tok.kind == "eof" or ts.at_sym(";")):
        if ts.accept_kw("ENGINE"):
            ts.expect_sym("=")
            stmt.engine = ts.identifier().lower()
            stmt.engine_given = True
        elif (
            ts.at_kw("DUPLICATE", "KEY")
            or ts.at_kw("PRIMARY", "KEY")
            or ts.at_kw("UNIQUE", "KEY")
            or ts.at_kw("AGGREGATE", "KEY")
        ):
            ts.advance()
            ts.advance()
            ts.identifier_list()
        elif ts.accept_kw("COMMENT"):
            ts.string()
        elif ts.accept_kw("PARTITION", "BY"):
            while not (
                ts.at_kw("DISTRIBUTED") or ts.at_kw("PROPERTIES") or ts.at_kw("ORDER") or ts.tok.kind == "eof"
            ):
                if ts.at_sym("("):
                    ts.balanced_text()
                else:
                    ts.advance()
        elif ts.accept_kw("DISTRIBUTED", "BY"):
            if not ts.accept_kw("RANDOM"):
                ts.expect_kw("HASH")
                ts.identifier_list()
            if ts.accept_kw("BUCKETS"):
                ts.integer()
        elif ts.accept_kw("ORDER", "BY"):
            ts.identifier_list()
        elif ts.accept_kw("PROPERTIES"):
            stmt.properties = ts.property_list()
        else:
            ts.fail(
                "expecting ENGINE, a table key, COMMENT, PARTITION BY, DISTRIBUTED BY, ORDER BY or PROPERTIES"
            )
    ts.end()


def split_table_name(parts: list[str]) -> tuple[str | None, str | None, str]:
    """Split a ``[[catalog.]db.]table`` name into ``(catalog, db, table)`` (None where not written).

    The grammar's ``qualifiedName`` (StarRocks.g4) takes any number of parts; ``AstBuilder.qualifiedNameToTableName``
    (fe/fe-core/src/main/java/com/starrocks/sql/parser/AstBuilder.java) turns 3 parts into catalog.db.table, 2 into
    db.table, 1 into table, and throws ``ParsingException(PARSER_ERROR_MSG.invalidTableFormat(..))`` otherwise (that
    text is not emulated).

    :param parts: the dotted name's parts.
    """
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return None, parts[0], parts[1]
    if len(parts) == 1:
        return None, None, parts[0]
    raise not_supported(f"a table name with {len(parts)} parts")


def parse_create_table(ts: TokenStream) -> CreateTable:
    """Parse ``CREATE [EXTERNAL] TABLE [IF NOT EXISTS] [db.]t (cols) ...`` after ``CREATE``.

    :param ts: the token stream positioned after CREATE.
    """
    external = ts.accept_kw("EXTERNAL")
    ts.expect_kw("TABLE")
    if_not_exists = ts.accept_kw("IF", "NOT", "EXISTS")
    catalog, db, name = split_table_name(ts.qualified_name())
    if ts.at_kw("AS") or ts.at_kw("LIKE"):
        raise not_supported("CREATE TABLE AS SELECT / LIKE")
    columns = parse_columns(ts)
    stmt = CreateTable(db, name, columns, external=external, if_not_exists=if_not_exists, catalog=catalog)
    parse_table_tail(ts, stmt)
    return stmt
