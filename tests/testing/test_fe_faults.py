"""FE emulator: fault injection (dropped connections, stalls, forced outcomes, restarts)."""

from __future__ import annotations

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, query, wait_for_state

PARQUET = 'DATA INFILE("s3://starrocks-test/sample/orders.parquet") INTO TABLE t'


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
    broker = f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}"'

    def _submit(label):
        query(conn, f"LOAD LABEL {label} ({PARQUET}) WITH BROKER ({broker})")

    return _submit


class TestForcedOutcomes:
    @pytest.mark.parametrize(
        ("state", "message", "expected"),
        [
            pytest.param(
                "CANCELLED",
                "type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to cancel",
                "type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to cancel",
                id="quality",
            ),
            pytest.param("TIMEOUT", None, "type:TIMEOUT; msg:loading timeout to cancel", id="timeout"),
            pytest.param("UNKNOWN", None, "NULL", id="unknown"),
        ],
    )
    def test_force_next_load(self, fe, conn, submit, state, message, expected):
        fe.force_next_load(state, message)
        submit("f")
        job = wait_for_state(conn, "f", ("CANCELLED", "UNKNOWN", "FINISHED"))
        assert (job["State"], job["ErrorMsg"]) == ("UNKNOWN" if state == "UNKNOWN" else "CANCELLED", expected)
        submit("g")
        assert wait_for_state(conn, "g", ("FINISHED", "CANCELLED"))["State"] == "FINISHED"

    def test_unknown_forced_state_is_refused(self, fe):
        with pytest.raises(ValueError, match="unsupported state"):
            fe.force_next_load("RUNNING", None)


class TestConnectionFaults:
    def test_drop_connections(self, fe, conn):
        fe.drop_connections()
        with pytest.raises(pymysql.err.OperationalError):
            query(conn, "SELECT 1")
        fresh = connect(fe)
        try:
            assert query(fresh, "SELECT 1")[0] == [(1,)]
        finally:
            fresh.close()

    def test_stall_delays_answers_until_read_timeout(self, fe):
        slow = connect(fe, read_timeout=0.2)
        try:
            fe.stall(5)
            with pytest.raises(pymysql.err.OperationalError):
                query(slow, "SELECT 1")
        finally:
            fe.stall(0)
            slow.close()

    def test_restart_keeps_port_and_jobs(self, fe, conn, submit):
        submit("r")
        wait_for_state(conn, "r", ("FINISHED",))
        port = fe.port
        fe.restart()
        assert fe.port == port
        with pytest.raises(pymysql.err.OperationalError):
            query(conn, "SELECT 1")
        fresh = connect(fe, database="d")
        try:
            assert wait_for_state(fresh, "r", ("FINISHED",))["SinkRows"] == 100
        finally:
            fresh.close()

    def test_reset_forgets_everything(self, fe, conn, submit):
        submit("x")
        wait_for_state(conn, "x", ("FINISHED",))
        fe.config.hold_state = "LOADING"
        fe.reset()
        assert fe.config.hold_state is None
        assert fe.statements == []
        assert ("d",) not in query(conn, "SHOW DATABASES")[0]
