"""The checked, ready-to-render form of a broker load's arguments (no SQL is sent here)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import LoadArgumentError
from airflow_provider_starrocks.operators._load_spec import LabelLoadSpec
from airflow_provider_starrocks.utils import lineage
from airflow_provider_starrocks.utils.aws_auth import build_aws_properties
from airflow_provider_starrocks.utils.load_options import (
    build_description,
    check_properties,
    check_sources,
    load_timeout,
)
from airflow_provider_starrocks.utils.sql import validate_label, validate_name
from airflow_provider_starrocks.utils.statements.loads import broker_load

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_starrocks.utils.aws_auth import AwsProperties
    from airflow_provider_starrocks.utils.load_state import LoadState

_SINGLE = ("table", "source", "format", "format_options", "columns", "set_expressions", "where", "partitions")


@dataclasses.dataclass(frozen=True)
class LoadPlan:
    """
    Everything needed to submit the load under any label.

    :param database: the database.
    :param label: the base label.
    :param descriptions: rendered ``DATA INFILE`` clauses.
    :param broker: the ``aws.s3.*`` properties.
    :param properties: checked load PROPERTIES.
    """

    database: str
    label: str
    descriptions: tuple[str, ...]
    broker: AwsProperties
    properties: Mapping[str, Any]

    @property
    def load_timeout(self) -> int:
        return load_timeout(self.properties)

    #: What is submitted, for the log line.
    submit_kind = "broker load"

    @property
    def secrets(self) -> list[str]:
        return [self.broker[k] for k in self.broker.secret_keys]

    def statement(self, label: str) -> Any:
        """
        Render the ``LOAD LABEL`` statement (and its redacted twin) under ``label``.

        :param label: the label to submit under.
        """
        return broker_load(
            database=self.database,
            label=label,
            data_descriptions=self.descriptions,
            broker_properties=self.broker,
            secret_keys=self.broker.secret_keys,
            properties=self.properties,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class BrokerLoadSpec(LabelLoadSpec):
    """
    A broker load's arguments as the operator holds them after rendering: unchecked, possibly from ``dag_run.conf``.

    Field names and meanings are the operator's arguments (:class:`.StarRocksS3BrokerLoadOperator`).
    """

    load_label: Any
    data_descriptions: Any
    set_expressions: Any
    partitions: Any


def _specs(op: BrokerLoadSpec) -> list[tuple[dict[str, Any], str]]:
    single = {key: getattr(op, key) for key in _SINGLE if getattr(op, key) is not None}
    if op.data_descriptions is not None:
        if single:
            raise LoadArgumentError(
                f"data_descriptions: cannot be combined with {', '.join(sorted(single))}; put those into each "
                "data description, or drop data_descriptions for a single-table load."
            )
        descs = op.data_descriptions
        if not isinstance(descs, (list, tuple)) or not descs or not all(isinstance(d, dict) for d in descs):
            raise LoadArgumentError("data_descriptions: pass a non-empty list of dicts (table, source, ...).")
        return [(dict(d), f"data_descriptions[{i}]") for i, d in enumerate(descs)]
    for key in ("table", "source"):
        if single.get(key) in (None, "", []):
            raise LoadArgumentError(
                f"{key}: required for a single-table load; pass {key}= or data_descriptions=."
            )
    return [(single, "arguments")]


def build_plan(op: BrokerLoadSpec, base_label: str) -> LoadPlan:
    """
    Check every argument of a broker-load operator and return its plan; raises before any SQL is sent.

    :param op: the arguments, templates rendered.
    :param base_label: the label to use (user-given or derived).
    """
    validate_name(op.database, "database", "database")
    if op.load_label is not None:
        validate_label(op.load_label)
    descriptions: list[str] = []
    extra_props: dict[str, Any] = {}
    for spec, argument in _specs(op):
        clause, props = build_description(spec, argument if argument != "arguments" else "data description")
        for key, value in props.items():
            if extra_props.get(key, value) != value:
                raise LoadArgumentError(
                    f"{argument}['format_options'][{key!r}]: differs from another data description; StarRocks "
                    "takes JSON options per load, so use one value or separate loads."
                )
            extra_props[key] = value
        descriptions.append(clause)
    properties = {**check_properties(op.properties), **extra_props}
    broker = build_aws_properties(
        op.aws_conn_id, "s3", credential_mode=op.credential_mode, region=op.region, purpose="load"
    )
    plan = LoadPlan(op.database, validate_label(base_label), tuple(descriptions), broker, properties)
    plan.statement(plan.label)  # renders every literal once, so a value SQL cannot carry fails here
    return plan


def lineage_specs(
    op: BrokerLoadSpec, namespace: str, result: Mapping[str, Any] | None
) -> tuple[list[lineage.DatasetSpec], list[lineage.DatasetSpec]]:
    """
    Return the input (S3) and output (table) datasets of a broker load; raises ``ValueError`` on bad arguments.

    The column list names the files' columns, so it is the inputs' schema; it is the table's too unless
    ``set_expressions`` derive columns (then which names are table columns is not known here). Rows loaded are
    known for the whole job only, so they are reported when the job loads one table.

    :param op: the arguments, templates rendered.
    :param namespace: the FE's namespace.
    :param result: the task's result (``sink_rows``), or ``None`` when the load did not finish.
    """
    from airflow_provider_starrocks.hooks.starrocks import DEFAULT_CATALOG  # loads run in default_catalog

    inputs: dict[tuple[str, str], lineage.DatasetSpec] = {}
    tables: dict[str, tuple[tuple[str, str | None], ...]] = {}
    for spec, argument in _specs(op):
        columns = tuple(spec.get("columns") or ())
        for dataset in lineage.s3_datasets(check_sources(spec.get("source"), f"{argument} source"), columns):
            inputs.setdefault((dataset.namespace, dataset.name), dataset)
        name = lineage.table_name(DEFAULT_CATALOG, op.database, spec["table"])
        schema = () if spec.get("set_expressions") else tuple((c, None) for c in columns)
        tables[name] = tables.get(name) or schema
    rows = (result or {}).get("sink_rows") if len(tables) == 1 else None
    outputs = [
        lineage.DatasetSpec(namespace, name, columns=schema, rows=rows) for name, schema in tables.items()
    ]
    return list(inputs.values()), outputs


def result_of(state: LoadState, database: str) -> dict[str, Any]:
    """
    Return the task's result: the job's state as a JSON-safe dict, with the database.

    :param state: the final job state.
    :param database: the load's database.
    """
    return dataclasses.replace(state, database=database).to_dict()
