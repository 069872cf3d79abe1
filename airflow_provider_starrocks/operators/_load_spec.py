"""The arguments every labelled S3 load takes, as its plan builder reads them (no Airflow import)."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class LabelLoadSpec:
    """
    A labelled load's shared arguments as the operator holds them after rendering: unchecked.

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
    aws_conn_id: Any = None
    credential_mode: Any = "auto"
    region: Any = None
