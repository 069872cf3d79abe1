"""FE emulator: SHOW LOAD layouts and predicates, CANCEL LOAD, information_schema.loads and label retention."""

from __future__ import annotations

import json

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, load_rows, query, wait_for_state
from airflow_provider_starrocks.testing.fe.show_load import WHERE_ERROR

PARQUET = 'DATA INFILE("s3://starrocks-test/sample/orders.parquet") INTO TABLE t'
COLUMNS_20 = [
    "JobId", "Label", "State", "Progress", "Type", "Priority", "ScanRows", "FilteredRows", "UnselectedRows",
    "SinkRows", "EtlInfo", "TaskInfo", "ErrorMsg", "CreateTime", "EtlStartTime", "EtlFinishTime", "LoadStartTime",
    "LoadFinishTime", "TrackingSQL", "JobDetails",
]  # fmt: skip


@pytest.fixture
def fe(starrocks):
    return starrocks.fe


@pytest.fixture
def conn(fe):
    connection = connect(fe)
    query(connection, "CREATE DATABASE d")
    query(connection, "USE d")
    query(connection, "CREATE TABLE t (id BIGINT, name VARCHAR(20), amount DOUBLE, dt DATE)")
    yield connection
    connection.close()


@pytest.fixture
def submit(conn, starrocks):
    key, secret = starrocks.aws.users["loader"]
    broker = f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'

    def _submit(label, desc=PARQUET, properties=""):
        props = f" PROPERTIES ({properties})" if properties else ""
        query(conn, f"LOAD LABEL {label} ({desc}) WITH BROKER ({broker}){props}")

    return _submit


class TestShowLoadLayouts:
    def test_20_columns_before_3_4(self, conn, submit):
        submit("a")
        job = wait_for_state(conn, "a", ("FINISHED",))
        assert list(job) == COLUMNS_20
        # LoadJob.getShowInfo: EtlInfo counters only for SPARK jobs.
        assert (job["Type"], job["Priority"], job["EtlInfo"]) == ("BROKER", "NORMAL", "NULL")
        assert job["TaskInfo"] == "resource:N/A; timeout(s):14400; max_filter_ratio:0.0"
        assert json.loads(job["JobDetails"])["ScanRows"] == 100
        assert job["TrackingSQL"] == ""

    def test_21_columns_from_3_4(self, fe, conn, submit):
        fe.config.version = "3.4.0"
        submit("b")
        job = wait_for_state(conn, "b", ("FINISHED",))
        assert list(job) == [*COLUMNS_20, "Warehouse"]
        assert job["Warehouse"] == "default_warehouse"

    def test_pending_progress(self, fe, conn, submit):
        fe.config.hold_state = "PENDING"
        submit("p")
        job = wait_for_state(conn, "p", ("PENDING",))
        assert (job["Progress"], job["LoadStartTime"], job["ErrorMsg"]) == ("ETL:0%; LOAD:0%", "NULL", "NULL")


class TestShowLoadStates:
    @pytest.mark.parametrize("state", ["PENDING", "QUEUEING", "LOADING", "PREPARED"])
    def test_each_state_can_be_held(self, fe, conn, submit, state):
        fe.config.hold_state = state
        submit("h")
        assert wait_for_state(conn, "h", (state,))["State"] == state
        fe.config.hold_state = None
        assert wait_for_state(conn, "h", ("FINISHED",))["State"] == "FINISHED"

    def test_data_is_visible_only_when_finished(self, fe, conn, submit):
        fe.config.hold_state = "PREPARED"
        submit("v")
        wait_for_state(conn, "v", ("PREPARED",))
        assert query(conn, "SELECT count(*) FROM t")[0] == [(0,)]
        fe.config.hold_state = None
        wait_for_state(conn, "v", ("FINISHED",))
        assert query(conn, "SELECT count(*) FROM t")[0] == [(100,)]


