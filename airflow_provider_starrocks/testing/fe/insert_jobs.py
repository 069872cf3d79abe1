"""``INSERT INTO t [WITH LABEL l] [(cols)] VALUES ... | SELECT ...`` run as a load job of type INSERT.

StarRocks records every INSERT it executes as an ``InsertLoadJob`` (``LoadMgr.registerLoadJob`` /
``recordFinishedOrCancelledLoadJob`` from ``StmtExecutor.handleDMLStmt``, fe/fe-core/src/main/java/com/starrocks/
qe/StmtExecutor.java at every emulated release): SHOW LOAD and ``information_schema.loads`` list it with type
INSERT, FINISHED when it committed and CANCELLED when it failed, its label the one of ``WITH LABEL`` or
``insert_<query id>``. test/sql/test_information_schema/R/test_loads records both states and the tracking SQL of a
failed one (``select tracking_log from information_schema.load_tracking_logs where job_id=<id>``); a label in use
fails with ``Label [l] has already been used.`` (test/sql/test_insert_empty/R/test_insert_label, 3.4+).

Where ``WITH LABEL`` may stand (``insertStatement`` in StarRocks.g4): right after the table on 3.1.4 and 3.3.5;
before or after the column list from 3.4.0 (``insertLabelOrColumnAliases*``), which ``releases.py`` records.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_starrocks.testing.fe.ddl import split_table_name
from airflow_provider_starrocks.testing.fe.errors import FilteredRows, StarRocksError
from airflow_provider_starrocks.testing.fe.load_props import JobProperties, check_label
from airflow_provider_starrocks.testing.fe.loads import LoadJob
from airflow_provider_starrocks.testing.fe.store import DEFAULT_CATALOG
from airflow_provider_starrocks.testing.fe.stream import TokenStream

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.releases import Release

INSERT_TIMEOUT_S = 14400  # session variable insert_timeout


@dataclass
class InsertHead:
    """The parts of an INSERT before its source.

    :param catalog: the catalog written in ``catalog.db.table``, or None.
    :param db: the database written, or None.
    :param table: the target table.
    :param label: ``WITH LABEL``, or None.
    :param columns: the column list, or None.
    :param sql: the statement with ``WITH LABEL l`` cut out (what the engine runs).
    """

    catalog: str | None
    db: str | None
    table: str
    label: str | None
    columns: list[str] | None
    sql: str


def _at_column_list(ts: TokenStream) -> bool:
    nxt = ts.peek(1)
    return (
        ts.at_sym("(") and nxt.kind in ("ident", "qident") and nxt.upper not in ("SELECT", "WITH", "VALUES")
    )


def parse_insert_head(sql: str, release: Release | None) -> InsertHead:
    """Read ``INSERT INTO|OVERWRITE name [PARTITION (...)]`` and the label and column list, in the release's order.

    :param sql: the statement text.
    :param release: the emulated release (None: any order, as a task run re-reading a checked definition).
    """
    ts = TokenStream(sql)
    ts.expect_kw("INSERT")
    ts.accept_kw("INTO") or ts.accept_kw("OVERWRITE")
    catalog, db, table = split_table_name(ts.qualified_name())
    if ts.accept_kw("TEMPORARY", "PARTITION") or ts.accept_kw("PARTITION") or ts.accept_kw("PARTITIONS"):
        ts.balanced_text()
    label: str | None = None
    columns: list[str] | None = None
    cut = (0, 0)
    anywhere = release is None or release.insert_label_after_columns
    while True:
        if ts.at_kw("WITH", "LABEL") and label is None:
            if columns is not None and not anywhere:
                ts.advance()
                ts.advance()
                ts.fail("expecting VALUES or a query (WITH LABEL must come before the column list here)")
            start = ts.tok.pos
            ts.advance()
            ts.advance()
            label = ts.identifier()
            cut = (start, ts.tokens[ts.i - 1].end)
        elif columns is None and _at_column_list(ts):
            columns = ts.identifier_list()
        else:
            break
    text = sql[: cut[0]] + sql[cut[1] :] if label is not None else sql
    return InsertHead(catalog, db, table, label, columns, text)


def run_insert(
    fe: FeContext, sql: str, current_db: str | None, user: str, catalog: str = DEFAULT_CATALOG
) -> int:
    """Run an INSERT (without FILES()) synchronously and record it as a load job of type INSERT.

    :param fe: the emulator.
    :param sql: the statement text.
    :param current_db: the session's database.
    :param user: the user.
    :param catalog: the session's catalog.
    :returns: the job id.
    """
    from airflow_provider_starrocks.testing.fe.selects import QueryRunner, file_table_reader

    head = parse_insert_head(sql, fe.config.release)
    db = head.db or current_db
    runner = QueryRunner(fe.store, file_table_reader(fe))
    if not db:
        raise StarRocksError("No database selected", 1046)
    target = fe.store.get_table(db, head.table)
    if target.engine == "file":
        runner.run(head.sql, current_db, current_catalog=catalog)  # refuses: file tables are read-only
    label = head.label or f"insert_{uuid.uuid4()}"
    check_label(label)
    fe.loads.check_label_free(db, label)
    count_sql = f'SELECT count(*) FROM "{db}"."{target.name}"'
    job = LoadJob(
        id=0, label=label, db=db, user=user, type="INSERT", stmt=None, tables=[target.name],
        props=JobProperties(timeout=INSERT_TIMEOUT_S, max_filter_ratio=0.0, priority="NORMAL", strict_mode=False),
        state="LOADING", loaded=True,
    )  # fmt: skip
    job.etl_start_time = job.etl_finish_time = job.load_start_time = time.time()
    try:
        with fe.store.lock:
            before = fe.store.cursor().execute(count_sql).fetchone()
            runner.run(head.sql, current_db, current_catalog=catalog)
            after = fe.store.cursor().execute(count_sql).fetchone()
    except FilteredRows:
        job.state, job.error_type, job.finish_time = "CANCELLED", "LOAD_RUN_FAIL", time.time()
        job.filtered_rows = 1  # the engine fails the whole statement, not row by row
        fe.loads.record_insert(job)
        tracking = f"select tracking_log from information_schema.load_tracking_logs where job_id={job.id}"
        job.error_msg = fe.config.release.insert_filtered_text.format(
            txn_id=fe.loads.next_txn_id(), tracking_sql=tracking
        )
        raise StarRocksError(job.error_msg) from None
    # Other errors are the analyzer's (unknown column, type mismatch): no job exists yet in StarRocks either.
    job.sink_rows = job.scan_rows = int((after or (0,))[0]) - int((before or (0,))[0])
    job.state, job.progress, job.finish_time = "FINISHED", 100, time.time()
    job.commit_time = job.finish_time
    fe.loads.record_insert(job)
    return job.id
