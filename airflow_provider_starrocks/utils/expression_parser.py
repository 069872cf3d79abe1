"""
Recursive descent over StarRocks.g4's expression rules, rendering each rule back to SQL as it parses.

Rules ``expression``, ``booleanExpression``, ``predicate``, ``valueExpression``, ``primaryExpression`` and
``type`` of ``fe/fe-core/src/main/java/com/starrocks/sql/parser/StarRocks.g4`` (identical in the rules used here
on branch-3.1, 3.3 and main), pinterest/starrocks ``pinterest-release-3.3.5``
7c653fb8f0cf2f74c087bfd92826f55d53ef8db8. Tokens come from
:mod:`~airflow_provider_starrocks.utils.expression_lexer`.
"""

from __future__ import annotations

from airflow_provider_starrocks.utils.expression_lexer import (
    CLAUSE_KEYWORDS,
    TokenStream,
    expression_error,
    quoted_identifier,
)

# Table functions take rows out of thin air (FILES() with other credentials, UNNEST, ...): never in an expression.
TABLE_FUNCTIONS = frozenset(
    {"FILES", "UNNEST", "GENERATE_SERIES", "JSON_EACH", "SUBDIVIDE_BITMAP", "UNNEST_BITMAP", "LIST_ROWSETS"}
)
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


class ExpressionParser(TokenStream):
    """Recursive descent over StarRocks.g4's expression rules; each method returns the rendered text."""

    # -- grammar ----------------------------------------------------------------------------------------------

    def expression(self) -> str:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise expression_error(self.argument, self.text, "is nested too deeply", "simplify it")
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
                out = f"{out}.{quoted_identifier(self.advance(), self.argument, self.text)}"
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
            return quoted_identifier(self.advance(), self.argument, self.text)
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
        return quoted_identifier(self.advance(), self.argument, self.text)

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
            name = quoted_identifier(self.advance(), self.argument, self.text)
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
            raise expression_error(
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
        name = quoted_identifier(self.advance(), self.argument, self.text)
        return f"{name} {self._type()}"

    def _integer(self) -> str:
        if self.tok.kind != "num" or not self.tok.text.isdigit():
            self.fail("expected a whole number")
        return self.advance().text
