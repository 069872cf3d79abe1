"""
The lexical layer of user expressions: StarRocks's token rules, its clause keywords, and a token stream.

:mod:`~airflow_provider_starrocks.utils.expression_parser` parses the stream with the FE grammar's expression
rules; :mod:`~airflow_provider_starrocks.utils.expressions` holds the entry points. Sources: StarRocks FE
``fe/fe-core/src/main/java/com/starrocks/sql/parser/StarRocksLex.g4``, pinterest/starrocks
``pinterest-release-3.3.5`` 7c653fb8f0cf2f74c087bfd92826f55d53ef8db8.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from airflow_provider_starrocks.exceptions import StarRocksExpressionError

# StarRocksLex.g4: SINGLE_QUOTED_TEXT '\'' ('\\'. | '\'\'' | ~('\'' | '\\'))* '\'' (DOUBLE_QUOTED_TEXT alike),
# BACKQUOTED_IDENTIFIER '`' (~'`' | '``')* '`', LETTER [a-zA-Z_$\u0080-\uffff], INTEGER_VALUE, DECIMAL_VALUE,
# DOUBLE_VALUE with EXPONENT 'E' [+-]? DIGIT+ (case-insensitive lexer). Non-ASCII letters are identifier
# characters to StarRocks; this module accepts them only inside backticks, so no lookalike can pass as a keyword.
_TOKEN_PATTERN = r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<str>'(?:\\.|''|[^'\\])*'|"(?:\\.|""|[^"\\])*")
  | (?P<qident>`(?:[^`]|``)*`)
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_$\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)
  | (?P<op><=>|<=|>=|<>|!=|->|\|\||&&|[=<>+\-*/%&|^~!(),.\[\]{}:])
"""


@functools.cache
def _token_re() -> re.Pattern[str]:
    # Compiled on first use: DAG files import this module (through the operators) far more often than they parse.
    return re.compile(_TOKEN_PATTERN, re.VERBOSE | re.DOTALL)


# Clause keywords: as a bare word they mean the expression ended, so they are never taken as a column name.
CLAUSE_KEYWORDS = frozenset(
    {
        "SELECT", "FROM", "WHERE", "UNION", "EXCEPT", "INTERSECT", "MINUS", "INTO", "TABLE", "INFILE", "WITH",
        "GROUP", "ORDER", "LIMIT", "HAVING", "JOIN", "VALUES", "SET", "AS", "ON", "USING", "EXISTS", "OVER",
        "PARTITION", "FORMAT", "COLUMNS", "PROPERTIES", "BROKER", "LOAD", "INSERT", "DELETE", "UPDATE", "DROP",
        "CREATE", "ALTER", "TRUNCATE", "GRANT", "REVOKE", "SUBMIT", "TASK", "LABEL", "LATERAL", "ALL", "ANY",
        "DISTINCT", "BY", "WHEN", "THEN", "ELSE", "END", "AND", "OR", "NOT", "IS", "IN", "BETWEEN", "LIKE",
        "RLIKE", "REGEXP", "DIV", "MOD", "INTERVAL", "CASE", "CAST", "NULL", "TRUE", "FALSE",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text as written, and where it starts."""

    kind: str  # "str", "qident", "num", "word", "op", "eof"
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def tokenize(text: str, argument: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text.startswith(("--", "/*", "#"), pos):
            raise expression_error(argument, text, "contains a comment", "remove it")
        if text[pos] == ";":
            raise expression_error(
                argument, text, "contains ';' outside quotes", "give one expression, not statements"
            )
        match = _token_re().match(text, pos)
        if match is None:
            char = text[pos]
            if char in "'\"`":
                raise expression_error(argument, text, f"has an unterminated {char}", "close the quote")
            raise expression_error(
                argument,
                text,
                f"contains {char!r} at position {pos} outside quotes",
                "variables, parameters and other statements are not accepted: give columns, literals, "
                "operators and function calls",
            )
        kind = match.lastgroup or ""
        if kind == "word" and not match.group().isascii():
            char = next(c for c in match.group() if not c.isascii())
            raise expression_error(
                argument,
                text,
                f"contains {char!r} (U+{ord(char):04X}) outside quotes",
                "quote names that are not plain ASCII with backticks, and text with quotes",
            )
        if kind == "num" and _letter_at(text, match.end()):
            raise expression_error(
                argument, text, "has a name that starts with a digit", "quote it with backticks"
            )
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


def _letter_at(text: str, pos: int) -> bool:
    return pos < len(text) and (text[pos].isalnum() or text[pos] in "_$")


def expression_error(argument: str, text: str, problem: str, fix: str) -> StarRocksExpressionError:
    shown = text if len(text) <= 200 else text[:200] + "..."
    return StarRocksExpressionError(f"{argument}: {shown!r} {problem}; {fix}.")


def quoted_identifier(token: Token, argument: str, text: str) -> str:
    name = token.text[1:-1].replace("``", "`") if token.kind == "qident" else token.text
    if "`" in name or not name:
        # Older AstBuilder.visitBackQuotedIdentifier strips backticks instead of undoubling them.
        raise expression_error(
            argument, text, f"has the name {name!r}", "use non-empty names without backticks"
        )
    return f"`{name}`"


class TokenStream:
    """
    The tokens of one argument's text, with the look-ahead and error helpers a recursive-descent parser needs.

    :param text: the argument's text.
    :param argument: the argument it came from, for error messages.
    :param what: what the argument must be (``"one expression"``), for error messages.
    """

    def __init__(self, text: str, argument: str, what: str) -> None:
        self.what = what
        self.text = text
        self.argument = argument
        self.tokens = tokenize(text, argument)
        self.index = 0
        self.depth = 0

    # -- token helpers ----------------------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tok
        self.index += 1
        return token

    def at(self, *values: str) -> bool:
        return self.tok.kind in ("word", "op") and self.tok.upper in values

    def accept(self, *values: str) -> str | None:
        if self.at(*values):
            return self.advance().upper
        return None

    def expect(self, value: str) -> str:
        if not self.at(value):
            self.fail(f"expected {value!r}")
        return self.advance().upper

    def fail(self, problem: str) -> None:
        token = self.tok
        found = "the end" if token.kind == "eof" else repr(token.text)
        hint = "give only what this argument takes"
        if token.kind == "word" and token.upper in CLAUSE_KEYWORDS:
            hint = f"{token.upper} starts another clause or statement, which this argument cannot hold"
        raise expression_error(
            self.argument, self.text, f"is not {self.what} ({problem}, found {found})", hint
        )

    def end(self) -> None:
        if self.tok.kind != "eof":
            self.fail("unexpected text after the expression")
