"""
The arguments of the S3 operators as their plan builders read them: rendered, unchecked (no Airflow import).

A spec's field names are its operator's attribute names (``StarRocksAwsOperator.spec_of`` builds it); the plan
builder checks every field before any SQL.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class S3Spec:
    """What every S3 operator takes: the file format and its options, further properties, the AWS arguments."""

    format: Any
    format_options: Any
    properties: Any
    aws_conn_id: Any
    credential_mode: Any
    region: Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class LabelLoadSpec(S3Spec):
    """A labelled load (:class:`~airflow_provider_starrocks.operators._label_load.StarRocksLabelLoadOperator`)."""

    database: Any
    table: Any
    source: Any
    columns: Any
    where: Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class PipeSpec(S3Spec):
    """:class:`~airflow_provider_starrocks.operators.pipe.StarRocksCreatePipeOperator`."""

    database: Any
    pipe: Any
    table: Any
    source: Any
    select: Any
    if_exists: Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnloadSpec(S3Spec):
    """:class:`~airflow_provider_starrocks.operators.unload.StarRocksUnloadToS3Operator`."""

    path: Any
    sql: Any
    table: Any
    columns: Any
    where: Any
