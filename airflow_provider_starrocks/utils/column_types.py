"""
Column definitions for file external tables, checked against a conservative StarRocks type grammar.

A column DDL string given by a user is parsed rather than passed on: only ``name type`` pairs whose types are
built from the keywords below, integer parameters and ``ARRAY<>`` / ``MAP<,>`` / ``STRUCT<>`` survive, and the
text sent to StarRocks is re-rendered from the parse, so nothing else in the string can reach the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from airflow_provider_starrocks.exceptions import ColumnSpecError
from airflow_provider_starrocks.utils.sql import quote_identifier

# fe/fe-core/src/main/java/com/starrocks/common/FeNameFormat.java: COLUMN_NAME_REGEX = "^[^\0=<>!\\*]{1,1024}$";
# backticks are refused on top of it, as for table names (older parsers strip them instead of undoubling).
_COLUMN_NAME = re.compile(r"^[^\x00=<>!*`]{1,1024}\Z")
# SchemaChangeHandler.SHADOW_NAME_PRFIX / SHADOW_NAME_PRFIX_V1
_RESERVED_PREFIXES = ("__starrocks_shadow_", "__doris_shadow_")

_PLAIN_TYPES = frozenset(
    {
        "BOOLEAN",
        "TINYINT",
        "SMALLINT",
        "INT",
        "INTEGER",
        "BIGINT",
        "LARGEINT",
        "FLOAT",
        "DOUBLE",
        "DATE",
        "DATETIME",
        "STRING",
        "JSON",
    }
)
_LENGTH_TYPES = frozenset({"CHAR", "VARCHAR", "BINARY", "VARBINARY"})
_DECIMAL_TYPES = frozenset({"DECIMAL", "DECIMALV2", "DECIMAL32", "DECIMAL64", "DECIMAL128"})
# How many types ARRAY<t> and MAP<k,v> take.
_NESTED_ARITY = {"ARRAY": 1, "MAP": 2}
_TOKEN = re.compile(
    r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<int>\d+)|(?P<quoted>`[^`\x00]+`)|(?P<sym>[<>(),:]))"
)
_TYPE_HELP = (
    "use StarRocks types such as INT, BIGINT, DOUBLE, DATE, DATETIME, STRING, VARCHAR(n), DECIMAL(p,s), "
    "ARRAY<type>, MAP<key_type, value_type> or STRUCT<name type, ...>"
)


class _Tokens:
    def __init__(self, text: str, what: str) -> None:
        self.what = what
        self.items: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                bad = text[pos:].lstrip()[:20]
                raise ColumnSpecError(f"{what}: unexpected text {bad!r}; {_TYPE_HELP}.")
            kind = match.lastgroup or ""
            self.items.append((kind, match.group(kind)))
            pos = match.end()
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.items[self.i] if self.i < len(self.items) else ("end", "")

    def take(self) -> tuple[str, str]:
        item = self.peek()
        self.i += 1
        return item

    def expect(self, symbol: str) -> None:
        kind, value = self.take()
        if kind != "sym" or value != symbol:
            found = value or "the end"
            raise ColumnSpecError(f"{self.what}: expected {symbol!r}, found {found!r}; {_TYPE_HELP}.")

    def at(self, symbol: str) -> bool:
        return self.peek() == ("sym", symbol)

    def integer(self, what: str, low: int, high: int) -> int:
        kind, value = self.take()
        if kind != "int" or not low <= int(value) <= high:
            raise ColumnSpecError(
                f"{self.what}: {what} must be an integer from {low} to {high}, got {value!r}."
            )
        return int(value)


def _parse_type(tokens: _Tokens) -> str:
    kind, word = tokens.take()
    name = word.upper()
    if kind != "word":
        raise ColumnSpecError(f"{tokens.what}: expected a type, found {word or 'the end'!r}; {_TYPE_HELP}.")
    if name in _PLAIN_TYPES:
        return name
    if name in _LENGTH_TYPES:
        if not tokens.at("("):
            return name
        tokens.expect("(")
        length = tokens.integer(f"the length of {name}", 1, 1048576)
        tokens.expect(")")
        return f"{name}({length})"
    if name in _DECIMAL_TYPES:
        if not tokens.at("("):
            return name
        tokens.expect("(")
        precision = tokens.integer(f"the precision of {name}", 1, 76)
        scale = 0
        if tokens.at(","):
            tokens.take()
            scale = tokens.integer(f"the scale of {name}", 0, precision)
        tokens.expect(")")
        return f"{name}({precision},{scale})"
    if name in _NESTED_ARITY:
        return f"{name}<{','.join(_bracketed(tokens, _parse_type, _NESTED_ARITY[name]))}>"
    if name == "STRUCT":
        return f"STRUCT<{', '.join(_bracketed(tokens, _struct_field))}>"
    raise ColumnSpecError(f"{tokens.what}: type {word!r} is not supported; {_TYPE_HELP}.")


def _bracketed(tokens: _Tokens, parse: Callable[[_Tokens], str], count: int = 0) -> list[str]:
    """Parse ``<item, ...>``: exactly ``count`` items, or one or more when ``count`` is 0."""
    tokens.expect("<")
    items = [parse(tokens)]
    while len(items) < count if count else tokens.at(","):
        tokens.expect(",")
        items.append(parse(tokens))
    tokens.expect(">")
    return items


def _struct_field(tokens: _Tokens) -> str:
    field_name = _parse_name(tokens, "a STRUCT field name")
    return f"{quote_identifier(field_name, 'STRUCT field')} {_parse_type(tokens)}"


def _parse_name(tokens: _Tokens, what: str) -> str:
    kind, value = tokens.take()
    if kind == "quoted":
        return value[1:-1]
    if kind != "word":
        raise ColumnSpecError(f"{tokens.what}: expected {what}, found {value or 'the end'!r}.")
    return value


def normalize_type(type_text: object, what: str = "column type") -> str:
    """
    Check one StarRocks column type and return its canonical text (upper case, no stray spacing).

    :param type_text: e.g. ``"map<varchar(100), varchar(2000)>"``.
    :param what: where the type came from, for the error message.
    """
    if not isinstance(type_text, str) or not type_text.strip():
        raise ColumnSpecError(f"{what} must be a non-empty string such as 'BIGINT'.")
    tokens = _Tokens(type_text, what)
    result = _parse_type(tokens)
    if tokens.peek()[0] != "end":
        raise ColumnSpecError(f"{what}: unexpected {tokens.peek()[1]!r} after the type; {_TYPE_HELP}.")
    return result


def check_column_name(name: object, what: str = "column name") -> str:
    """
    Return a column name StarRocks accepts (``FeNameFormat.checkColumnName``), without backticks, else raise.

    :param name: the column name.
    :param what: where it came from, for the error message.
    """
    if not isinstance(name, str) or not _COLUMN_NAME.match(name) or name.startswith(_RESERVED_PREFIXES):
        raise ColumnSpecError(
            f"{what} {name!r} is invalid: column names are 1 to 1024 characters without NUL, '=', '<', '>', "
            "'!', '*' or backticks, and do not start with '__starrocks_shadow_'."
        )
    return name


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_columns(columns: str | Iterable[tuple[str, str]] | Mapping[str, str]) -> list[tuple[str, str]]:
    """
    Turn ``columns`` into checked ``(name, canonical type)`` pairs.

    :param columns: a column DDL string (``"id BIGINT, tags ARRAY<STRING>"``), a list of ``(name, type)`` pairs
        or a mapping of name to type.
    """
    pairs: list[tuple[object, object]]
    if isinstance(columns, str):
        pairs = []
        for index, part in enumerate(_split_top_level(columns)):
            tokens = _Tokens(part, f"columns[{index}]")
            column = _parse_name(tokens, "a column name")
            pairs.append((column, part.strip()[len(tokens.items[0][1]) :]))
    elif isinstance(columns, Mapping):
        pairs = list(columns.items())
    elif isinstance(columns, Iterable):
        pairs = []
        for index, item in enumerate(columns):
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise ColumnSpecError(
                    f"columns[{index}] must be a (name, type) pair such as ('id', 'BIGINT'), got {item!r}."
                )
            pairs.append((item[0], item[1]))
    else:
        raise ColumnSpecError(
            "columns must be a column DDL string, a list of (name, type) pairs or a dict, "
            f"got {type(columns).__name__}."
        )
    if not pairs:
        raise ColumnSpecError("columns must not be empty: give at least one (name, type) pair.")
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, (raw_name, type_text) in enumerate(pairs):
        if not isinstance(type_text, str):
            raise ColumnSpecError(
                f"columns[{index}] type must be a string such as 'BIGINT', got {type_text!r}."
            )
        checked = check_column_name(raw_name, f"columns[{index}] name")
        if checked.lower() in seen:
            raise ColumnSpecError(f"columns[{index}]: column {checked!r} is defined twice; keep one.")
        seen.add(checked.lower())
        result.append((checked, normalize_type(type_text, f"columns[{index}] ({checked}) type")))
    return result
