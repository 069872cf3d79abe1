"""Session statements: ``USE``, ``SET <variable>``, ``SET CATALOG``."""

from __future__ import annotations

from airflow_provider_starrocks.utils.sql import Statement, quote_identifier, render_value, validate_name


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


def set_default_catalog() -> Statement:
    """Build ``SET CATALOG default_catalog``: loads and their status live in the internal catalog."""
    return set_catalog("default_catalog")
