"""A cursor over tokens with the small grammar pieces every statement parser needs."""

from __future__ import annotations

from airflow_provider_starrocks.testing.fe.errors import parse_error
from airflow_provider_starrocks.testing.fe.lexer import Token, tokenize
from airflow_provider_starrocks.testing.fe.reserved_words import ACTIVE, reserved_word_error


class TokenStream:
    """Cursor over the tokens of one statement.

    :param sql: the statement text.
    """

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.tokens = tokenize(sql)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tok
        if tok.kind != "eof":
            self.i += 1
        return tok

    def at_kw(self, *words: str) -> bool:
        """Return whether the next tokens are the given keywords.

        :param words: keywords, case-insensitive.
        """
        return all(self.peek(k).upper == w.upper() for k, w in enumerate(words))

    def accept_kw(self, *words: str) -> bool:
        """Consume the keywords if they come next.

        :param words: keywords, case-insensitive.
        """
        if self.at_kw(*words):
            self.i += len(words)
            return True
        return False

    def expect_kw(self, *words: str) -> None:
        """Consume the keywords or fail with a syntax error.

        :param words: keywords, case-insensitive.
        """
        if not self.accept_kw(*words):
            self.fail(f"expecting {' '.join(words)}")

    def at_sym(self, sym: str) -> bool:
        return self.tok.kind == "symbol" and self.tok.value == sym

    def accept_sym(self, sym: str) -> bool:
        if self.at_sym(sym):
            self.i += 1
            return True
        return False

    def expect_sym(self, sym: str) -> None:
        if not self.accept_sym(sym):
            self.fail(f"expecting '{sym}'")

    def fail(self, detail: str) -> None:
        tok = self.tok
        # String literals may hold credentials: never echo them into an error message (and so into logs).
        shown = {"eof": "<EOF>", "string": "<string literal>"}.get(tok.kind, self.sql[tok.pos : tok.end])
        raise parse_error(f"Unexpected input '{shown}', {detail}", tok.pos)

    def identifier(self, allow_reserved: bool = False) -> str:
        """Consume an identifier (bare or backquoted); a bare reserved word is refused as StarRocks's parser does.

        :param allow_reserved: read a keyword in a position where the grammar names it (a type name).
        """
        tok = self.tok
        if tok.kind == "ident" and not allow_reserved and tok.upper in ACTIVE.get():
            raise reserved_word_error(tok.value, tok.pos)
        if tok.kind in ("ident", "qident"):
            self.i += 1
            return tok.value
        self.fail("expecting an identifier")
        raise AssertionError  # unreachable

    def identifier_or_string(self) -> str:
        if self.tok.kind == "string":
            return self.advance().value
        return self.identifier()

    def string(self) -> str:
        """Consume a quoted string literal and return its unescaped value."""
        tok = self.tok
        if tok.kind != "string":
            self.fail("expecting a string literal")
        self.i += 1
        return tok.value

    def integer(self) -> int:
        tok = self.tok
        if tok.kind != "number" or not tok.value.isdigit():
            self.fail("expecting an integer")
        self.i += 1
        return int(tok.value)

    def qualified_name(self) -> list[str]:
        """Consume ``a[.b[.c]]`` and return its parts."""
        parts = [self.identifier()]
        while self.accept_sym("."):
            parts.append(self.identifier())
        return parts

    def identifier_list(self) -> list[str]:
        """Consume ``(a, b, ...)``."""
        self.expect_sym("(")
        names = [self.identifier()]
        while self.accept_sym(","):
            names.append(self.identifier())
        self.expect_sym(")")
        return names

    def string_list(self) -> list[str]:
        """Consume ``("a", "b", ...)``."""
        self.expect_sym("(")
        values = [self.string()]
        while self.accept_sym(","):
            values.append(self.string())
        self.expect_sym(")")
        return values

    def property_list(self) -> dict[str, str]:
        """Consume ``("k" = "v", ...)`` (StarRocks ``propertyList``: keys and values are string literals)."""
        self.expect_sym("(")
        props: dict[str, str] = {}
        if self.accept_sym(")"):
            return props
        while True:
            key = self.string()
            self.expect_sym("=")
            props[key] = self.string()
            if self.accept_sym(")"):
                return props
            self.expect_sym(",")

    def balanced_text(self) -> str:
        """Consume a parenthesised group and return the raw text inside it."""
        start = self.tok
        self.expect_sym("(")
        depth = 1
        while depth:
            tok = self.advance()
            if tok.kind == "eof":
                self.fail("expecting ')'")
            if tok.kind == "symbol" and tok.value == "(":
                depth += 1
            elif tok.kind == "symbol" and tok.value == ")":
                depth -= 1
        return self.sql[start.end : self.tokens[self.i - 1].pos]

    def rest_text(self) -> str:
        """Return the raw text from the current token to the end (without a trailing ``;``)."""
        text = self.sql[self.tok.pos :].strip()
        return text[:-1].rstrip() if text.endswith(";") else text

    def end(self) -> None:
        """Require the end of the statement (one optional ``;``)."""
        self.accept_sym(";")
        if self.tok.kind != "eof":
            self.fail("expecting the end of the statement")
