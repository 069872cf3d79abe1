"""
SQL expressions that users pass as text (``where``, ``select``, ``set_expressions``), parsed and re-rendered.

An expression is SQL by nature, so it cannot be quoted like a value; instead it is read with StarRocks's own
lexical rules, parsed with a subset of the FE grammar's expression rules, and accepted only as what its clause
takes: one expression for a predicate or a SET mapping, a list of expressions with optional aliases for a select
list. The text sent to StarRocks is rendered from the parse, token by token: every identifier backtick-quoted,
every keyword one the grammar placed there, literals as StarRocks lexed them, the whole wrapped in parentheses.
Nothing in the input can therefore end the clause, add a data description, a subquery, a set operation or a
table function.

Sources, StarRocks FE grammar (identical in the rules used here on branch-3.1, 3.3 and main):
``fe/fe-core/src/main/java/com/starrocks/sql/parser/StarRocksLex.g4`` and ``StarRocks.g4`` (rules
``expression``, ``booleanExpression``, ``predicate``, ``valueExpression``, ``primaryExpression``, ``type``),
pinterest/starrocks ``pinterest-release-3.3.5`` 7c653fb8f0cf2f74c087bfd92826f55d53ef8db8.
"""

from __future__ import annotations

from airflow_provider_starrocks.exceptions import StarRocksExpressionError
from airflow_provider_starrocks.utils.expression_lexer import CLAUSE_KEYWORDS, quoted_identifier
from airflow_provider_starrocks.utils.expression_parser import TABLE_FUNCTIONS, ExpressionParser  # noqa: F401


def _parser(text: object, argument: str, what: str) -> ExpressionParser:
    if not isinstance(text, str):
        raise StarRocksExpressionError(
            f"{argument}: must be a string of SQL, got {type(text).__name__}; pass a str."
        )
    if "\x00" in text:
        raise StarRocksExpressionError(f"{argument}: contains a NUL character (\\x00); remove it.")
    if not text.strip():
        raise StarRocksExpressionError(f"{argument}: is empty; give an expression or leave it unset.")
    return ExpressionParser(text, argument, what)


def render_expression(text: object, argument: str) -> str:
    """
    Return one expression (a WHERE predicate, a SET value) re-rendered from its parse, in parentheses.

    :param text: the expression, e.g. ``"amount > 0 AND dt >= '2024-01-01'"``.
    :param argument: the argument it came from, for the error message.
    """
    parser = _parser(text, argument, "one expression")
    out = parser.expression()
    parser.end()
    return f"({out})"


def render_select_list(text: object, argument: str = "select") -> str:
    """
    Return a select list (``*``, or expressions with optional ``[AS] alias``) re-rendered from its parse.

    :param text: the select list, e.g. ``"$1, $2 * 100 AS cents"``.
    :param argument: the argument it came from, for the error message.
    """
    parser = _parser(text, argument, "a select list")
    if parser.at("*") and parser.peek().kind == "eof":
        return "*"
    items: list[str] = []
    while True:
        item = parser.expression()
        if (
            parser.accept("AS")
            or parser.tok.kind in ("qident", "word")
            and parser.tok.upper not in CLAUSE_KEYWORDS
        ):
            if parser.tok.kind not in ("word", "qident"):
                parser.fail("expected an alias after AS")
            item = f"{item} AS {quoted_identifier(parser.advance(), argument, parser.text)}"
        items.append(item)
        if not parser.accept(","):
            break
    parser.end()
    return ", ".join(items)
