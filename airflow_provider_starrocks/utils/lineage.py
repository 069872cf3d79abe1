"""
OpenLineage datasets of the operators: naming, facets and the ``OperatorLineage`` they return.

Naming follows the OpenLineage naming spec (``spec/Naming.md``, https://openlineage.io/docs/spec/naming):

- StarRocks tables: namespace ``starrocks://{host}:{port}`` of the FE (default port 9030), name
  ``{catalog}.{database}.{table}``, the spec's rule for Trino (``trino://{host}:{port}``,
  ``{catalog}.{schema}.{table}``): StarRocks, too, names a table by catalog, database and table, and a
  ``database.table`` name (the MySQL rule) would make ``default_catalog`` tables and external-catalog tables
  collide.
- S3 objects: namespace ``s3://{bucket}``, name the object key (the spec's S3 rule); ``s3a://`` and ``s3n://``
  paths are the same objects and use ``s3://`` too. A glob or a directory is named after the directory that
  holds every matching object: the key up to the first wildcard, cut back to the last ``/``, without leading and
  trailing slashes (``/`` for the bucket root), as the Google provider's ``extract_ds_name_from_gcs_path`` does
  for GCS (``airflow/providers/google/cloud/openlineage/utils.py``).

The OpenLineage classes are imported inside :func:`operator_lineage` only, so that importing an operator never
imports ``openlineage``; without the openlineage provider it returns ``None``. Nothing here reads credentials:
datasets are built from table names and S3 paths, and a path's ``user:password@`` part is dropped.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

STARROCKS_SCHEME = "starrocks"
#: The FE's MySQL-protocol port when the connection names none (as the hook connects).
DEFAULT_FE_PORT = 9030
# StarRocks path globs (HdfsUtil / Hadoop globStatus): *, ?, [...] and {a,b}.
_WILDCARD = re.compile(r"[*?\[{]")
_S3_PATH = re.compile(r"^s3[an]?://([^/\s]+)(/.*)?\Z", re.DOTALL)
#: ``lifecycleStateChange`` of what a create operator did (``_create_flow`` actions); ``ignored`` changed nothing.
LIFECYCLE = {"created": "CREATE", "replaced": "OVERWRITE"}


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """
    One dataset of an operator's lineage, in plain values (no OpenLineage classes).

    :param namespace: the datasource, e.g. ``s3://bucket`` or ``starrocks://fe:9030``.
    :param name: the dataset name within the namespace.
    :param columns: ``(name, type)`` pairs for a schema facet (type ``None`` when unknown); empty: no facet.
    :param rows: rows written, for an output statistics facet.
    :param symlinks: ``(namespace, name, type)`` of other identifiers of the same dataset.
    :param lifecycle: ``CREATE``, ``OVERWRITE``, ... for a lifecycle state change facet.
    """

    namespace: str
    name: str
    columns: tuple[tuple[str, str | None], ...] = ()
    rows: int | None = None
    symlinks: tuple[tuple[str, str, str], ...] = ()
    lifecycle: str | None = None


def authority(host: str | None, port: int | str | None) -> str:
    """
    Return ``{host}:{port}`` of a StarRocks FE, the host lower-cased as ``urlparse`` gives it to other producers.

    :param host: the connection's host.
    :param port: the connection's port (default 9030).
    """
    return f"{(host or 'localhost').lower()}:{int(port or DEFAULT_FE_PORT)}"


def starrocks_namespace(host: str | None, port: int | str | None) -> str:
    """
    Return the namespace of a StarRocks FE: ``starrocks://{host}:{port}``.

    :param host: the connection's host.
    :param port: the connection's port (default 9030).
    """
    return f"{STARROCKS_SCHEME}://{authority(host, port)}"


def hook_namespace(hook: Any) -> str:
    """
    Return the namespace of the FE a :class:`StarRocksHook` connects to (host and port only).

    :param hook: the operator's hook.
    """
    conn = hook.connection
    return starrocks_namespace(conn.host, conn.port)


def table_name(catalog: str, database: str, table: str) -> str:
    """
    Return a StarRocks table's dataset name, ``{catalog}.{database}.{table}``.

    :param catalog: the catalog (``default_catalog`` for internal and file external tables).
    :param database: the database.
    :param table: the table.
    """
    return f"{catalog}.{database}.{table}"


def s3_dataset(path: str) -> tuple[str, str]:
    """
    Return ``(namespace, name)`` of an S3 path, a directory or a glob (see the module docstring).

    :param path: ``s3://bucket/key``, ``s3a://...`` or ``s3n://...``; globs allowed.
    """
    match = _S3_PATH.match(path.strip())
    if not match:
        raise ValueError(f"{path!r} is not an s3:// path")
    bucket = match.group(1).rpartition("@")[2]  # never a user:password@ part
    key = match.group(2) or "/"
    wildcard = _WILDCARD.search(key)
    if wildcard:
        key = key[: wildcard.start()]
        key = key[: key.rfind("/") + 1]  # a partial file name is not a dataset: its directory is
    key = key.strip("/")
    return f"s3://{bucket}", key or "/"


def s3_datasets(paths: Iterable[str], columns: Sequence[str] = ()) -> list[DatasetSpec]:
    """
    Return the input datasets of S3 paths, one per distinct name, in order.

    :param paths: the paths read.
    :param columns: the files' column names, when the operator names them.
    """
    seen: dict[tuple[str, str], DatasetSpec] = {}
    for path in paths:
        namespace, name = s3_dataset(path)
        seen.setdefault(
            (namespace, name), DatasetSpec(namespace, name, columns=tuple((c, None) for c in columns))
        )
    return list(seen.values())


def operator_lineage(
    inputs: Sequence[DatasetSpec],
    outputs: Sequence[DatasetSpec],
    *,
    job_id: str | None = None,
    source: str | None = None,
) -> Any:
    """
    Build the ``OperatorLineage`` an operator returns, or ``None`` without the openlineage provider.

    :param inputs: the datasets read.
    :param outputs: the datasets written or created.
    :param job_id: the StarRocks job (load job id or label), for an ``externalQuery`` run facet.
    :param source: the namespace of the FE that ran the job.
    """
    try:
        from airflow.providers.common.compat.openlineage.facet import (
            ExternalQueryRunFacet,
            Identifier,
            InputDataset,
            LifecycleStateChange,
            LifecycleStateChangeDatasetFacet,
            OutputDataset,
            OutputStatisticsOutputDatasetFacet,
            SchemaDatasetFacet,
            SchemaDatasetFacetFields,
            SymlinksDatasetFacet,
        )
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:
        return None

    def facets(spec: DatasetSpec) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if spec.columns:
            out["schema"] = SchemaDatasetFacet(
                fields=[SchemaDatasetFacetFields(name=name, type=kind) for name, kind in spec.columns]
            )
        if spec.symlinks:
            out["symlinks"] = SymlinksDatasetFacet(
                identifiers=[
                    Identifier(namespace=ns, name=name, type=kind) for ns, name, kind in spec.symlinks
                ]
            )
        if spec.lifecycle:
            out["lifecycleStateChange"] = LifecycleStateChangeDatasetFacet(
                lifecycleStateChange=LifecycleStateChange(spec.lifecycle)
            )
        return out

    run_facets: dict[str, Any] = {}
    if job_id and source:
        run_facets["externalQuery"] = ExternalQueryRunFacet(externalQueryId=str(job_id), source=source)
    return OperatorLineage(
        inputs=[InputDataset(namespace=s.namespace, name=s.name, facets=facets(s)) for s in inputs],
        outputs=[
            OutputDataset(
                namespace=s.namespace,
                name=s.name,
                facets=facets(s),
                outputFacets=(
                    {"outputStatistics": OutputStatisticsOutputDatasetFacet(rowCount=s.rows)}
                    if s.rows is not None
                    else {}
                ),
            )
            for s in outputs
        ],
        run_facets=run_facets,
    )
