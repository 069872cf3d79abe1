"""
StarRocks SQL text: the one place where user values become SQL.

Identifiers are backtick-quoted, string literals double-quoted and escaped as StarRocks's lexer reads them,
property lists rendered from ordered mappings. Every statement builder returns a :class:`Statement`: the text
to execute and its redacted twin, the only form that may be logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# FeNameFormat.java: LABEL_REGEX = "^[-\\w]{1,128}$"; Java's \w is ASCII-only.
LABEL_PATTERN = re.compile(r"^[-\w]{1,128}$", re.ASCII)
# FeNameFormat.COMMON_NAME_REGEX, used for catalog, database and table names.
NAME_PATTERN = re.compile(r"^[a-zA-Z]\w{0,63}$|^_[a-zA-Z0-9]\w{0,62}$", re.ASCII)

REDACTED = "***"

# StarRocksLex.g4 string literals: a backslash escapes the next character; the unescaper maps these
# letters to control characters (MySQL rules), any other escaped character to itself.
_LITERAL_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\x1a": "\\Z",
}
_LITERAL_ESCAPE_RE = re.compile('[\\\\"\n\r\t\b\x1a]')


class StarRocksSqlValueError(ValueError):
    """A user value that cannot be placed in StarRocks SQL."""


@dataclass(frozen=True)
class Statement:
    """
    One SQL statement and the twin that is safe to log.

    :param sql: the text sent to StarRocks.
    :param redacted: the same text with every secret value replaced by ``***``.
    """

    sql: str
    redacted: str

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"Statement({self.redacted!r})"


def _check_text(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise StarRocksSqlValueError(f"{what} must be a string, got {type(value).__name__}.")
    if "\x00" in value:
        raise StarRocksSqlValueError(f"{what} contains a NUL character, which StarRocks SQL cannot carry.")
    return value


def quote_identifier(name: str, what: str = "identifier") -> str:
    """
    Quote an identifier with backticks, doubling any backtick inside it.

    :param name: the identifier.
    :param what: what the value is, for the error message (e.g. ``"table"``).
    """
    _check_text(name, what)
    if not name:
        raise StarRocksSqlValueError(f"{what} must not be empty.")
    return "`" + name.replace("`", "``") + "`"


def quote_literal(value: str, what: str = "value") -> str:
    """
    Render a double-quoted StarRocks string literal.

    :param value: the string.
    :param what: what the value is, for the error message.
    """
    _check_text(value, what)
    return '"' + _LITERAL_ESCAPE_RE.sub(lambda m: _LITERAL_ESCAPES[m.group(0)], value) + '"'


def render_value(value: object, what: str = "value") -> str:
    """
    Render a property value as a string literal; booleans become ``"true"`` / ``"false"``.

    StarRocks reads property values with ``Boolean.parseBoolean``, so only the lowercase text ``true`` is true.
    """
    if isinstance(value, bool):
        return '"true"' if value else '"false"'
    if isinstance(value, (int, float)):
        return quote_literal(str(value), what)
    return quote_literal(value, what)  # type: ignore[arg-type]


def property_list(
    properties: Mapping[str, object], secret_keys: Iterable[str] = ()
) -> tuple[str, str]:
    """
    Render ``("k" = "v", ...)`` in mapping order, returning the text and its redacted twin.

    :param properties: ordered key/value pairs.
    :param secret_keys: keys whose values are replaced by ``***`` in the redacted twin.
    """
    secrets = set(secret_keys)
    plain: list[str] = []
    redacted: list[str] = []
    for key, value in properties.items():
        key_sql = quote_literal(key, "property key")
        if not key:
            raise StarRocksSqlValueError("property keys must not be empty.")
        value_sql = render_value(value, f"property {key!r}")
        plain.append(f"{key_sql} = {value_sql}")
        redacted.append(f'{key_sql} = "{REDACTED}"' if key in secrets else f"{key_sql} = {value_sql}")
    return "(\n    " + ",\n    ".join(plain) + "\n)", "(\n    " + ",\n    ".join(redacted) + "\n)"


def validate_label(label: str) -> str:
    """Return the label if it matches StarRocks's ``^[-\\w]{1,128}$`` (ASCII), else raise."""
    if not isinstance(label, str) or not LABEL_PATTERN.match(label):
        raise StarRocksSqlValueError(
            f"label {label!r} is invalid: StarRocks labels match ^[-\\w]{{1,128}}$ "
            "(ASCII letters, digits, '_' and '-', at most 128 characters)."
        )
    return label


def validate_name(name: str, what: str) -> str:
    """
    Return a catalog, database or table name if StarRocks accepts it (``FeNameFormat.COMMON_NAME_REGEX``).

    :param name: the name.
    :param what: the argument it came from, for the error message.
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise StarRocksSqlValueError(
            f"{what} {name!r} is invalid: StarRocks names start with a letter (or '_' and a letter or "
            "digit), contain only ASCII letters, digits and '_', and are at most 64 characters."
        )
    return name


def qualified_name(*parts: str) -> str:
    """Join identifiers into ``\\`a\\`.\\`b\\```, each quoted."""
    return ".".join(quote_identifier(part) for part in parts)
