"""External catalogs and file external tables: CREATE / DROP, SHOW, and the probes that validate them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_starrocks.exceptions import StarRocksSqlValueError
from airflow_provider_starrocks.utils.sql import (
    Statement,
    property_list,
    qualified_name,
    quote_identifier,
    quote_literal,
    validate_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


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
