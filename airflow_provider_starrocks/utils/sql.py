"""
StarRocks SQL text core: the one place where user values become SQL.

Identifiers are backtick-quoted, string literals double-quoted and escaped as StarRocks's lexer reads them,
property lists rendered from ordered mappings, names and labels checked against StarRocks's own rules. The
statement builders, one module per statement family, live in :mod:`airflow_provider_starrocks.utils.statements`;
each returns a :class:`Statement`: the text to execute and its redacted twin, the only form that may be logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_starrocks.exceptions import StarRocksSqlValueError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


# fe/fe-core/src/main/java/com/starrocks/common/FeNameFormat.java checks names with Java's String.matches(),
# a whole-string match in which \w is ASCII-only; Python's $ would also accept a trailing newline, hence \Z.
# LABEL_REGEX = "^[-\\w]{1,128}$"
LABEL_PATTERN = re.compile(r"^[-\w]{1,128}\Z", re.ASCII)
# COMMON_NAME_REGEX: catalogs (checkCatalogName), resources, partitions, roles.
NAME_PATTERN = re.compile(r"^(?:[a-zA-Z]\w{0,63}|_[a-zA-Z0-9]\w{0,62})\Z", re.ASCII)
# DB_NAME_REGEX (checkDbName): the common rule with up to 256 characters.
_DATABASE_PATTERN = re.compile(r"^(?:[a-zA-Z]\w{0,255}|_[a-zA-Z0-9]\w{0,254})\Z", re.ASCII)
# TABLE_NAME_REGEX = "^[^\0]{1,1024}$". Backticks are refused on top of it: older AstBuilder
# visitBackQuotedIdentifier strips every backtick (replace("`", "")) instead of undoubling them.
_TABLE_PATTERN = re.compile(r"^[^\x00`]{1,1024}\Z")
_NAME_PATTERNS = {"catalog": NAME_PATTERN, "database": _DATABASE_PATTERN, "table": _TABLE_PATTERN}
_NAME_RULES = {
    "catalog": "start with a letter (or '_' and a letter or digit), contain only ASCII letters, digits and "
    "'_', and are at most 64 characters",
    "database": "start with a letter (or '_' and a letter or digit), contain only ASCII letters, digits and "
    "'_', and are at most 256 characters",
    "table": "are 1 to 1024 characters long and contain no NUL and no backtick",
}

REDACTED = "***"

# How StarRocks reads a double-quoted literal (checked against StarRocks/starrocks):
# - fe/fe-core/src/main/java/com/starrocks/sql/parser/StarRocksLex.g4:
#   DOUBLE_QUOTED_TEXT : '"' ('\\'. | '""' | ~('"'| '\\'))* '"' -- any character but '"' and '\' stands for itself,
#   raw newlines and control characters included; '\' always takes the next character with it.
# - fe/fe-core/src/main/java/com/starrocks/sql/parser/AstBuilder.java visitString(): newer releases first turn
#   '""' into '"', then escapeBackSlash() maps \n \t \r \b \0 \Z to control characters, keeps the backslash
#   before '%' and '_' (LIKE wildcards) and maps any other escaped character to itself.
# So escaping '\' and '"' is what correctness needs; newline, CR, tab, backspace and ^Z are escaped too so that
# a value never breaks a line of the logged statement. Every '"' we emit follows a '\', so the '""' rewrite never applies,
# and we never emit '\%' or '\_'. NUL is refused: FeNameFormat rejects it in names, and native code that
# reads a value as a C string would cut it there.
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

    def after(self, head: str) -> Statement:
        """
        Return ``head`` followed by this statement, in both texts (``head`` holds no secret).

        :param head: the text that goes first, e.g. ``SUBMIT TASK t AS``.
        """
        return Statement(head + self.sql, head + self.redacted)


def _check_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise StarRocksSqlValueError(f"{what} must be a string, got {type(value).__name__}: pass a str.")
    if "\x00" in value:
        raise StarRocksSqlValueError(
            f"{what} contains a NUL character (\\x00), which StarRocks SQL cannot carry: remove it."
        )
    return value


def quote_identifier(name: str, what: str = "identifier") -> str:
    """
    Quote an identifier with backticks, doubling any backtick inside it.

    :param name: the identifier.
    :param what: what the value is, for the error message (e.g. ``"table"``).
    """
    _check_text(name, what)
    if not name:
        raise StarRocksSqlValueError(f"{what} must not be empty: give a name.")
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

    StarRocks reads boolean properties with ``Boolean.parseBoolean``, so only the lowercase text ``true`` is
    true: Python's ``str(True)`` would read as false.

    :param value: a ``str``, ``bool``, ``int`` or ``float``.
    :param what: what the value is, for the error message.
    """
    if isinstance(value, bool):
        return '"true"' if value else '"false"'
    if isinstance(value, (int, float)):
        return quote_literal(str(value), what)
    if not isinstance(value, str):
        raise StarRocksSqlValueError(
            f"{what} must be a str, bool, int or float, got {type(value).__name__}: convert it to a string."
        )
    return quote_literal(value, what)


