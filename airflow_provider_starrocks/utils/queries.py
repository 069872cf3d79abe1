"""
A whole query passed as text (the unload's ``sql``): checked to be one query statement, then sent as given.

A query is beyond the expression grammar of :mod:`airflow_provider_starrocks.utils.expressions`, so it is read with
StarRocks's lexical rules only (the same lexer: StarRocksLex.g4 string, identifier and number tokens).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_starrocks.exceptions import StarRocksExpressionError
from airflow_provider_starrocks.utils.expression_lexer import expression_error, tokenize

if TYPE_CHECKING:
    from airflow_provider_starrocks.utils.expression_lexer import Token


def _tokens(query: str, argument: str) -> list[Token]:
    if "\x00" in query:
        raise StarRocksExpressionError(f"{argument}: contains a NUL character (\\x00); remove it.")
    if not query:
        raise StarRocksExpressionError(f"{argument}: is empty; give a SELECT statement.")
    return list(tokenize(query, argument))


# Words that make a query write, run another statement or end it: never in an unloaded query.
_QUERY_FORBIDDEN = frozenset(
    {"INTO", "OUTFILE", "INSERT", "DELETE", "UPDATE", "CREATE", "DROP", "ALTER", "TRUNCATE", "GRANT", "REVOKE",
     "SUBMIT", "LOAD", "KILL", "EXPORT", "BACKUP", "RESTORE"}
)  # fmt: skip


def render_query(text: object, argument: str = "sql") -> str:
    """
    Return ``text`` if it is one query statement (``SELECT``, ``WITH ... SELECT`` or a parenthesised one), else raise.

    A whole query is beyond this module's expression grammar, so it is read with StarRocks's lexical rules only:
    no comment, no ``;`` outside quotes (one trailing ``;`` is dropped), balanced parentheses, a query keyword
    first, and no word that writes (``INTO OUTFILE``, ``INSERT``...) outside quotes. The text is sent as given.

    :param text: the query, e.g. ``"SELECT dt, sum(amount) FROM sales.orders GROUP BY dt"``.
    :param argument: the argument it came from, for the error message.
    """
    if not isinstance(text, str):
        raise StarRocksExpressionError(
            f"{argument}: must be a string of SQL, got {type(text).__name__}; pass a str."
        )
    query = text.strip()
    if query.endswith(";"):
        query = query[:-1].rstrip()
    try:
        tokens = _tokens(query, argument)
    except StarRocksExpressionError as exc:
        if "';' outside quotes" in str(exc):
            raise expression_error(
                argument, query, "holds more than one statement", "give one SELECT statement"
            ) from None
        raise
    first = tokens[0]
    if not (
        first.kind == "op" and first.text == "(" or first.kind == "word" and first.upper in ("SELECT", "WITH")
    ):
        raise expression_error(
            argument, query, "is not a query", "give one SELECT (or WITH ... SELECT) statement"
        )
    depth = 0
    for token in tokens:
        if token.kind == "op" and token.text in "()":
            depth += 1 if token.text == "(" else -1
            if depth < 0:
                raise expression_error(
                    argument, query, "has a ')' without its '('", "balance the parentheses"
                )
        elif token.kind == "word" and token.upper in _QUERY_FORBIDDEN:
            raise expression_error(
                argument,
                query,
                f"contains {token.text.upper()}, which makes it more than a query",
                "give one SELECT statement; the operator writes its result itself",
            )
    if depth:
        raise expression_error(argument, query, "has a '(' without its ')'", "balance the parentheses")
    return query
