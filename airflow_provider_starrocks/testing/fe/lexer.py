"""Tokenizer for the StarRocks SQL subset the emulator understands.

String and identifier rules follow ``StarRocksLex.g4`` (``SINGLE_QUOTED_TEXT``, ``DOUBLE_QUOTED_TEXT``,
``BACKQUOTED_IDENTIFIER``) and the unescaping in ``AstBuilder.visitString`` / ``escapeBackSlash``
(fe/fe-core/src/main/java/com/starrocks/sql/parser/AstBuilder.java).
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_starrocks.testing.fe.errors import parse_error

_SYMBOLS = (
    "<=>",
    "<=",
    ">=",
    "!=",
    "<>",
    "||",
    "&&",
    "=",
    "<",
    ">",
    "(",
    ")",
    ",",
    ".",
    ";",
    "*",
    "+",
    "-",
    "/",
    "%",
    "@",
    ":",
    "?",
    "[",
    "]",
    "{",
    "}",
    "|",
    "&",
    "^",
    "~",
    "!",
)


@dataclass(frozen=True)
class Token:
    """One lexical token.

    :param kind: ``ident`` (bare word), ``qident`` (backquoted identifier), ``string``, ``number``, ``symbol`` or ``eof``.
    :param value: the unescaped value (identifier text, string content, number text or symbol).
    :param pos: offset of the token in the statement text.
    :param end: offset just after the token.
    """

    kind: str
    value: str
    pos: int
    end: int

    @property
    def upper(self) -> str:
        return self.value.upper() if self.kind == "ident" else ""


def unescape_string(body: str, quote: str) -> str:
    r"""Unescape a quoted string body exactly as StarRocks's ``AstBuilder.visitString`` does.

    Doubled quotes are collapsed first, then backslash escapes are applied; ``\\_`` and ``\\%`` keep their
    backslash (they are LIKE wildcards) and any other escaped character stands for itself.

    :param body: the text between the quotes.
    :param quote: the quote character, ``'`` or ``"``.
    """
    body = body.replace(quote * 2, quote)
    out: list[str] = []
    i = 0
    mapping = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "0": "\0", "Z": "\x1a"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in mapping:
                out.append(mapping[nxt])
            elif nxt in "_%":
                out.append("\\" + nxt)
            else:
                out.append(nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _scan_quoted(sql: str, start: int, quote: str) -> int:
    """Return the offset after the closing quote of the string starting at ``start``."""
    i = start + 1
    n = len(sql)
    while i < n:
        c = sql[i]
        if c == "\\" and quote != "`":
            i += 2
            continue
        if c == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    raise parse_error(f"unterminated quoted text starting at position {start}")


def tokenize(sql: str) -> list[Token]:
    """Split a statement into tokens (comments and whitespace dropped).

    :param sql: the statement text.
    """
    tokens: list[Token] = []
    i = 0
    n = len(sql)
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
            continue
        if sql.startswith("--", i) or c == "#":
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise parse_error("unterminated comment")
            i = j + 2
            continue
        if c in "'\"":
            end = _scan_quoted(sql, i, c)
            tokens.append(Token("string", unescape_string(sql[i + 1 : end - 1], c), i, end))
            i = end
            continue
        if c == "`":
            end = _scan_quoted(sql, i, "`")
            tokens.append(Token("qident", sql[i + 1 : end - 1].replace("``", "`"), i, end))
            i = end
            continue
        if c.isdigit() or (c == "." and i + 1 < n and sql[i + 1].isdigit()):
            j = i
            while j < n and (sql[j].isalnum() or sql[j] == "." or sql[j] == "_"):
                if sql[j] in "eE" and j + 1 < n and sql[j + 1] in "+-":
                    j += 1
                j += 1
            text = sql[i:j]
            if any(ch.isalpha() and ch not in "eE" for ch in text) or "_" in text:
                tokens.append(Token("ident", text, i, j))
            else:
                tokens.append(Token("number", text, i, j))
            i = j
            continue
        if c.isalpha() or c == "_" or c == "$" or ord(c) > 127:
            j = i
            while j < n and (sql[j].isalnum() or sql[j] in "_$" or ord(sql[j]) > 127):
                j += 1
            tokens.append(Token("ident", sql[i:j], i, j))
            i = j
            continue
        for sym in _SYMBOLS:
            if sql.startswith(sym, i):
                tokens.append(Token("symbol", sym, i, i + len(sym)))
                i += len(sym)
                break
        else:
            raise parse_error(f"unexpected character {c!r} at position {i}")
    tokens.append(Token("eof", "", n, n))
    return tokens
