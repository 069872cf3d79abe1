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

import re
from dataclasses import dataclass

# StarRocksLex.g4: SINGLE_QUOTED_TEXT '\'' ('\\'. | '\'\'' | ~('\'' | '\\'))* '\'' (DOUBLE_QUOTED_TEXT alike),
# BACKQUOTED_IDENTIFIER '`' (~'`' | '``')* '`', LETTER [a-zA-Z_$\u0080-\uffff], INTEGER_VALUE, DECIMAL_VALUE,
# DOUBLE_VALUE with EXPONENT 'E' [+-]? DIGIT+ (case-insensitive lexer). Non-ASCII letters are identifier
# characters to StarRocks; this module accepts them only inside backticks, so no lookalike can pass as a keyword.
_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<str>'(?:\\.|''|[^'\\])*'|"(?:\\.|""|[^"\\])*")
  | (?P<qident>`(?:[^`]|``)*`)
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_$\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)
  | (?P<op><=>|<=|>=|<>|!=|->|\|\||&&|[=<>+\-*/%&|^~!(),.\[\]{}:])
    """,
    re.VERBOSE | re.DOTALL,
)

# Table functions take rows out of thin air (FILES() with other credentials, UNNEST, ...): never in an expression.
TABLE_FUNCTIONS = frozenset(
    {"FILES", "UNNEST", "GENERATE_SERIES", "JSON_EACH", "SUBDIVIDE_BITMAP", "UNNEST_BITMAP", "LIST_ROWSETS"}
)
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
# Words that may stand before "(" in SQL without being a function call.
_NOT_FUNCTIONS = frozenset(
    {"SELECT", "EXISTS", "VALUES", "FROM", "WHERE", "UNION", "EXCEPT", "INTERSECT", "MINUS", "INTO", "TABLE",
     "WITH", "IN", "AS", "ON", "USING", "AND", "OR", "NOT", "IS", "WHEN", "THEN", "ELSE", "END", "OVER",
     "INFILE", "PARTITION", "PROPERTIES", "BROKER", "SET", "COLUMNS", "LATERAL", "JOIN", "BY", "DISTINCT", "ALL",
     "ANY", "SOME", "NULL", "TRUE", "FALSE"}
)  # fmt: skip
_LITERAL_WORDS = {"NULL", "TRUE", "FALSE"}
# StarRocks.g4 specialDateTimeExpression / informationFunctionExpression: allowed without parentheses.
_BARE_FUNCTIONS = frozenset(
    {"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_USER"}
)
# StarRocks.g4 unitIdentifier.
_UNITS = frozenset(
    {"YEAR", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "QUARTER", "MILLISECOND", "MICROSECOND"}
)
_COMPARISONS = frozenset({"=", "<>", "!=", "<", "<=", ">", ">=", "<=>"})
# valueExpression's binary operators, loosest first (ANTLR gives earlier alternatives higher precedence).
_VALUE_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"BITSHIFTLEFT", "BITSHIFTRIGHT", "BITSHIFTRIGHTLOGICAL"}),
    frozenset({"|"}),
    frozenset({"&"}),
    frozenset({"+", "-"}),
    frozenset({"*", "/", "%", "DIV", "MOD"}),
    frozenset({"^"}),
)
# StarRocks.g4 baseType / decimalType keywords (type names in CAST and CONVERT).
_TYPES = frozenset(
    {
        "BOOLEAN", "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "LARGEINT", "FLOAT", "DOUBLE", "DATE",
        "DATETIME", "TIME", "CHAR", "VARCHAR", "STRING", "TEXT", "BITMAP", "HLL", "PERCENTILE", "JSON",
        "VARBINARY", "BINARY", "SIGNED", "UNSIGNED", "DECIMAL", "DECIMALV2", "DECIMAL32", "DECIMAL64",
        "DECIMAL128", "NUMERIC", "NUMBER",
    }
)  # fmt: skip
_AGGREGATES_WITH_DISTINCT = frozenset({"COUNT", "SUM", "AVG", "MIN", "MAX", "ARRAY_AGG", "GROUP_CONCAT"})
_MAX_DEPTH = 64


class StarRocksExpressionError(ValueError):
    """An expression argument that is not what its clause takes."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "str", "qident", "num", "word", "op", "eof"
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def _tokenize(text: str, argument: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text.startswith(("--", "/*", "#"), pos):
            raise _error(argument, text, "contains a comment", "remove it")
        if text[pos] == ";":
            raise _error(argument, text, "contains ';' outside quotes", "give one expression, not statements")
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char in "'\"`":
                raise _error(argument, text, f"has an unterminated {char}", "close the quote")
            raise _error(
                argument,
                text,
                f"contains {char!r} at position {pos} outside quotes",
                "variables, parameters and other statements are not accepted: give columns, literals, "
                "operators and function calls",
            )
        kind = match.lastgroup or ""
        if kind == "word" and not match.group().isascii():
            char = next(c for c in match.group() if not c.isascii())
            raise _error(
                argument,
                text,
                f"contains {char!r} (U+{ord(char):04X}) outside quotes",
                "quote names that are not plain ASCII with backticks, and text with quotes",
            )
        if kind == "num" and _letter_at(text, match.end()):
            raise _error(argument, text, "has a name that starts with a digit", "quote it with backticks")
        if kind != "ws":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("eof", "", len(text)))
    return tokens


