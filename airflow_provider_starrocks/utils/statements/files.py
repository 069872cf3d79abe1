"""``INSERT ... SELECT FROM FILES()``, ``SUBMIT TASK`` / ``DROP TASK`` and ``information_schema.task_runs``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_starrocks.utils.expressions import render_expression, render_select_list
from airflow_provider_starrocks.utils.sql import (
    Statement,
    property_list,
    qualified_name,
    quote_identifier,
    quote_literal,
    validate_label,
    validate_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


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
    source = select_from_files(select, files_properties, secret_keys)
    tail = f"\nWHERE {render_expression(where, 'where')}" if where is not None else ""
    return Statement(f"{head}\n{source.sql}{tail}", f"{head}\n{source.redacted}{tail}")


def select_from_files(
    select: str, properties: Mapping[str, object], secret_keys: Iterable[str] = ()
) -> Statement:
    """
    Build ``SELECT <select> FROM FILES(...)``, the source of a FILES() INSERT and of a pipe.

    :param select: the select list, parsed and re-rendered.
    :param properties: the FILES() properties.
    :param secret_keys: the property keys to redact.
    """
    head = f"SELECT {render_select_list(select, 'select')}\nFROM FILES"
    plain, redacted = property_list(properties, secret_keys)
    return Statement(head + plain, head + redacted)


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
    return statement.after(f"{head}\nAS ")


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
