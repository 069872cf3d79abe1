"""
``INSERT INTO FILES(...) <query>``: query results written to S3 (StarRocks 3.2+).

Grammar (StarRocks.g4 ``insertStatement``, pinterest/starrocks ``pinterest-release-3.3.5``
7c653fb8f0cf2f74c087bfd92826f55d53ef8db8): ``INSERT (INTO | OVERWRITE) (qualifiedName partitionNames? |
(FILES propertyList) | ...) (WITH LABEL label=identifier)? columnAliases? queryStatement``. ``WITH LABEL`` is not
rendered: for a FILES() target StarRocks neither registers a load job nor opens a transaction, and reports
the fake label ``FAKE_TABLE_FUNCTION_TABLE_SINK_LABEL`` (``StatementPlanner.beginTransaction`` returns early for
``useTableFunctionAsTargetTable()``; ``StmtExecutor.handleDMLStmt`` skips ``registerLoadJob`` for
``isTableFunctionTable()``), so a label would be read nowhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_starrocks.utils.expressions import render_expression
from airflow_provider_starrocks.utils.queries import render_query
from airflow_provider_starrocks.utils.sql import (
    StarRocksSqlValueError,
    Statement,
    property_list,
    qualified_name,
    quote_identifier,
    validate_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


def split_table_name(table: object, argument: str = "table") -> tuple[str, ...]:
    """
    Split ``db.table`` or ``catalog.db.table`` into its parts, each checked as StarRocks names it.

    :param table: the qualified name.
    :param argument: the argument it came from, for the error message.
    """
    parts = table.split(".") if isinstance(table, str) else []
    if len(parts) not in (2, 3):
        raise StarRocksSqlValueError(
            f"{argument} {table!r} is not a qualified table name: pass 'database.table' or "
            "'catalog.database.table'."
        )
    *head, name = parts
    checked = [validate_name(name, argument, "table")]
    checked.insert(0, validate_name(head[-1], f"{argument} (database part)", "database"))
    if len(head) == 2:
        checked.insert(0, validate_name(head[0], f"{argument} (catalog part)", "catalog"))
    return tuple(checked)


def table_query(table: Iterable[str], columns: Iterable[str] = (), where: str | None = None) -> str:
    """
    Render ``SELECT <columns | *> FROM <table> [WHERE <predicate>]``.

    :param table: the name's parts from :func:`split_table_name`.
    :param columns: the columns to write (checked names), all when empty.
    :param where: a predicate, parsed and re-rendered.
    """
    cols = [quote_identifier(c, "columns") for c in columns]
    sql = f"SELECT {', '.join(cols) if cols else '*'}\nFROM {qualified_name(*table)}"
    if where is not None:
        sql += f"\nWHERE {render_expression(where, 'where')}"
    return sql


def unload_to_files(
    *, files_properties: Mapping[str, object], query: str, secret_keys: Iterable[str] = ()
) -> Statement:
    """
    Build ``INSERT INTO FILES(...)`` followed by one query.

    :param files_properties: ``path``, ``format``, write options, format options and auth properties.
    :param query: a SELECT; checked by :func:`~airflow_provider_starrocks.utils.expressions.render_query`.
    :param secret_keys: the property keys to redact.
    """
    body = render_query(query, "sql")
    plain, redacted = property_list(files_properties, secret_keys)
    return Statement(f"INSERT INTO FILES{plain}\n{body}", f"INSERT INTO FILES{redacted}\n{body}")
