"""
Broker-load arguments checked before any SQL is sent: sources, formats, format options and PROPERTIES.

Every error names the argument and the fix. Known PROPERTIES keys (LoadStmt.checkProperties) are type-checked;
unknown keys are passed on with a warning so that a newer server's options stay usable, and StarRocks decides.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_starrocks.exceptions import LoadArgumentError  # noqa: F401  (re-exported)
from airflow_provider_starrocks.utils.arguments import (  # noqa: F401  (re-exported: they were defined here)
    argument_error,
    check_flag,
    check_poll_interval,
    check_sources,
    deferrable_flag,
)
from airflow_provider_starrocks.utils.aws_auth import check_no_auth_keys
from airflow_provider_starrocks.utils.column_types import check_column_name
from airflow_provider_starrocks.utils.sql import validate_name
from airflow_provider_starrocks.utils.statements.loads import broker_load_data_description

log = logging.getLogger(__name__)

FORMATS = {"csv": "CSV", "parquet": "Parquet", "orc": "ORC", "json": "JSON"}
CSV_OPTIONS = ("column_separator", "row_delimiter", "skip_header", "trim_space", "enclose", "escape")
# JSON options are load PROPERTIES in BROKER_LOAD.md (v3.2.3+), not data_desc clauses.
JSON_OPTIONS = ("jsonpaths", "json_root", "strip_outer_array")
DESCRIPTION_KEYS = (
    "table",
    "source",
    "format",
    "format_options",
    "columns",
    "set_expressions",
    "where",
    "partitions",
)
PRIORITIES = ("HIGHEST", "HIGH", "NORMAL", "LOW", "LOWEST")
DEFAULT_LOAD_TIMEOUT = 14400  # seconds; StarRocks's broker load default


_fail = argument_error


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(key: str, value: object, minimum: int, argument: str | None = None) -> int:
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        value = int(value)
    if not _is_int(value) or value < minimum:  # type: ignore[operator]
        raise _fail(
            argument or f"properties[{key!r}]",
            f"{value!r} is not an integer >= {minimum}",
            "pass a whole number",
        )
    return value  # type: ignore[return-value]


def _check_bool(key: str, value: object) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise _fail(key, f"{value!r} is not a boolean", "pass True or False")
    return value


def _check_ratio(key: str, value: object) -> float:
    try:
        ratio = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ratio = -1.0
    if isinstance(value, bool) or not 0.0 <= ratio <= 1.0:
        raise _fail(
            f"properties[{key!r}]", f"{value!r} is not between 0.0 and 1.0", "pass a ratio such as 0.1"
        )
    return ratio


def _check_choice(key: str, value: object, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value.upper() not in choices:
        raise _fail(f"properties[{key!r}]", f"{value!r} is not supported", f"use one of {', '.join(choices)}")
    return value.upper()


def _check_text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"properties[{key!r}]", f"{value!r} is not a non-empty string", "pass a string")
    return value


_KNOWN: dict[str, Any] = {
    "timeout": lambda k, v: _check_int(k, v, 1),
    "max_filter_ratio": _check_ratio,
    "strict_mode": lambda k, v: _check_bool(f"properties[{k!r}]", v),
    "timezone": _check_text,
    "priority": lambda k, v: _check_choice(k, v, PRIORITIES),
    "log_rejected_record_num": lambda k, v: _check_int(k, v, -1),
    "load_mem_limit": lambda k, v: _check_int(k, v, 0),
    "partial_update": lambda k, v: _check_bool(f"properties[{k!r}]", v),
    "partial_update_mode": lambda k, v: _check_choice(k, v, ("ROW", "COLUMN", "AUTO")).lower(),
    "merge_condition": _check_text,
}


def check_properties(properties: Mapping[str, Any] | None) -> dict[str, Any]:
    """
    Type-check the load PROPERTIES; warn about unknown keys and pass them on.

    :param properties: the user's ``properties`` argument.
    """
    if properties is None:
        return {}
    if not isinstance(properties, Mapping):
        raise _fail("properties", f"got {type(properties).__name__}", "pass a dict of property -> value")
    check_no_auth_keys(properties, "properties")
    checked: dict[str, Any] = {}
    for key, value in properties.items():
        if not isinstance(key, str) or not key.strip():
            raise _fail(
                "properties", f"key {key!r} is not a non-empty string", "use StarRocks property names"
            )
        if key in _KNOWN:
            checked[key] = _KNOWN[key](key, value)
            continue
        if key in JSON_OPTIONS:
            raise _fail(f"properties[{key!r}]", "is a JSON format option", "pass it in format_options")
        log.warning(
            "Load property %r is not one this provider knows; passing it on for StarRocks to judge.", key
        )
        if not isinstance(value, (str, int, float, bool)):
            raise _fail(
                f"properties[{key!r}]", f"got {type(value).__name__}", "pass a str, int, float or bool"
            )
        checked[key] = value
    return checked


def load_timeout(properties: Mapping[str, Any]) -> int:
    """
    Return the load's StarRocks timeout in seconds.

    :param properties: checked properties.
    """
    return int(properties.get("timeout", DEFAULT_LOAD_TIMEOUT))


def _single_byte(key: str, value: object, argument: str) -> str:
    if not isinstance(value, str) or len(value.encode("utf-8")) != 1:
        raise _fail(f"{argument}[{key!r}]", f"{value!r} is not a single one-byte character", "pass e.g. '\"'")
    return value


def _csv_options(options: Mapping[str, Any], argument: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        name = f"{argument}[{key!r}]"
        if key in ("column_separator", "row_delimiter"):
            if not isinstance(value, str) or not value or len(value.encode("utf-8")) > 50:
                raise _fail(name, f"{value!r} is not a 1 to 50 byte string", "pass e.g. ',' or '\\x01'")
            out[key] = value
        elif key == "skip_header":
            out[key] = _check_int(key, value, 0, name)
        elif key == "trim_space":
            out[key] = _check_bool(name, value)
        else:
            out[key] = _single_byte(key, value, argument)
    return out


def _json_options(options: Mapping[str, Any], argument: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in options.items():
        name = f"{argument}[{key!r}]"
        if key == "strip_outer_array":
            out[key] = _check_bool(name, value)
        elif key == "jsonpaths" and isinstance(value, (list, tuple)):
            if not all(isinstance(v, str) for v in value):
                raise _fail(name, "contains a non-string", "pass a list of JSON paths such as ['$.id']")
            out[key] = json.dumps(list(value))
        elif isinstance(value, str) and value.strip():
            out[key] = value
        else:
            raise _fail(name, f"{value!r} is not a non-empty string", "pass e.g. '$.items'")
    return out


def split_format_options(
    file_format: str | None, options: Mapping[str, Any] | None, argument: str
) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
    """
    Check a format and its options; return the SQL format name, data_desc options and load PROPERTIES.

    :param file_format: ``csv``, ``parquet``, ``orc``, ``json`` or ``None`` (StarRocks infers it).
    :param options: the format options.
    :param argument: the argument prefix, for errors (e.g. ``"format_options"``).
    """
    if file_format is not None and (not isinstance(file_format, str) or file_format.lower() not in FORMATS):
        raise _fail("format", f"{file_format!r} is not supported", f"use one of {', '.join(FORMATS)}")
    fmt = file_format.lower() if file_format else None
    if options is not None and not isinstance(options, Mapping):
        raise _fail(argument, f"got {type(options).__name__} {options!r}", "pass a dict of option -> value")
    options = dict(options or {})
    allowed = CSV_OPTIONS if fmt == "csv" else JSON_OPTIONS if fmt == "json" else ()
    if fmt is None and options:
        allowed = CSV_OPTIONS
    unknown = [k for k in options if k not in allowed]
    if unknown:
        hint = f"{fmt or 'the inferred'} format accepts {', '.join(allowed) or 'no options'}"
        raise _fail(argument, f"unknown option(s) {unknown}", hint)
    if fmt == "json":
        return FORMATS[fmt], {}, _json_options(options, argument)
    return (FORMATS[fmt] if fmt else None), _csv_options(options, argument), {}


def _names(value: object, argument: str, check: Any) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not items or not all(isinstance(v, str) and v for v in items):
        raise _fail(argument, f"got {value!r}", "pass a non-empty list of names")
    return [check(item, argument) for item in items]


def build_description(spec: Mapping[str, Any], argument: str) -> tuple[str, dict[str, Any]]:
    """
    Check one data description and render it; return the clause and the load PROPERTIES it needs.

    :param spec: ``table``, ``source`` and optionally ``format``, ``format_options``, ``columns``,
        ``set_expressions``, ``where``, ``partitions``.
    :param argument: the argument it came from, for errors.
    """
    unknown = [k for k in spec if k not in DESCRIPTION_KEYS]
    if unknown:
        raise _fail(argument, f"unknown key(s) {unknown}", f"use {', '.join(DESCRIPTION_KEYS)}")
    table = spec.get("table")
    if not isinstance(table, str) or not table:
        raise _fail(f"{argument}['table']", f"got {table!r}", "name the target table")
    validate_name(table, f"{argument}['table']", "table")
    sql_format, desc_options, load_props = split_format_options(
        spec.get("format"), spec.get("format_options"), f"{argument}['format_options']"
    )
    set_expressions = spec.get("set_expressions")
    if set_expressions is not None and (not isinstance(set_expressions, Mapping) or not set_expressions):
        raise _fail(
            f"{argument}['set_expressions']", f"got {set_expressions!r}", "pass a dict column -> expression"
        )
    for column in set_expressions or ():
        check_column_name(column, f"{argument}['set_expressions'] column")
    where = spec.get("where")
    if where is not None and not isinstance(where, str):
        raise _fail(f"{argument}['where']", f"got {type(where).__name__}", "pass the predicate as a string")
    clause = broker_load_data_description(
        table=table,
        paths=check_sources(spec.get("source"), f"{argument}['source']"),
        file_format=sql_format,
        columns=_names(spec.get("columns"), f"{argument}['columns']", check_column_name),
        set_expressions=set_expressions,
        where=where,
        partitions=_names(
            spec.get("partitions"), f"{argument}['partitions']", lambda p, a: validate_name(p, a, "catalog")
        ),
        **desc_options,
    )
    return clause, load_props