class TestShowLoadPredicates:
    def test_like_state_order_and_limit(self, conn, submit):
        for label in ("job_1", "job_2", "other"):
            submit(label)
            wait_for_state(conn, label, ("FINISHED",))
        rows, _ = query(
            conn, 'SHOW LOAD WHERE LABEL LIKE "job" AND STATE = "FINISHED" ORDER BY Label DESC LIMIT 1'
        )
        assert [r[1] for r in rows] == ["job_2"]
        # LoadMgr.getLoadJobsByDb: LIKE is a substring test, % and _ are plain characters.
        rows, _ = query(conn, 'SHOW LOAD FROM d WHERE LABEL LIKE "_1" ORDER BY JobId')
        assert [r[1] for r in rows] == ["job_1"]
        rows, _ = query(conn, 'SHOW LOAD FROM d WHERE LABEL LIKE "%_1" ORDER BY JobId')
        assert rows == []
        rows, _ = query(conn, "SHOW LOAD LIMIT 1, 5")
        assert [r[1] for r in rows] == ["job_2", "other"]

    @pytest.mark.parametrize(
        "where",
        [
            pytest.param('STATE = "RUNNING"', id="unknown_state"),
            pytest.param('LABEL != "x"', id="not_equal"),
            pytest.param('LABEL = ""', id="empty_label"),
            pytest.param('LABEL = "a" OR LABEL = "b"', id="or"),
            pytest.param('ID = "1"', id="other_column"),
        ],
    )
    def test_bad_where(self, conn, where):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, f"SHOW LOAD WHERE {where}")
        assert info.value.args[1] == f"Getting analyzing error. Detail message: {WHERE_ERROR}."

    def test_unknown_order_by_column(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError, match=r"Title name\[Foo\] does not exist"):
            query(conn, "SHOW LOAD ORDER BY Foo")

    def test_no_database_selected(self, fe):
        other = connect(fe)
        try:
            with pytest.raises(pymysql.err.OperationalError) as info:
                query(other, "SHOW LOAD")
            assert info.value.args == (1046, "No database selected")
        finally:
            other.close()


class TestCancelLoad:
    def test_cancel_loading_job(self, fe, conn, submit):
        fe.config.hold_state = "LOADING"
        submit("c")
        wait_for_state(conn, "c", ("LOADING",))
        query(conn, 'CANCEL LOAD FROM d WHERE LABEL = "c"')
        job = load_rows(conn, "c")[-1]
        assert (job["State"], job["ErrorMsg"]) == ("CANCELLED", "type:USER_CANCEL; msg:user cancel")

    @pytest.mark.parametrize("state", ["PREPARED", "FINISHED"])
    def test_cancel_committed_or_finished(self, fe, conn, submit, state):
        fe.config.hold_state = "PREPARED" if state == "PREPARED" else None
        submit("c2")
        wait_for_state(conn, "c2", (state,))
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, 'CANCEL LOAD WHERE LABEL = "c2"')
        assert info.value.args[1] == "There is no uncompleted job which label is c2"

    def test_cancel_unknown_state_job(self, fe, conn, submit):
        fe.force_next_load("UNKNOWN", None)
        submit("u")
        wait_for_state(conn, "u", ("UNKNOWN",))
        # LoadJob.cancelJob checks only isTxnDone (COMMITTED / FINISHED / CANCELLED): UNKNOWN is cancelled.
        query(conn, 'CANCEL LOAD WHERE LABEL = "u"')
        job = wait_for_state(conn, "u", ("CANCELLED",))
        assert job["ErrorMsg"] == "type:USER_CANCEL; msg:user cancel"

    def test_cancel_unknown_label(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError, match="Load job does not exist"):
            query(conn, 'CANCEL LOAD WHERE LABEL = "nope"')


