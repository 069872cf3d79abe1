"""SHOW LOAD and CANCEL LOAD: predicate checks (``ShowLoadStmt`` analysis) and the result layouts by version.

Layouts per release: ``releases.Release.show_load_columns`` (20 columns on 3.1 and 3.3, 21 with ``Warehouse`` from
3.4.0); cells after ``LoadJob.getShowInfo`` (fe/fe-core/src/main/java/com/starrocks/load/loadv2/LoadJob.java).
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.fe.errors import ERR_NO_DB, StarRocksError, analysis_error

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.config import FeConfig
    from airflow_provider_starrocks.testing.fe.loads import LoadJob
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

WHERE_ERROR = (
    'Where clause should looks like: LABEL = "your_load_label", or LABEL LIKE "matcher",  '
    'or STATE = "PENDING|ETL|LOADING|FINISHED|CANCELLED|QUEUEING",  or compound predicate with operator AND'
)
SHOW_STATES = ("PENDING", "ETL", "LOADING", "FINISHED", "CANCELLED", "QUEUEING")
NULL = "NULL"  # FeConstants.NULL_STRING
DEFAULT_WAREHOUSE = "default_warehouse"  # WarehouseManager.DEFAULT_WAREHOUSE_NAME
CANCEL_WHERE_ERROR = 'Where clause should looks like: LABEL = "your_load_label"'  # CancelLoadStmtAnalyzer


def show_columns(config: FeConfig) -> list[str]:
    return list(config.release.show_load_columns)


def fmt_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else NULL


def progress(job: LoadJob) -> str:
    if job.state == "PENDING":
        return "ETL:0%; LOAD:0%"
    if job.state == "CANCELLED":
        return "ETL:N/A; LOAD:N/A"
    return f"ETL:100%; LOAD:{job.progress}%"


def etl_info(job: LoadJob) -> str:
    # LoadJob.getShowInfo: counters only for SPARK jobs (not emulated); broker and insert jobs show NULL_STRING.
    return NULL


def task_info(job: LoadJob) -> str:
    return f"resource:N/A; timeout(s):{job.props.timeout}; max_filter_ratio:{job.props.max_filter_ratio}"


def tracking_sql(job: LoadJob) -> str:
    if job.filtered_rows <= 0:
        return ""
    return f"select tracking_log from information_schema.load_tracking_logs where job_id={job.id}"


def job_details(job: LoadJob) -> str:
    details = {
        "All backends": {},
        "FileNumber": job.file_number,
        "FileSize": job.file_size,
        "InternalTableLoadBytes": job.file_size if job.state == "FINISHED" else 0,
        "InternalTableLoadRows": job.sink_rows if job.state == "FINISHED" else 0,
        "ScanBytes": job.scan_bytes,
        "ScanRows": job.scan_rows,
        "TaskNumber": len(job.tables),
        "Unfinished backends": {},
    }
    return json.dumps(details, separators=(",", ":"))


def show_row(job: LoadJob, config: FeConfig) -> list[Any]:
    row: list[Any] = [
        job.id, job.label, job.state, progress(job), job.type, job.props.priority, job.scan_rows,
        job.filtered_rows, job.unselected_rows, job.sink_rows, etl_info(job), task_info(job),
        job.error_text or NULL, fmt_time(job.create_time), fmt_time(job.etl_start_time),
        fmt_time(job.etl_finish_time), fmt_time(job.load_start_time), fmt_time(job.finish_time),
        tracking_sql(job), job_details(job),
    ]  # fmt: skip
    if "Warehouse" in config.release.show_load_columns:
        # getWarehouse(warehouseId).getName(): default_warehouse exists on shared-nothing clusters too
        # (GlobalStateMgr.initDefaultWarehouse, pinterest-integration-3.4.0 a53c7f01).
        row.append(DEFAULT_WAREHOUSE)
    return row


@dataclass
class LabelFilter:
    """The label / state filter of SHOW LOAD or CANCEL LOAD.

    :param label: the label or LIKE pattern.
    :param like: whether LIKE was used.
    :param state: the STATE value.
    """

    label: str | None = None
    like: bool = False
    state: str | None = None

    def matches(self, job: LoadJob) -> bool:
        if self.state is not None and job.state != self.state:
            return False
        if self.label is None:
            return True
        if not self.like:
            return job.label == self.label
        # LoadMgr.getLoadJobsByDb: LIKE is a substring test (entry.getKey().contains(labelValue)), so % and _ are
        # plain characters (fe/fe-core/src/main/java/com/starrocks/load/loadv2/LoadMgr.java, every release branch).
        return self.label in job.label


def _predicate(ts: TokenStream, flt: LabelFilter, allow_state: bool) -> None:
    name = ts.identifier().upper() if ts.tok.kind in ("ident", "qident") else ""
    if name == "LABEL" and ts.accept_sym("="):
        if ts.tok.kind != "string" or flt.label is not None:
            raise analysis_error(WHERE_ERROR)
        flt.label = ts.string()
        if not flt.label:
            raise analysis_error(WHERE_ERROR)
    elif name == "LABEL" and ts.accept_kw("LIKE"):
        if ts.tok.kind != "string" or flt.label is not None:
            raise analysis_error(WHERE_ERROR)
        flt.label, flt.like = ts.string(), True
        if not flt.label:
            raise analysis_error(WHERE_ERROR)
    elif name == "STATE" and allow_state and ts.accept_sym("="):
        if ts.tok.kind != "string" or flt.state is not None:
            raise analysis_error(WHERE_ERROR)
        state = ts.string().upper()
        if state not in SHOW_STATES:
            raise analysis_error(WHERE_ERROR)
        flt.state = state
    else:
        raise analysis_error(WHERE_ERROR)


def parse_where(ts: TokenStream, allow_state: bool = True) -> LabelFilter:
    """Parse ``LABEL = "x" | LABEL LIKE "x" [AND STATE = "..."]`` (the stream is after WHERE).

    :param ts: the token stream.
    :param allow_state: whether STATE may be used (SHOW LOAD) or not (CANCEL LOAD).
    """
    flt = LabelFilter()
    _predicate(ts, flt, allow_state)
    while ts.accept_kw("AND"):
        _predicate(ts, flt, allow_state)
    if ts.at_kw("OR") or (ts.tok.kind == "symbol" and ts.tok.value not in (";",)):
        raise analysis_error(WHERE_ERROR)
    return flt


@dataclass
class ShowLoad:
    """A parsed SHOW LOAD.

    :param db: FROM db, or None.
    :param where: the filter.
    :param order: ``(column index, descending)`` pairs.
    :param offset: LIMIT offset.
    :param limit: LIMIT count.
    """

    db: str | None
    where: LabelFilter
    order: list[tuple[int, bool]]
    offset: int
    limit: int | None


def parse_show_load(ts: TokenStream, config: FeConfig) -> ShowLoad:
    """Parse ``SHOW LOAD ...`` (the stream is after ``SHOW LOAD``).

    :param ts: the token stream.
    :param config: the settings (the layout decides valid ORDER BY names).
    """
    ts.accept_kw("ALL")
    db = ts.identifier() if ts.accept_kw("FROM") else None
    where = parse_where(ts) if ts.accept_kw("WHERE") else LabelFilter()
    order: list[tuple[int, bool]] = []
    if ts.accept_kw("ORDER", "BY"):
        titles = [c.upper() for c in show_columns(config)]
        while True:
            name = ts.identifier()
            if name.upper() not in titles:
                raise analysis_error(f"Title name[{name}] does not exist")
            desc = ts.accept_kw("DESC")
            if not desc:
                ts.accept_kw("ASC")
            order.append((titles.index(name.upper()), desc))
            if not ts.accept_sym(","):
                break
    offset, limit = 0, None
    if ts.accept_kw("LIMIT"):
        limit = ts.integer()
        if ts.accept_sym(","):
            offset, limit = limit, ts.integer()
        elif ts.accept_kw("OFFSET"):
            offset = ts.integer()
    ts.end()
    return ShowLoad(db, where, order, offset, limit)


def require_db(db: str | None) -> str:
    if not db:
        raise StarRocksError("No database selected", ERR_NO_DB)
    return db


def _sort_key(index: int, row: list[Any]) -> tuple[bool, Any]:
    return row[index] is None, row[index]


def render_show_load(
    stmt: ShowLoad, jobs: list[LoadJob], config: FeConfig
) -> tuple[list[list[Any]], list[str]]:
    """Return SHOW LOAD's rows and columns for the jobs of the database.

    :param stmt: the parsed statement.
    :param jobs: the database's jobs in JobId order.
    :param config: the settings.
    """
    rows = [show_row(j, config) for j in jobs if stmt.where.matches(j)]
    for index, desc in reversed(stmt.order):
        rows.sort(key=functools.partial(_sort_key, index), reverse=desc)
    rows = rows[stmt.offset :]
    if stmt.limit is not None:
        rows = rows[: stmt.limit]
    return rows, show_columns(config)
