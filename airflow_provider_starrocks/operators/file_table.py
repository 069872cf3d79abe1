"""Create a StarRocks file external table (``ENGINE=file``) on S3, with AWS auth from a connection."""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.operators._aws import StarRocksAwsOperator
from airflow_provider_starrocks.operators._create_flow import (
    Lifecycle,
    check_create_arguments,
    create_idempotently,
    statement_runner,
)
from airflow_provider_starrocks.utils import lineage, sql
from airflow_provider_starrocks.utils.aws_auth import build_aws_properties
from airflow_provider_starrocks.utils.column_types import parse_columns
from airflow_provider_starrocks.utils.statements import catalogs

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.utils.sql import Statement

# FileTable.SUPPORTED_FORMAT (fe/fe-core/src/main/java/com/starrocks/catalog/FileTable.java, pinterest-release-3.3.5
# 7c653fb8 and later): lower-case keys looked up with the raw value, so the name is sent lower-case. 3.1.4
# (8a7f4f51) accepts only parquet, orc and text. "text" is Hive's delimited text format.
FILE_TABLE_FORMATS = ("parquet", "orc", "text", "avro", "rctext", "rcbinary", "sequence")
# FileTable.JSON_KEY_*: options of the text format (FileTable.toThrift defaults: tab, \n, ",", ":").
TEXT_OPTIONS = ("column_separator", "row_delimiter", "collection_delimiter", "map_delimiter")
_S3_PATH = re.compile(r"s3[an]?://[a-z0-9][a-z0-9.\-]{1,62}(/\S*)?\Z")
_TABLE_NAME_LIMIT = 64


