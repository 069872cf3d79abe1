"""
StarRocks SQL text: the one place where user values become SQL.

Identifiers are backtick-quoted, string literals double-quoted and escaped as StarRocks's lexer reads them,
property lists rendered from ordered mappings. Every statement builder returns a :class:`Statement`: the text
to execute and its redacted twin, the only form that may be logged.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_starrocks.utils.expressions import render_expression, render_select_list

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


def scrub_secrets(text: str, secret_values: Iterable[str]) -> str:
    """
    Replace every secret value in ``text`` (an error message, a log line) by ``***``.

    A server error may quote the statement back, so each value is also replaced in the form it takes inside a
    string literal, in ``repr()``, in JSON, URL-encoded and base64-encoded (an S3 error may echo a signed URL
    or an encoded header). Values shorter than 4 characters are left alone: replacing them
    would mangle the text without hiding anything.

    :param text: the text to clean.
    :param secret_values: the values to hide.
    """
    forms: set[str] = set()
    for value in secret_values:
        if value and len(value) >= 4:
            escaped = _LITERAL_ESCAPE_RE.sub(lambda m: _LITERAL_ESCAPES[m.group(0)], value)
            encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
            forms.update(
                {
                    value,
                    escaped,
                    repr(value)[1:-1],
                    json.dumps(value)[1:-1],
                    urllib.parse.quote(value, safe=""),
                    urllib.parse.quote_plus(value),
                    encoded,
                    encoded.rstrip("="),
                }
            )
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


def validate_label(label: str) -> str:
    r"""
    Return the label if it matches StarRocks's ``^[-\w]{1,128}$`` (ASCII ``\w``), else raise.

    :param label: the load label.
    """
    if not isinstance(label, str) or not LABEL_PATTERN.match(label):
        raise StarRocksSqlValueError(
            f"label {label!r} is invalid: StarRocks labels match ^[-\\w]{{1,128}}$ "
            "(ASCII letters, digits, '_' and '-', 1 to 128 characters): replace the other characters, "
            "or leave the label unset to get a generated one."
        )
    return label


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
    if not isinstance(name, str) or not _NAME_PATTERNS[kind].match(name):
        raise StarRocksSqlValueError(
            f"{what} {name!r} is invalid: StarRocks {kind} names {_NAME_RULES[kind]}. Rename it to match."
        )
    return name


def qualified_name(*parts: str) -> str:
    """
    Join identifiers into one dotted name, each part backtick-quoted.

    :param parts: the parts, e.g. catalog, database and table.
    """
    return ".".join(quote_identifier(part) for part in parts)


# ---------------------------------------------------------------------------------------------------------------
# Broker load: LOAD LABEL, SHOW LOAD, information_schema.loads, CANCEL LOAD (StarRocks.g4 loadStatement,
# dataDesc, formatProps, brokerDesc, showLoadStatement, cancelLoadStatement).


def _string_list(values: Iterable[str], what: str) -> str:
    return "(" + ", ".join(quote_literal(v, what) for v in values) + ")"


def broker_load_data_description(
    *,
    table: str,
    paths: Iterable[str],
    file_format: str | None = None,
    column_separator: str | None = None,
    row_delimiter: str | None = None,
    skip_header: int | None = None,
    trim_space: bool | None = None,
    enclose: str | None = None,
    escape: str | None = None,
    columns: Iterable[str] | None = None,
    set_expressions: Mapping[str, str] | None = None,
    where: str | None = None,
    partitions: Iterable[str] | None = None,
    temporary_partitions: bool = False,
) -> str:
    """
    Render one ``DATA INFILE`` clause, its parts in the grammar's order.

    :param table: the target table (in the load's database).
    :param paths: ``s3://`` / ``s3a://`` paths or globs.
    :param file_format: ``CSV``, ``Parquet``, ``ORC`` or ``JSON``; inferred by StarRocks when ``None``.
    :param column_separator: ``COLUMNS TERMINATED BY``.
    :param row_delimiter: ``ROWS TERMINATED BY``.
    :param skip_header: ``formatProps`` SKIP_HEADER.
    :param trim_space: ``formatProps`` TRIM_SPACE.
    :param enclose: ``formatProps`` ENCLOSE.
    :param escape: ``formatProps`` ESCAPE.
    :param columns: the column list, mapping file columns to names.
    :param set_expressions: target column -> expression (``SET``), each parsed and re-rendered.
    :param where: a filter predicate, parsed and re-rendered.
    :param partitions: target partitions.
    :param temporary_partitions: load into temporary partitions.
    """
    parts = [
        f"DATA INFILE{_string_list(paths, 'source path')}",
        f"INTO TABLE {quote_identifier(table, 'table')}",
    ]
    if partitions:
        keyword = "TEMPORARY PARTITION" if temporary_partitions else "PARTITION"
        parts.append(f"{keyword} (" + ", ".join(quote_identifier(p, "partition") for p in partitions) + ")")
    if column_separator is not None:
        parts.append(f"COLUMNS TERMINATED BY {quote_literal(column_separator, 'column_separator')}")
    if row_delimiter is not None:
        parts.append(f"ROWS TERMINATED BY {quote_literal(row_delimiter, 'row_delimiter')}")
    if file_format is not None:
        parts.append(f"FORMAT AS {quote_literal(file_format, 'format')}")
    # formatProps: fixed keyword order, no commas.
    props = []
    if skip_header is not None:
        props.append(f"skip_header = {int(skip_header)}")
    if trim_space is not None:
        props.append(f"trim_space = {'true' if trim_space else 'false'}")
    if enclose is not None:
        props.append(f"enclose = {quote_literal(enclose, 'enclose')}")
    if escape is not None:
        props.append(f"escape = {quote_literal(escape, 'escape')}")
    if props:
        parts.append("(" + " ".join(props) + ")")
    if columns:
        parts.append("(" + ", ".join(quote_identifier(c, "column") for c in columns) + ")")
    if set_expressions:
        mappings = [
            f"{quote_identifier(col, 'set_expressions column')} = {render_expression(expr, f'set_expressions[{col!r}]')}"
            for col, expr in set_expressions.items()
        ]
        parts.append("SET (" + ", ".join(mappings) + ")")
    if where is not None:
        parts.append(f"WHERE {render_expression(where, 'where')}")
    return "\n    ".join(parts)


def broker_load(
    *,
    database: str,
    label: str,
    data_descriptions: Iterable[str],
    broker_properties: Mapping[str, str],
    secret_keys: Iterable[str] = (),
    properties: Mapping[str, object] | None = None,
) -> Statement:
    """
    Build ``LOAD LABEL db.label (DATA INFILE ...) WITH BROKER (...) PROPERTIES (...)``.

    Credentials go inside ``WITH BROKER``, never in ``PROPERTIES`` (BROKER_LOAD.md).

    :param database: the database of the label and of the target tables.
    :param label: the load label.
    :param data_descriptions: clauses from :func:`broker_load_data_description`.
    :param broker_properties: the ``aws.s3.*`` properties.
    :param secret_keys: the broker property keys to redact.
    :param properties: job properties such as ``timeout``.
    """
    descs = list(data_descriptions)
    if not descs:
        raise StarRocksSqlValueError("a broker load needs at least one data description.")
    head = (
        f"LOAD LABEL {qualified_name(database, validate_label(label))}\n(\n    "
        + ",\n    ".join(descs)
        + "\n)"
    )
    broker_sql, broker_redacted = property_list(broker_properties, secret_keys)
    sql, redacted = f"{head}\nWITH BROKER {broker_sql}", f"{head}\nWITH BROKER {broker_redacted}"
    if properties:
        props_sql, _ = property_list(properties)
        sql, redacted = f"{sql}\nPROPERTIES {props_sql}", f"{redacted}\nPROPERTIES {props_sql}"
    return Statement(sql, redacted)


def show_load(database: str, label: str) -> Statement:
    """
    Build ``SHOW LOAD FROM db WHERE LABEL = "label"`` (every job of the label, reused CANCELLED ones too).

    :param database: the database.
    :param label: the load label.
    """
    sql = f"SHOW LOAD FROM {quote_identifier(database, 'database')} WHERE LABEL = {quote_literal(label, 'label')}"
    return Statement(sql, sql)


def loads_by_labels(labels: Iterable[str]) -> Statement:
    """
    Build one ``information_schema.loads`` query for many labels (v3.1+), filtered on ``LABEL`` only.

    The database column is ``DATABASE_NAME`` on 3.1-3.4 and ``DB_NAME`` on newer releases, so callers
    filter rows by database after parsing.

    :param labels: the labels.
    """
    names = sorted(set(labels))
    if not names:
        raise StarRocksSqlValueError("loads_by_labels needs at least one label.")
    sql = f"SELECT * FROM information_schema.loads WHERE LABEL IN {_string_list(names, 'label')}"
    return Statement(sql, sql)


def cancel_load(database: str, label: str) -> Statement:
    """
    Build ``CANCEL LOAD FROM db WHERE LABEL = "label"``.

    :param database: the database.
    :param label: the load label.
    """
    sql = f"CANCEL LOAD FROM {quote_identifier(database, 'database')} WHERE LABEL = {quote_literal(label, 'label')}"
    return Statement(sql, sql)


def load_tracking_log(job_id: int) -> Statement:
    """
    Build the query for a load job's rejected-row log (``information_schema.load_tracking_logs``).

    :param job_id: the load job id.
    """
    if isinstance(job_id, bool) or not isinstance(job_id, int):
        raise StarRocksSqlValueError(f"job_id must be an int, got {type(job_id).__name__}.")
    sql = f"SELECT TRACKING_LOG FROM information_schema.load_tracking_logs WHERE JOB_ID = {job_id}"
    return Statement(sql, sql)


def set_default_catalog() -> Statement:
    """Build ``SET CATALOG default_catalog``: loads and their status live in the internal catalog."""
    return set_catalog("default_catalog")


# -- external catalogs and file external tables ------------------------------------------------------------


def create_external_catalog(
    name: str,
    properties: Mapping[str, object],
    secret_keys: Iterable[str] = (),
    *,
    comment: str | None = None,
) -> Statement:
    """
    Build ``CREATE EXTERNAL CATALOG <name> [COMMENT "..."] PROPERTIES (...)``.

    ``IF NOT EXISTS`` is never used: older releases lack it, and the operators must know whether they created
    the catalog (to drop it again when validation fails).

    :param name: the catalog name (checked against ``COMMON_NAME_REGEX``).
    :param properties: all properties, ``type`` first.
    :param secret_keys: keys whose values are redacted in the twin.
    :param comment: an optional comment.
    """
    head = f"CREATE EXTERNAL CATALOG {quote_identifier(validate_name(name, 'catalog_name'))}"
    if comment:
        head += f" COMMENT {quote_literal(comment, 'comment')}"
    plain, redacted = property_list(properties, secret_keys)
    return Statement(f"{head}\nPROPERTIES {plain}", f"{head}\nPROPERTIES {redacted}")


def drop_catalog(name: str) -> Statement:
    """
    Build ``DROP CATALOG <name>`` (without ``IF EXISTS``, which older releases lack).

    :param name: the catalog name.
    """
    sql = f"DROP CATALOG {quote_identifier(validate_name(name, 'catalog_name'))}"
    return Statement(sql, sql)


def show_catalogs() -> Statement:
    """Build ``SHOW CATALOGS`` (columns ``Catalog``, ``Type``, ``Comment``); names are compared exactly."""
    return Statement("SHOW CATALOGS", "SHOW CATALOGS")


def show_databases_in_catalog(name: str) -> Statement:
    """
    Build ``SHOW DATABASES FROM <catalog>``, which makes StarRocks reach the catalog's metastore.

    :param name: the catalog name.
    """
    sql = f"SHOW DATABASES FROM {quote_identifier(validate_name(name, 'catalog_name'))}"
    return Statement(sql, sql)


def create_file_external_table(
    database: str,
    table: str,
    columns: Iterable[tuple[str, str]],
    properties: Mapping[str, object],
    secret_keys: Iterable[str] = (),
    *,
    comment: str | None = None,
) -> Statement:
    """
    Build ``CREATE EXTERNAL TABLE <db>.<table> (<columns>) ENGINE=file [COMMENT "..."] PROPERTIES (...)``.

    Run it in ``default_catalog`` (see :func:`set_default_catalog`): file external tables live only there.

    :param database: the database in default_catalog.
    :param table: the table name.
    :param columns: ``(name, type)`` pairs whose types were checked by
        :func:`~airflow_provider_starrocks.utils.column_types.parse_columns`.
    :param properties: ``path``, ``format`` and the other properties.
    :param secret_keys: keys whose values are redacted in the twin.
    :param comment: an optional table comment.
    """
    name = qualified_name(
        validate_name(database, "database", "database"), validate_name(table, "table", "table")
    )
    column_sql = ",\n    ".join(
        f"{quote_identifier(col, 'column name')} {col_type}" for col, col_type in columns
    )
    if not column_sql:
        raise StarRocksSqlValueError("columns must not be empty: give at least one column.")
    head = f"CREATE EXTERNAL TABLE {name} (\n    {column_sql}\n) ENGINE=file"
    if comment:
        head += f" COMMENT {quote_literal(comment, 'comment')}"
    plain, redacted = property_list(properties, secret_keys)
    return Statement(f"{head}\nPROPERTIES {plain}", f"{head}\nPROPERTIES {redacted}")


def drop_table(database: str, table: str) -> Statement:
    """
    Build ``DROP TABLE <db>.<table>``.

    :param database: the database.
    :param table: the table.
    """
    sql = f"DROP TABLE {qualified_name(validate_name(database, 'database', 'database'), table)}"
    return Statement(sql, sql)


def show_tables(database: str) -> Statement:
    """
    Build ``SHOW TABLES FROM <db>``; names are compared exactly by the caller.

    :param database: the database.
    """
    sql = f"SHOW TABLES FROM {quote_identifier(validate_name(database, 'database', 'database'))}"
    return Statement(sql, sql)


def select_one_row(database: str, table: str) -> Statement:
    """
    Build ``SELECT * FROM <db>.<table> LIMIT 1``, which makes StarRocks read the table's files.

    :param database: the database.
    :param table: the table.
    """
    sql = f"SELECT * FROM {qualified_name(validate_name(database, 'database', 'database'), table)} LIMIT 1"
    return Statement(sql, sql)


# -- INSERT ... SELECT FROM FILES(), SUBMIT TASK, information_schema.task_runs ---------------------------------


def use_database(database: str) -> Statement:
    """
    Build ``USE <db>``: ``SUBMIT TASK`` creates the task in the current database.

    :param database: the database.
    """
    sql = f"USE {quote_identifier(validate_name(database, 'database', 'database'))}"
    return Statement(sql, sql)


def set_session_variable(name: str, value: object) -> Statement:
    """
    Build ``SET <name> = <value>``: numbers as they are, anything else as a string literal (SET takes constants).

    :param name: the variable name.
    :param value: a constant.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        rendered = str(value)
    else:
        rendered = render_value(value, f"session variable {name!r}")
    sql = f"SET {quote_identifier(name, 'session variable')} = {rendered}"
    return Statement(sql, sql)


def set_catalog(name: str) -> Statement:
    """Build ``SET CATALOG <name>``."""
    sql = f"SET CATALOG {quote_identifier(name, 'catalog')}"
    return Statement(sql, sql)


def insert_from_files(
    *,
    database: str,
    table: str,
    label: str,
    files_properties: Mapping[str, object],
    secret_keys: Iterable[str] = (),
    columns: Iterable[str] | None = None,
    select: str = "*",
    where: str | None = None,
) -> Statement:
    """
    Build ``INSERT INTO db.t WITH LABEL l [(cols)] SELECT <select> FROM FILES(...) [WHERE ...]``.

    The credentials are FILES() arguments (files.md), so they sit in its property list and are redacted there.

    :param database: the target database.
    :param table: the target table.
    :param label: the INSERT job's label.
    :param files_properties: ``path``, ``format``, format options, auth and other FILES() properties.
    :param secret_keys: the property keys to redact.
    :param columns: target columns.
    :param select: the select list, parsed and re-rendered.
    :param where: a filter predicate, parsed and re-rendered.
    """
    name = qualified_name(
        validate_name(database, "database", "database"), validate_name(table, "table", "table")
    )
    head = f"INSERT INTO {name} WITH LABEL {quote_identifier(validate_label(label), 'label')}"
    cols = list(columns or ())
    if cols:
        head += " (" + ", ".join(quote_identifier(c, "columns") for c in cols) + ")"
    head += f"\nSELECT {render_select_list(select, 'select')}\nFROM FILES"
    plain, redacted = property_list(files_properties, secret_keys)
    tail = f"\nWHERE {render_expression(where, 'where')}" if where is not None else ""
    return Statement(f"{head}{plain}{tail}", f"{head}{redacted}{tail}")


def submit_task(name: str, statement: Statement, properties: Mapping[str, object] | None = None) -> Statement:
    """
    Build ``SUBMIT TASK <name> [PROPERTIES (...)] AS <statement>`` (SUBMIT_TASK.md).

    :param name: the task name (unique; reusing it needs ``DROP TASK``).
    :param statement: the INSERT to run, with its redacted twin.
    :param properties: task properties such as ``session.insert_timeout``.
    """
    head = f"SUBMIT TASK {quote_identifier(validate_label(name), 'task name')}"
    if properties:
        props_sql, _ = property_list(properties)
        head += f"\nPROPERTIES {props_sql}"
    return Statement(f"{head}\nAS {statement.sql}", f"{head}\nAS {statement.redacted}")


def drop_task(name: str) -> Statement:
    """
    Build ``DROP TASK <name>``.

    :param name: the task name.
    """
    sql = f"DROP TASK {quote_identifier(validate_label(name), 'task name')}"
    return Statement(sql, sql)


# The status columns of information_schema.task_runs that every release since 3.1 has
# (catalog/system/information/TaskRunsSystemTable.java; JOB_ID and PROCESS_TIME exist from 4.0 only). DEFINITION
# and PROPERTIES are never read: before 3.5.6 DEFINITION holds the FILES() keys in clear text, and what is not
# selected cannot reach a log line, an XCom or an error message.
TASK_RUN_STATUS_COLUMNS = (
    "QUERY_ID",
    "TASK_NAME",
    "CREATE_TIME",
    "FINISH_TIME",
    "STATE",
    "`DATABASE`",
    "ERROR_CODE",
    "ERROR_MESSAGE",
    "PROGRESS",
)


def task_runs(name: str) -> Statement:
    """
    Build the ``information_schema.task_runs`` query for one task's runs (status columns only), newest first.

    :param name: the task name.
    """
    sql = (
        f"SELECT {', '.join(TASK_RUN_STATUS_COLUMNS)} FROM information_schema.task_runs WHERE TASK_NAME = "
        f"{quote_literal(name, 'task name')} ORDER BY CREATE_TIME DESC"
    )
    return Statement(sql, sql)
