"""
Broker load statements: LOAD LABEL, SHOW LOAD, information_schema.loads, CANCEL LOAD, the rejected-row log.

StarRocks.g4 loadStatement, dataDesc, formatProps, brokerDesc, showLoadStatement, cancelLoadStatement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_starrocks.exceptions import StarRocksSqlValueError
from airflow_provider_starrocks.utils.expressions import render_expression
from airflow_provider_starrocks.utils.sql import (
    Statement,
    property_list,
    qualified_name,
    quote_identifier,
    quote_literal,
    validate_label,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


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
    for keyword, text, what in (
        ("COLUMNS TERMINATED BY", column_separator, "column_separator"),
        ("ROWS TERMINATED BY", row_delimiter, "row_delimiter"),
        ("FORMAT AS", file_format, "format"),
    ):
        if text is not None:
            parts.append(f"{keyword} {quote_literal(text, what)}")
    # formatProps: fixed keyword order, no commas.
    props = []
    if skip_header is not None:
        props.append(f"skip_header = {int(skip_header)}")
    if trim_space is not None:
        props.append(f"trim_space = {'true' if trim_space else 'false'}")
    props += [
        f"{key} = {quote_literal(text, key)}"
        for key, text in (("enclose", enclose), ("escape", escape))
        if text is not None
    ]
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
