"""
The arguments of the S3 operators as their plan builders read them: rendered, unchecked (no Airflow import).

Each spec is built by its operator from explicit arguments; the plan builder checks every field before any SQL.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class AwsSpec:
    """The AWS arguments (:class:`~airflow_provider_starrocks.operators._aws.StarRocksAwsOperator`)."""

    aws_conn_id: Any = None
    credential_mode: Any = "auto"
    region: Any = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class LabelLoadSpec(AwsSpec):
    """
    A labelled load's shared arguments.

    Field names and meanings are the operator's arguments
    (:class:`~airflow_provider_starrocks.operators._label_load.StarRocksLabelLoadOperator`).
    """

    database: Any
    table: Any = None
    source: Any = None
    format: Any = None
    format_options: Any = None
    columns: Any = None
    where: Any = None
    properties: Any = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class PipeSpec(AwsSpec):
    """The arguments of :class:`~airflow_provider_starrocks.operators.pipe.StarRocksCreatePipeOperator`."""

    database: Any
    pipe: Any
    table: Any
    source: Any
    format: Any = "parquet"
    format_options: Any = None
    select: Any = "*"
    properties: Any = None
    if_exists: Any = "error"


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnloadSpec(AwsSpec):
    """The arguments of :class:`~airflow_provider_starrocks.operators.unload.StarRocksUnloadToS3Operator`."""

    path: Any
    format: Any = "parquet"
    sql: Any = None
    table: Any = None
    columns: Any = None
    where: Any = None
    format_options: Any = None
    properties: Any = None
