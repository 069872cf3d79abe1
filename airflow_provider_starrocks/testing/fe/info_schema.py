"""``information_schema.loads`` (the 23- and 26-column layouts of ``releases.py``) and friends, queried by DuckDB over a snapshot."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlglot
from sqlglot import expressions as exp

from airflow_provider_starrocks.testing.fe.errors import engine_error, not_supported
from airflow_provider_starrocks.testing.fe.query import StarRocksRead, normalize, to_wire
from airflow_provider_starrocks.testing.fe.releases import LOADS_23, LOADS_26
from airflow_provider_starrocks.testing.fe.show_load import (
    DEFAULT_WAREHOUSE,
    job_details,
    progress,
    task_info,
    tracking_sql,
)

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.config import FeConfig
    from airflow_provider_starrocks.testing.fe.loads import LoadJob
    from airflow_provider_starrocks.testing.fe.store import Store
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

# Layouts per release: releases.LOADS_23 (3.1, 3.3) and releases.LOADS_26 (3.4+), from LoadsSystemTable.java.
LOADS_31 = list(LOADS_23)
LOADS_35 = list(LOADS_26)
_INT_COLUMNS = {"JOB_ID", "ID", "SCAN_ROWS", "SCAN_BYTES", "FILTERED_ROWS", "UNSELECTED_ROWS", "SINK_ROWS"}
_TIME_COLUMNS = {n for n in LOADS_31 + LOADS_35 if n.endswith("_TIME")}


def _time(ts: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(ts).replace(microsecond=0) if ts else None


def _row_31(job: LoadJob) -> list[Any]:
    # LoadJob.getLoadInfo (3.3.5): ETL_INFO is "" unless a SPARK job has counters.
    return [
        job.id, job.label, job.db, job.state, progress(job), job.type, job.props.priority, job.scan_rows,
        job.filtered_rows, job.unselected_rows, job.sink_rows, "",
        task_info(job), _time(job.create_time), _time(job.etl_start_time), _time(job.etl_finish_time),
        _time(job.load_start_time), _time(job.finish_time), job_details(job), job.error_text, None,
        tracking_sql(job) or None, None,
    ]  # fmt: skip


def _row_35(job: LoadJob) -> list[Any]:
    properties = {"timeout": job.props.timeout, "max_filter_ratio": job.props.max_filter_ratio}
    return [
        job.id, job.label, None, job.db, ",".join(job.tables), job.user, DEFAULT_WAREHOUSE, job.state,
        progress(job), job.type, job.props.priority, job.scan_rows, job.scan_bytes, job.filtered_rows,
        job.unselected_rows, job.sink_rows, job_details(job), _time(job.create_time), _time(job.load_start_time),
        _time(job.commit_time), _time(job.finish_time), json.dumps(properties), job.error_text,
        tracking_sql(job) or None, None, job.id,
    ]  # fmt: skip


def loads_snapshot(jobs: list[LoadJob], config: FeConfig) -> pa.Table:
    """Build the ``information_schema.loads`` rows for the emulated version.

    :param jobs: every job, in JobId order.
    :param config: the settings.
    """
    newest = config.release.loads_newest_layout
    names = LOADS_35 if newest else LOADS_31
    rows = [_row_35(j) if newest else _row_31(j) for j in jobs]
    columns = list(zip(*rows)) if rows else [() for _ in names]
    arrays = {}
    for name, values in zip(names, columns):
        if name in _INT_COLUMNS:
            kind: pa.DataType = pa.int64()
        elif name in _TIME_COLUMNS:
            kind = pa.timestamp("s")
        else:
            kind = pa.string()
        arrays[name] = pa.array(list(values), type=kind)
    return pa.table(arrays)


def referenced_system_table(sql: str) -> str | None:
    """Return ``loads``, ``task_runs``, ``tasks``, ``pipes`` or ``pipe_files`` when the statement reads that table.

    :param sql: the statement text.
    """
    lowered = " ".join(sql.lower().replace("`", "").split())
    for name in ("loads", "task_runs", "tasks", "pipes", "pipe_files"):
        if re.search(rf"information_schema\.{name}\b", lowered):
            return name
    return None


def labels_in_list(ts: TokenStream) -> set[str] | None:
    """Return the labels of ``SELECT * FROM information_schema.loads WHERE LABEL IN ('a', ...)``, else None.

    That is the batched status query of a shared poller: with thousands of labels, parsing it with sqlglot
    and filtering in DuckDB costs more than the rest of the answer, so its rows are picked by label first.

    :param ts: the token stream of the whole statement (not consumed).
    """
    tokens = ts.tokens
    words = [t.value.lower() if t.kind in ("ident", "qident", "symbol") else None for t in tokens[:11]]
    if words[:10] != ["select", "*", "from", "information_schema", ".", "loads", "where", "label", "in", "("]:
        return None
    labels: set[str] = set()
    for index in range(10, len(tokens), 2):
        if tokens[index].kind != "string":
            return None
        labels.add(tokens[index].value)
        after = tokens[index + 1]
        if after.kind != "symbol" or after.value not in (",", ")"):
            return None
        if after.value == ")":
            rest = [t for t in tokens[index + 2 :] if not (t.kind == "symbol" and t.value == ";")]
            return labels if [t.kind for t in rest] == ["eof"] else None
    return None


def query_snapshot(
    store: Store, sql: str, name: str, snapshot: pa.Table
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Run a SELECT on ``information_schema.<name>`` against a snapshot of its rows.

    :param store: the store (for a DuckDB cursor).
    :param sql: the SELECT text.
    :param name: the system table name.
    :param snapshot: its rows.
    """
    try:
        tree = sqlglot.parse_one(normalize(sql), read=StarRocksRead)
    except sqlglot.errors.ParseError as exc:
        raise not_supported(
            f"this information_schema.{name} query ({exc.errors[0]['description']})"
        ) from None
    if not isinstance(tree, exp.Select):
        raise not_supported(f"non-SELECT statements on information_schema.{name}")
    source = f"__sr_{name}"
    for node in list(tree.find_all(exp.Table)):
        if node.db.lower() != "information_schema" or node.name.lower() != name:
            raise not_supported(f"joining information_schema.{name} with other tables")
        replacement = exp.to_table(source)
        replacement.set("alias", node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name)))
        node.replace(replacement)
    cur = store.cursor()
    try:
        cur.register(source, snapshot)
        try:
            cur.execute(tree.sql(dialect="duckdb"))
        except Exception as exc:  # duckdb binder errors (unknown column...)
            raise engine_error(exc) from None
        columns = [d[0] for d in cur.description or []]
        return [tuple(to_wire(v) for v in row) for row in cur.fetchall()], columns
    finally:
        cur.close()