class StarRocksCreateFileExternalTableOperator(StarRocksAwsOperator):
    r"""
    Create a file external table in ``default_catalog`` over S3 files, validate it, never leave a broken one.

    The table is always created in ``default_catalog`` whatever the connection's ``catalog`` extra. Tables store
    their properties, so session tokens are refused. Needs the CREATE TABLE privilege on the database.

    :param database: the database of ``default_catalog`` that receives the table.
    :param table: the table name.
    :param columns: a list of ``(name, type)`` pairs, a dict of name to type, or a column DDL string such as
        ``"id BIGINT, tags ARRAY<STRING>"``; types are checked against a conservative StarRocks type grammar.
    :param path: the S3 location (``s3://bucket/prefix/``; a trailing ``/`` means every file under it).
    :param format: ``parquet``, ``orc``, ``text``, ``avro``, ``rctext``, ``rcbinary`` or ``sequence`` (sent
        lower-case; StarRocks 3.1 knows only ``parquet``, ``orc`` and ``text``). ``text`` reads delimited text
        files by column position, without quoting or a header line. ``csv`` is refused with that advice.
    :param column_separator: ``text`` only: the field separator (StarRocks's default: tab; ``","`` for CSV).
    :param row_delimiter: ``text`` only: the line separator (default ``\n``).
    :param collection_delimiter: ``text`` only: the ARRAY element separator (default ``,``).
    :param map_delimiter: ``text`` only: the MAP key/value separator (default ``:``).
    :param enable_recursive_listing: read files in sub-directories too (StarRocks's default: true).
    :param enable_wildcards: allow wildcards in ``path`` (StarRocks 3.1.9+; default false).
    :param aws_conn_id: the AWS connection for S3; ``None`` uses the StarRocks nodes' instance profile.
    :param credential_mode: how credentials are given to StarRocks; ``temporary`` is refused for tables.
    :param region: the AWS region; default the connection's ``region_name``.
    :param comment: the table comment.
    :param if_exists: ``error`` (default), ``ignore`` or ``replace`` (validated under a temporary name first).
    :param validate: read one row (``SELECT * ... LIMIT 1``) after creating; on failure drop it again and fail.
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields: Sequence[str] = ("database", "table", "columns", "path", "comment")

    def __init__(
        self,
        *,
        database: str,
        table: str,
        columns: str | list[tuple[str, str]] | dict[str, str],
        path: str,
        format: str,
        enable_recursive_listing: bool | None = None,
        enable_wildcards: bool | None = None,
        column_separator: str | None = None,
        row_delimiter: str | None = None,
        collection_delimiter: str | None = None,
        map_delimiter: str | None = None,
        comment: str | None = None,
        if_exists: str = "error",
        validate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.database = database
        self.table = table
        self.columns = columns
        self.path = path
        self.format = format
        self.enable_recursive_listing = enable_recursive_listing
        self.enable_wildcards = enable_wildcards
        self.column_separator = column_separator
        self.row_delimiter = row_delimiter
        self.collection_delimiter = collection_delimiter
        self.map_delimiter = map_delimiter
        self.comment = comment
        self.if_exists = if_exists
        self.validate = validate
        self._lineage_action: str | None = None  # created / replaced / ignored, for OpenLineage

    def _check_format(self) -> str:
        fmt = self.format
        if not isinstance(fmt, str) or fmt.strip().lower() not in FILE_TABLE_FORMATS:
            if isinstance(fmt, str) and fmt.strip().lower() == "csv":
                raise ValueError(
                    "format 'csv' is not a StarRocks file table format: use format='text' with "
                    "column_separator=',' for comma-separated files without quoted fields or a header line, "
                    "or read them with FILES() (format csv, which knows csv.skip_header and csv.enclose)."
                )
            raise ValueError(f"format {fmt!r} is not supported: use one of {', '.join(FILE_TABLE_FORMATS)}.")
        return fmt.strip().lower()

    def _text_options(self, fmt: str) -> dict[str, object]:
        given = {k: getattr(self, k) for k in TEXT_OPTIONS if getattr(self, k) is not None}
        if given and fmt != "text":
            raise ValueError(
                f"{', '.join(given)} only apply to format 'text', not {fmt!r}: remove them or use format='text'."
            )
        for name, value in given.items():
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {value!r}.")
        return dict(given)

    def build_statement(self, table: str) -> Statement:
        """Build the CREATE EXTERNAL TABLE statement for ``table``; raises ``ValueError`` on bad input."""
        check_create_arguments(self.if_exists, self.comment)
        for name in ("validate", "enable_recursive_listing", "enable_wildcards"):
            value = getattr(self, name)
            if not isinstance(value, bool) and not (value is None and name != "validate"):
                raise ValueError(f"{name} must be True or False, got {value!r}.")
        sql.validate_name(self.database, "database", "database")
        sql.validate_name(self.table, "table", "table")
        if not isinstance(self.path, str) or not _S3_PATH.match(self.path):
            raise ValueError(
                f"path {self.path!r} is invalid: give an S3 location such as 's3://bucket/prefix/' "
                "(s3://, s3a:// or s3n://)."
            )
        columns = parse_columns(self.columns)
        fmt = self._check_format()
        props: dict[str, object] = {"path": self.path, "format": fmt, **self._text_options(fmt)}
        if self.enable_recursive_listing is not None:
            props["enable_recursive_listing"] = self.enable_recursive_listing
        if self.enable_wildcards is not None:
            props["enable_wildcards"] = self.enable_wildcards
        aws = self._aws_properties
        props.update(aws)
        return catalogs.create_file_external_table(
            self.database, table, columns, props, aws.secret_keys, comment=self.comment or None
        )

    @cached_property
    def _aws_properties(self) -> Any:
        return build_aws_properties(
            self.aws_conn_id, "s3", credential_mode=self.credential_mode, region=self.region, purpose="table"
        )

    def execute(self, context: Context) -> dict[str, Any]:
        try:
            self.build_statement(self.table)
        except ValueError as err:
            raise AirflowFailException(f"{type(self).__name__} {self.task_id!r}: {err}") from None
        aws = self._aws_properties
        secret_values = [aws[k] for k in aws.secret_keys]
        conn = self.hook.get_conn(default_catalog=True)  # file external tables exist only in default_catalog
        run = statement_runner(self.hook, conn, secret_values)
        try:

            def exists(name: str) -> bool:
                rows, _ = run(catalogs.show_tables(self.database))
                return any(row[0] == name for row in rows)

            def validate(name: str) -> None:
                rows, _ = run(catalogs.select_one_row(self.database, name))
                self.log.info("Table %s.%s is readable: %d row(s) read.", self.database, name, len(rows))

            ops = Lifecycle(
                kind="table",
                exists=exists,
                create=lambda name: run(self.build_statement(name)),
                drop=lambda name: run(catalogs.drop_table(self.database, name)),
                validate=validate,
                temp_name_limit=_TABLE_NAME_LIMIT,
            )
            action = create_idempotently(ops, self.table, if_exists=self.if_exists, validate=self.validate)
        finally:
            conn.close()
        self._lineage_action = action
        return {
            "database": self.database,
            "table": self.table,
            "format": self._check_format(),
            "action": action,
            "validated": self.validate and action != "ignored",
        }

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the table (output, with its columns) and the S3 location it reads (input, and a symlink).

        :param task_instance: the task instance (unused).
        """
        from airflow_provider_starrocks.hooks.starrocks import (
            DEFAULT_CATALOG,  # file tables live in default_catalog
        )

        try:
            namespace = lineage.hook_namespace(self.hook)
            (location,) = lineage.s3_datasets([self.path])
            output = lineage.DatasetSpec(
                namespace,
                lineage.table_name(DEFAULT_CATALOG, self.database, self.table),
                columns=tuple(parse_columns(self.columns)),
                symlinks=((location.namespace, location.name, "LOCATION"),),
                lifecycle=lineage.LIFECYCLE.get(self._lineage_action or ""),
            )
        except Exception as exc:  # lineage never fails the task; arguments were checked by execute
            self.log.warning("No OpenLineage datasets for this file external table: %s", exc)
            return None
        return lineage.operator_lineage([location], [output])