class TestInformationSchemaLoads:
    def test_3_3_columns_and_label_in(self, conn, submit):
        submit("i1")
        submit("i2")
        wait_for_state(conn, "i1", ("FINISHED",))
        wait_for_state(conn, "i2", ("FINISHED",))
        rows, columns = query(
            conn,
            "SELECT * FROM information_schema.loads WHERE DATABASE_NAME = 'd' AND LABEL IN ('i1', 'i2') "
            "ORDER BY JOB_ID",
        )
        assert columns[:4] == ["JOB_ID", "LABEL", "DATABASE_NAME", "STATE"]
        assert len(columns) == 23
        assert [(r[1], r[3], r[5]) for r in rows] == [
            ("i1", "FINISHED", "BROKER"),
            ("i2", "FINISHED", "BROKER"),
        ]
        assert rows[0][19] is None  # ERROR_MSG

    def test_3_5_columns(self, fe, conn, submit):
        fe.config.version = "3.5.2"
        submit("n1", desc='DATA INFILE("s3://starrocks-test/none/*") INTO TABLE t')
        wait_for_state(conn, "n1", ("CANCELLED",))
        rows, columns = query(
            conn,
            "SELECT ID, LABEL, DB_NAME, STATE, ERROR_MSG FROM information_schema.loads WHERE LABEL = 'n1'",
        )
        assert columns == ["ID", "LABEL", "DB_NAME", "STATE", "ERROR_MSG"]
        assert rows[0][1:] == (
            "n1",
            "d",
            "CANCELLED",
            "type:ETL_RUN_FAIL; msg:No source file in this table(t).",
        )

    @pytest.mark.parametrize(
        "version", [pytest.param("3.3.5", id="23-columns"), pytest.param("3.5.2", id="26-columns")]
    )
    def test_batched_label_in_answers_as_the_general_query(self, fe, conn, submit, version):
        # The shared poller's form is answered by label look-up; any other form goes through DuckDB.
        fe.config.version = version
        for label in ("b1", "b2", "b3"):
            submit(label)
            wait_for_state(conn, label, ("FINISHED",))
        fast = query(conn, "SELECT * FROM information_schema.loads WHERE LABEL IN ('b3', 'b1', 'nope');")
        general = query(
            conn, "SELECT * FROM information_schema.loads WHERE LABEL IN ('b3', 'b1', 'nope') ORDER BY 1"
        )
        assert fast == general
        assert [r[1] for r in fast[0]] == ["b1", "b3"]

    def test_label_with_quotes_in_the_batched_query(self, conn, submit):
        submit("q_1")
        wait_for_state(conn, "q_1", ("FINISHED",))
        rows, _ = query(
            conn, "SELECT * FROM information_schema.loads WHERE LABEL IN ('q\\_1', 'q_1', 'it''s')"
        )
        assert [r[1] for r in rows] == ["q_1"]


class TestRetention:
    def test_expire_labels(self, fe, conn, submit):
        submit("e")
        wait_for_state(conn, "e", ("FINISHED",))
        fe.expire_labels()
        assert load_rows(conn, "e") == []
        submit("e")
        assert wait_for_state(conn, "e", ("FINISHED",))["State"] == "FINISHED"

    def test_cancelled_label_is_reused_and_both_jobs_listed(self, fe, conn, submit):
        fe.config.hold_state = "LOADING"
        submit("r")
        wait_for_state(conn, "r", ("LOADING",))
        query(conn, 'CANCEL LOAD WHERE LABEL = "r"')
        fe.config.hold_state = None
        submit("r")
        wait_for_state(conn, "r", ("FINISHED",))
        rows, _ = query(conn, 'SHOW LOAD WHERE LABEL = "r"')
        assert [r[2] for r in rows] == ["CANCELLED", "FINISHED"]
        with pytest.raises(pymysql.err.ProgrammingError, match=r"Label \[r\] has already been used"):
            submit("r")

    def test_label_keep_max_second(self, fe, conn, submit):
        submit("old")
        wait_for_state(conn, "old", ("FINISHED",))
        fe.config.label_keep_max_second = -1
        assert load_rows(conn, "old") == []

    def test_label_keep_max_num(self, fe, conn, submit):
        for label in ("k1", "k2", "k3"):
            submit(label)
            wait_for_state(conn, label, ("FINISHED",))
        fe.config.label_keep_max_num = 2
        rows, _ = query(conn, "SHOW LOAD")
        assert [r[1] for r in rows] == ["k2", "k3"]
