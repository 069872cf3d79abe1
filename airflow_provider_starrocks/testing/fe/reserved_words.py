"""The words each emulated release's parser refuses as unquoted identifiers.

StarRocks's ``identifier`` rule (StarRocks.g4) is ``LETTER_IDENTIFIER | nonReserved | DIGIT_IDENTIFIER |
BACKQUOTED_IDENTIFIER``: a keyword token of StarRocksLex.g4 that is not listed in ``nonReserved`` cannot name a
table, column, label, database or STRUCT field unless it is backquoted. These sets are exactly "the word tokens of
StarRocksLex.g4 minus the tokens of ``nonReserved``", computed from each branch of ``pinterest/starrocks``:

- 3.1: fe/fe-core/src/main/java/com/starrocks/sql/parser/StarRocks{Lex,}.g4 @ 8a7f4f518d30920d8cd72ba8a3d87b642fe9b930
- 3.3: the same files @ 7c653fb8f0cf2f74c087bfd92826f55d53ef8db8 (156 words)
- 3.4: the same files @ a53c7f014639f0e2d5c760dc38b00c289163afdc (identical to 3.3)
- 3.5: the same files @ 61380ea47ede4e3ef8278729b8e162d62c985ab6
- newest: fe/fe-grammar/src/main/antlr/com/starrocks/grammar/StarRocks{Lex,}.g4 @ 70d1c246d8058b1c1cdc2333338fda67c3db74c6

The parser's answer (``ParsingException`` through StarRocks's error listener), as recorded in
test/sql/test_agg_function/R/test_array_agg at every release: ``Getting syntax error at line 1, column 27. Detail
message: Unexpected input 'order', the most similar input is {a legal identifier}.``
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from airflow_provider_starrocks.testing.fe.errors import SyntaxProblem, parse_error

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.lexer import Token

RESERVED_33 = frozenset(
    {
        "ADD", "ALL", "ALTER", "ANALYZE", "AND", "ARRAY", "AS", "ASC", "BETWEEN", "BIGINT", "BITMAP", "BITSHIFTLEFT",
        "BITSHIFTRIGHT", "BITSHIFTRIGHTLOGICAL", "BOTH", "BY", "CASE", "CHAR", "CHARACTER", "CHECK", "COLLATE", "COLUMN",
        "COMPACTION", "CONVERT", "CREATE", "CROSS", "CUBE", "CURRENT_DATE", "CURRENT_ROLE", "CURRENT_TIME",
        "CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASE", "DATABASES", "DECIMAL", "DECIMAL128", "DECIMAL32", "DECIMAL64",
        "DECIMALV2", "DEFAULT", "DEFERRED", "DELETE", "DENSE_RANK", "DESC", "DESCRIBE", "DISTINCT", "DIV", "DOUBLE",
        "DROP", "DUAL", "ELSE", "EXCEPT", "EXISTS", "EXPLAIN", "FALSE", "FILES", "FIRST_VALUE", "FLOAT", "FOR", "FORCE",
        "FROM", "FULL", "FUNCTION", "GIN", "GRANT", "GROUP", "GROUPING", "GROUPING_ID", "GROUPS", "HAVING", "HLL", "IF",
        "IGNORE", "IMMEDIATE", "IN", "INDEX", "INFILE", "INNER", "INSERT", "INT", "INTEGER", "INTERSECT", "INTO", "IS",
        "JOIN", "JSON", "KEY", "KEYS", "KILL", "LAG", "LARGEINT", "LAST_VALUE", "LATERAL", "LEAD", "LEFT", "LIKE",
        "LIMIT", "LOAD", "LOCALTIME", "LOCALTIMESTAMP", "MAXVALUE", "MICROSECOND", "MILLISECOND", "MOD", "NOT", "NTILE",
        "NULL", "ON", "OPTIMIZE", "OR", "ORDER", "OUTER", "OUTFILE", "OVER", "PARTITION", "PERCENTILE", "PREPARE",
        "PRIMARY", "PROCEDURE", "RANGE", "READ", "REGEXP", "RELEASE", "RENAME", "REPLACE", "REVOKE", "RIGHT", "RLIKE",
        "ROWS", "ROW_NUMBER", "SCHEMA", "SCHEMAS", "SELECT", "SET", "SET_VAR", "SHOW", "SMALLINT", "SYSTEM", "TABLE",
        "TERMINATED", "TEXT", "THEN", "TINYINT", "TO", "TRUE", "UNION", "UNIQUE", "UNSIGNED", "UPDATE", "USE", "USING",
        "VALUES", "VARCHAR", "WHEN", "WHERE", "WITH",
    }
)  # fmt: skip
RESERVED_31 = (RESERVED_33 - {"GIN", "MICROSECOND", "MILLISECOND", "OPTIMIZE", "PREPARE"}) | {
    "QUERIES",
    "RUNNING",
}
RESERVED_35 = RESERVED_33 | {"CURRENT_GROUP", "INVOKER"}
RESERVED_NEWEST = (RESERVED_35 - {"EXCEPT", "SYSTEM"}) | {
    "ASOF", "CURRENT_WAREHOUSE", "DECIMAL256", "LAST_QUERY_ID", "VARIANT",
}  # fmt: skip

#: The reserved words of the release the current statement is parsed for; the session sets it before parsing.
#: Empty (no check) outside a session, e.g. when a task run re-reads a definition that was checked at SUBMIT.
ACTIVE: ContextVar[frozenset[str]] = ContextVar("starrocks_reserved_words", default=frozenset())


def reserved_word_error(word: str, pos: int) -> SyntaxProblem:
    """Build the parser's error for a reserved word where an identifier must stand.

    :param word: the word as written.
    :param pos: its offset in the statement.
    """
    return parse_error(f"Unexpected input '{word}', the most similar input is {{a legal identifier}}", pos)


def check_qualified_names(tokens: list[Token]) -> None:
    """Refuse a reserved word written bare as a part of a dotted name (``t.order``, ``select.x``).

    Statements the emulator hands to its SQL engine are not parsed by the emulator's grammar; a part of
    ``qualifiedName`` / a dereference (``primaryExpression '.' fieldName=identifier``) is an identifier position
    in StarRocks.g4, so a reserved word there fails as :func:`reserved_word_error` says.

    :param tokens: the statement's tokens.
    """
    words = ACTIVE.get()
    if not words:
        return
    for index, tok in enumerate(tokens):
        if tok.kind != "ident" or tok.upper not in words:
            continue
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        follows_dot = before is not None and before.kind == "symbol" and before.value == "."
        leads_dot = (
            after is not None
            and after.kind == "symbol"
            and after.value == "."
            and index + 2 < len(tokens)
            and tokens[index + 2].kind in ("ident", "qident")
        )
        if follows_dot or leads_dot:
            raise reserved_word_error(tok.value, tok.pos)