def property_list(properties: Mapping[str, object], secret_keys: Iterable[str] = ()) -> tuple[str, str]:
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
            raise StarRocksSqlValueError("property keys must not be empty: remove the empty key.")
        # The value's own text stays out of the message: it may be a secret.
        value_sql = render_value(value, f"property {key!r}")
        plain.append(f"{key_sql} = {value_sql}")
        redacted.append(f'{key_sql} = "{REDACTED}"' if key in secrets else f"{key_sql} = {value_sql}")
    if not plain:
        return "()", "()"
    return "(\n    " + ",\n    ".join(plain) + "\n)", "(\n    " + ",\n    ".join(redacted) + "\n)"


def require_match(value: object, pattern: re.Pattern[str], message: str) -> str:
    """
    Return ``value`` when it is a string that ``pattern`` matches, else raise :class:`StarRocksSqlValueError`.

    :param value: the value to check.
    :param pattern: the rule, anchored at both ends.
    :param message: the error text, naming the argument and the fix.
    """
    if not isinstance(value, str) or not pattern.match(value):
        raise StarRocksSqlValueError(message)
    return value


def validate_label(label: str) -> str:
    r"""
    Return the label if it matches StarRocks's ``^[-\w]{1,128}$`` (ASCII ``\w``), else raise.

    :param label: the load label.
    """
    return require_match(
        label,
        LABEL_PATTERN,
        f"label {label!r} is invalid: StarRocks labels match ^[-\\w]{{1,128}}$ "
        "(ASCII letters, digits, '_' and '-', 1 to 128 characters): replace the other characters, "
        "or leave the label unset to get a generated one.",
    )


def validate_name(name: str, what: str, kind: str = "catalog") -> str:
    """
    Return a catalog, database or table name if StarRocks accepts it (``FeNameFormat``), else raise.

    :param name: the name.
    :param what: the argument it came from, for the error message (e.g. ``"catalog_name"``).
    :param kind: ``"catalog"`` (``COMMON_NAME_REGEX``, also right for resources and roles), ``"database"``
        (``DB_NAME_REGEX``) or ``"table"`` (``TABLE_NAME_REGEX``, without backticks).
    """
    if kind not in _NAME_PATTERNS:
        raise ValueError(f"kind must be one of {sorted(_NAME_PATTERNS)}, got {kind!r}.")
    return require_match(
        name,
        _NAME_PATTERNS[kind],
        f"{what} {name!r} is invalid: StarRocks {kind} names {_NAME_RULES[kind]}. Rename it to match.",
    )


def qualified_name(*parts: str) -> str:
    """
    Join identifiers into one dotted name, each part backtick-quoted.

    :param parts: the parts, e.g. catalog, database and table.
    """
    return ".".join(quote_identifier(part) for part in parts)