def _letter_at(text: str, pos: int) -> bool:
    return pos < len(text) and (text[pos].isalnum() or text[pos] in "_$")


def _error(argument: str, text: str, problem: str, fix: str) -> StarRocksExpressionError:
    shown = text if len(text) <= 200 else text[:200] + "..."
    return StarRocksExpressionError(f"{argument}: {shown!r} {problem}; {fix}.")


def _identifier(token: _Token, argument: str, text: str) -> str:
    name = token.text[1:-1].replace("``", "`") if token.kind == "qident" else token.text
    if "`" in name or not name:
        # Older AstBuilder.visitBackQuotedIdentifier strips backticks instead of undoubling them.
        raise _error(argument, text, f"has the name {name!r}", "use non-empty names without backticks")
    return f"`{name}`"


class _Parser:
    """Recursive descent over StarRocks.g4's expression rules; each method returns the rendered text."""

    def __init__(self, text: str, argument: str, what: str) -> None:
        self.what = what
        self.text = text
        self.argument = argument
        self.tokens = _tokenize(text, argument)
        self.index = 0
        self.depth = 0

    # -- token helpers ----------------------------------------------------------------------------------------

    @property
    def tok(self) -> _Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> _Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> _Token:
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
        raise _error(self.argument, self.text, f"is not {self.what} ({problem}, found {found})", hint)

    def end(self) -> None:
        if self.tok.kind != "eof":
            self.fail("unexpected text after the expression")

    # -- grammar ----------------------------------------------------------------------------------------------

    def expression(self) -> str:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _error(self.argument, self.text, "is nested too deeply", "simplify it")
        try:
            return self._or()
        finally:
            self.depth -= 1

    def _or(self) -> str:
        out = self._and()
        while op := self.accept("OR", "||"):
            out = f"{out} {op} {self._and()}"
        return out

    def _and(self) -> str:
        out = self._not()
        while op := self.accept("AND", "&&"):
            out = f"{out} {op} {self._not()}"
        return out

    def _not(self) -> str:
        if self.accept("NOT"):
            return f"NOT {self._not()}"
        return self._boolean()

    def _boolean(self) -> str:
        out = self._predicate()
        while True:
            if self.accept("IS"):
                negated = "NOT " if self.accept("NOT") else ""
                self.expect("NULL")
                out = f"{out} IS {negated}NULL"
            elif self.tok.kind == "op" and self.tok.text in _COMPARISONS:
                op = self.advance().text
                out = f"{out} {op} {self._predicate()}"
            else:
                return out

    def _predicate(self) -> str:
        out = self._value()
        negated = (
            "NOT "
            if self.at("NOT") and self.peek().upper in ("IN", "BETWEEN", "LIKE", "RLIKE", "REGEXP")
            else ""
        )
        if negated:
            self.advance()
        if self.accept("IN"):
            self.expect("(")
            if self.at("SELECT", "WITH", "VALUES"):
                self.fail("a subquery")
            if self.at(")"):
                self.fail("an empty IN list")
            items = self._list(")")
            return f"{out} {negated}IN ({items})"
        if self.accept("BETWEEN"):
            low = self._value()
            self.expect("AND")
            return f"{out} {negated}BETWEEN {low} AND {self._predicate()}"
        if op := self.accept("LIKE", "RLIKE", "REGEXP"):
            return f"{out} {negated}{op} {self._value()}"
        if negated:
            self.fail("NOT without IN, BETWEEN or LIKE")
        return out

    def _value(self, level: int = 0) -> str:
        if level == len(_VALUE_LEVELS):
            return self._unary()
        out = self._value(level + 1)
        while self.tok.kind in ("op", "word") and self.tok.upper in _VALUE_LEVELS[level]:
            op = self.advance().upper
            out = f"{out} {op} {self._value(level + 1)}"
        return out

    def _unary(self) -> str:
        if self.tok.kind == "op" and self.tok.text in ("-", "+", "~", "!"):
            op = self.advance().text
            return f"{op}{self._unary()}"
        return self._postfix(self._primary())

    def _postfix(self, out: str) -> str:
        while True:
            if self.accept("["):
                out = f"{out}[{self._value()}]"
                self.expect("]")
            elif self.at(".") and self.peek().kind in ("word", "qident"):
                self.advance()
                out = f"{out}.{_identifier(self.advance(), self.argument, self.text)}"
            elif self.at("->") and self.peek().kind == "str":
                self.advance()
                out = f"{out} -> {self.advance().text}"
            else:
                return out

    def _primary(self) -> str:
        tok = self.tok
        if tok.kind in ("str", "num"):
            return self.advance().text
        if tok.kind == "qident":
            return _identifier(self.advance(), self.argument, self.text)
        if self.accept("("):
            if self.at("SELECT", "WITH", "VALUES"):
                self.fail("a subquery")
            inner = self.expression()
            self.expect(")")
            return f"({inner})"
        if self.accept("["):
            return f"[{self._list(']')}]"
        if tok.kind != "word":
            self.fail("expected a value, a column or a function")
        word = tok.upper
        following = self.peek()
        if word in _LITERAL_WORDS:
            return self.advance().upper
        if word in ("DATE", "DATETIME") and following.kind == "str":
            self.advance()
            return f"{word} {self.advance().text}"
        if word == "INTERVAL":
            self.advance()
            amount = self._value()
            return f"INTERVAL {amount} {self._unit()}"
        if word == "CASE":
            return self._case()
        if word == "MAP" and following.text == "{":
            self.advance()
            return self._map()
        if following.kind == "op" and following.text == "(":
            return self._call()
        if word in _BARE_FUNCTIONS:
            return self.advance().upper
        if word in CLAUSE_KEYWORDS:
            self.fail("a keyword where a value belongs")
        return _identifier(self.advance(), self.argument, self.text)

    def _list(self, closer: str) -> str:
        if self.accept(closer):
            return ""
        items = [self._argument()]
        while self.accept(","):
            items.append(self._argument())
        self.expect(closer)
        return ", ".join(items)

    def _argument(self) -> str:
        # StarRocks.g4 lambdaFunctionExpr: x -> expr, (x, y) -> expr (array_map, array_filter, ...).
        if self.tok.kind in ("word", "qident") and self.peek().text == "->" and self.peek(2).kind != "str":
            name = _identifier(self.advance(), self.argument, self.text)
            self.advance()
            return f"{name} -> {self.expression()}"
        return self.expression()

    def _unit(self) -> str:
        if self.tok.kind != "word" or self.tok.upper not in _UNITS:
            self.fail(f"expected a time unit ({', '.join(sorted(_UNITS))})")
        return self.advance().upper

    def _case(self) -> str:
        self.expect("CASE")
        parts = ["CASE"]
        if not self.at("WHEN"):
            parts.append(self.expression())
        if not self.at("WHEN"):
            self.fail("CASE without WHEN")
        while self.accept("WHEN"):
            condition = self.expression()
            self.expect("THEN")
            parts.append(f"WHEN {condition} THEN {self.expression()}")
        if self.accept("ELSE"):
            parts.append(f"ELSE {self.expression()}")
        self.expect("END")
        parts.append("END")
        return " ".join(parts)

    def _map(self) -> str:
        self.expect("{")
        entries: list[str] = []
        if not self.at("}"):
            while True:
                key = self.expression()
                self.expect(":")
                entries.append(f"{key}:{self.expression()}")
                if not self.accept(","):
                    break
        self.expect("}")
        return "MAP{" + ", ".join(entries) + "}"

    def _call(self) -> str:
        name = self.advance().upper
        self.expect("(")
        if name in TABLE_FUNCTIONS:
            raise _error(
                self.argument,
                self.text,
                f"calls the table function {name}()",
                "expressions cannot read other data",
            )
        if name in _NOT_FUNCTIONS:
            self.fail(f"{name}( is not a function")
        if name in ("CAST", "CONVERT"):
            inner = self.expression()
            separator = self.expect("AS") if name == "CAST" else self.expect(",")
            kind = self._type()
            self.expect(")")
            return f"{name}({inner} {separator} {kind})" if name == "CAST" else f"CONVERT({inner}, {kind})"
        if name == "EXTRACT":
            unit = self._unit()
            self.expect("FROM")
            inner = self._value()
            self.expect(")")
            return f"EXTRACT({unit} FROM {inner})"
        if name in ("TIMESTAMPADD", "TIMESTAMPDIFF"):
            unit = self._unit()
            self.expect(",")
            rest = self._list(")")
            out = f"{name}({unit}, {rest})"
        elif name == "COUNT" and self.at("*") and self.peek().text == ")":
            self.advance()
            self.advance()
            out = "COUNT(*)"
        else:
            quantifier = ""
            if name in _AGGREGATES_WITH_DISTINCT and (q := self.accept("DISTINCT")):
                quantifier = f"{q} "
            out = f"{name}({quantifier}{self._list(')')})"
        if self.at("OVER"):
            self.fail("a window function (OVER)")
        return out

    def _type(self) -> str:
        if self.tok.kind != "word":
            self.fail("expected a type")
        word = self.advance().upper
        if word in ("ARRAY", "MAP", "STRUCT"):
            self.expect("<")
            members = [self._struct_field() if word == "STRUCT" else self._type()]
            while self.accept(","):
                members.append(self._struct_field() if word == "STRUCT" else self._type())
            self.expect(">")
            return f"{word}<{', '.join(members)}>"
        if word not in _TYPES:
            self.fail(f"{word} is not a StarRocks type")
        if word in ("SIGNED", "UNSIGNED") and (suffix := self.accept("INT", "INTEGER")):
            word = f"{word} {suffix}"
        if self.accept("("):
            sizes = [self._integer()]
            while self.accept(","):
                sizes.append(self._integer())
            self.expect(")")
            word = f"{word}({', '.join(sizes)})"
        return word

    def _struct_field(self) -> str:
        if self.tok.kind not in ("word", "qident"):
            self.fail("expected a STRUCT field name")
        name = _identifier(self.advance(), self.argument, self.text)
        return f"{name} {self._type()}"

    def _integer(self) -> str:
        if self.tok.kind != "num" or not self.tok.text.isdigit():
            self.fail("expected a whole number")
        return self.advance().text


def _parser(text: object, argument: str, what: str) -> _Parser:
    if not isinstance(text, str):
        raise StarRocksExpressionError(
            f"{argument}: must be a string of SQL, got {type(text).__name__}; pass a str."
        )
    if "\x00" in text:
        raise StarRocksExpressionError(f"{argument}: contains a NUL character (\\x00); remove it.")
    if not text.strip():
        raise StarRocksExpressionError(f"{argument}: is empty; give an expression or leave it unset.")
    return _Parser(text, argument, what)


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
            item = f"{item} AS {_identifier(parser.advance(), argument, parser.text)}"
        items.append(item)
        if not parser.accept(","):
            break
    parser.end()
    return ", ".join(items)
