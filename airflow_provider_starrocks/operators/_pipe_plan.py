"""
The checked form of a CREATE PIPE's arguments (no SQL is sent here).

Pipe properties from ``sql/analyzer/PipeAnalyzer.java`` (pinterest/starrocks ``pinterest-release-3.3.5`` 7c653fb8;
the same list on 3.4.0, 3.5 and main): ``auto_ingest`` (boolean), ``poll_interval`` (1..3600 s),
``batch_size`` (a data volume such as ``1GB``), ``batch_files`` (1..1024), ``warehouse`` and ``task.<session
variable>``; keys are case-insensitive. Pipes arrived in 3.2, ``CREATE OR REPLACE PIPE`` in 3.2.3 (CREATE_PIPE.md).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.operators._files_plan import FILES_FORMATS
from airflow_provider_starrocks.utils.aws_auth import (
    AwsSecretsMixin,
    build_aws_properties,
    check_no_auth_keys,
)
from airflow_provider_starrocks.utils.load_options import (
    argument_error as _fail,
)
from airflow_provider_starrocks.utils.load_options import (
    check_sources,
    split_format_options,
)
from airflow_provider_starrocks.utils.sql import validate_name
from airflow_provider_starrocks.utils.statements.files import select_from_files
from airflow_provider_starrocks.utils.statements.pipes import CREATE_FORMS, PIPE_SINCE, create_pipe

if TYPE_CHECKING:
    from airflow_provider_starrocks.operators._load_spec import PipeSpec
    from airflow_provider_starrocks.utils.aws_auth import AwsProperties
    from airflow_provider_starrocks.utils.sql import Statement

REPLACE_SINCE = (3, 2, 3)
# ParseUtil.parseDataVolumeStr: a number with an optional B/K/KB/M/MB/G/GB/T/TB/P/PB unit (case-insensitive).
_DATA_VOLUME = re.compile(r"^\d+(\.\d+)?\s*([kmgtp]?b?)?\Z", re.IGNORECASE)
_TASK_VARIABLE = re.compile(r"^task\.[A-Za-z_][A-Za-z0-9_]*\Z", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class PipePlan(AwsSecretsMixin):
    """
    Everything needed to create the pipe.

    :param database: the database of the pipe and of its table.
    :param pipe: the pipe name.
    :param table: the target table.
    :param files_properties: FILES() properties without auth.
    :param auth: the ``aws.s3.*`` properties (stored with the pipe: no session token).
    :param pipe_properties: the checked pipe properties.
    :param select: the select list.
    :param if_exists: ``error``, ``ignore`` or ``replace``.
    :param min_version: the oldest release that runs the statement.
    :param feature: what needs ``min_version``.
    """

    database: str
    pipe: str
    table: str
    files_properties: Mapping[str, Any]
    auth: AwsProperties
    pipe_properties: Mapping[str, Any]
    select: str
    if_exists: str
    min_version: tuple[int, ...]
    feature: str

    def statement(self) -> Statement:
        """Render the CREATE PIPE statement and its redacted twin."""
        return create_pipe(
            database=self.database,
            pipe=self.pipe,
            table=self.table,
            source=select_from_files(
                self.select, {**self.files_properties, **self.auth}, self.auth.secret_keys
            ),
            pipe_properties=self.pipe_properties,
            if_exists=self.if_exists,
        )


def _int_in(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(
            name, f"{value!r} is not a whole number in [{low}, {high}]", f"pass e.g. {low if low > 1 else 60}"
        )
    return value


def check_pipe_properties(properties: object) -> dict[str, Any]:
    """
    Return the pipe properties checked as PipeAnalyzer checks them, else raise naming the key.

    :param properties: the ``properties`` argument.
    """
    if properties is None:
        return {}
    if not isinstance(properties, Mapping):
        raise _fail("properties", f"got {type(properties).__name__}", "pass a dict of pipe property -> value")
    out: dict[str, Any] = {}
    for key, value in properties.items():
        name = f"properties[{key!r}]"
        lowered = key.strip().lower() if isinstance(key, str) else None
        if lowered == "auto_ingest":
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                value = value.strip().lower() == "true"
            if not isinstance(value, bool):
                raise _fail(name, f"{value!r} is not a boolean", "pass True or False")
        elif lowered == "poll_interval":
            value = _int_in(name, value, 1, 3600)  # Pipe.MAX_POLL_INTERVAL
        elif lowered == "batch_files":
            value = _int_in(name, value, 1, 1024)
        elif lowered == "batch_size":
            if isinstance(value, bool) or not (
                isinstance(value, int)
                and value > 0
                or isinstance(value, str)
                and _DATA_VOLUME.match(value.strip())
            ):
                raise _fail(
                    name, f"{value!r} is not a data volume", "pass bytes (an int) or a text such as '1GB'"
                )
        elif lowered == "warehouse":
            if not isinstance(value, str) or not value.strip():
                raise _fail(name, f"got {value!r}", "pass the warehouse name")
        elif lowered is not None and _TASK_VARIABLE.match(lowered):
            if not isinstance(value, (str, int, float, bool)):
                raise _fail(name, f"got {type(value).__name__}", "pass a string, number or boolean")
        else:
            raise _fail(
                name,
                "is not a pipe property",
                "use AUTO_INGEST, POLL_INTERVAL, BATCH_SIZE, BATCH_FILES, WAREHOUSE or TASK.<session variable>; "
                "FILES() options go in format_options",
            )
        out[key.strip()] = value
    return out


def build_pipe_plan(op: PipeSpec) -> PipePlan:
    """
    Check every argument of :class:`StarRocksCreatePipeOperator`; raises ``ValueError`` before any SQL.

    :param op: the operator's arguments, templates rendered.
    """
    validate_name(op.database, "database", "database")
    validate_name(op.pipe, "pipe")
    validate_name(op.table, "table", "table")
    if op.if_exists not in CREATE_FORMS:
        raise _fail(
            "if_exists", f"{op.if_exists!r} is not supported", f"use one of {', '.join(CREATE_FORMS)}"
        )
    if not isinstance(op.source, str):
        raise _fail("source", f"got {op.source!r}", "pass one s3:// prefix or glob, e.g. s3://bucket/daily/*")
    (path,) = check_sources(op.source, "source")
    fmt = op.format.lower() if isinstance(op.format, str) else op.format
    if fmt not in FILES_FORMATS:
        raise _fail("format", f"{op.format!r} is not supported by pipes", "use parquet, orc or csv")
    _, csv_options, _ = split_format_options(fmt, op.format_options, "format_options")
    if not isinstance(op.select, str):
        raise _fail("select", f"got {type(op.select).__name__}", "pass the select list as a string, e.g. '*'")
    pipe_properties = check_pipe_properties(op.properties)
    check_no_auth_keys(pipe_properties, "properties")
    auth = build_aws_properties(
        op.aws_conn_id, "s3", credential_mode=op.credential_mode, region=op.region, purpose="pipe"
    )
    gates: list[tuple[tuple[int, ...], str]] = [
        (PIPE_SINCE, "pipes (CREATE PIPE)"),
        (FILES_FORMATS[fmt], f"FILES() with format {fmt!r}"),
    ]
    if op.if_exists == "replace":
        gates.append((REPLACE_SINCE, "if_exists='replace' (CREATE OR REPLACE PIPE)"))
    min_version, feature = max(gates, key=lambda gate: gate[0])
    files = {"path": path, "format": fmt, **{f"csv.{k}": v for k, v in csv_options.items()}}
    plan = PipePlan(
        op.database,
        op.pipe,
        op.table,
        files,
        auth,
        pipe_properties,
        op.select,
        op.if_exists,
        min_version,
        feature,
    )
    plan.statement()  # renders the select list and every literal once
    return plan
