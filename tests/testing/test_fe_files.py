"""FE emulator: INSERT ... SELECT FROM FILES() and SUBMIT TASK with information_schema.task_runs."""

from __future__ import annotations

import time

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, load_rows, query


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
def creds(starrocks):
    key, secret = starrocks.aws.users["loader"]
    return f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'


def files(path, fmt, creds, extra=""):
    return f'FILES("path" = "{path}", "format" = "{fmt}", {creds}{extra})'


def wait_task(conn, name, deadline_s=30.0):
    end = time.monotonic() + deadline_s
    while True:
        rows, columns = query(conn, f"SELECT * FROM information_schema.task_runs WHERE TASK_NAME = '{name}'")
        if rows and rows[0][columns.index("STATE")] in ("SUCCESS", "FAILED"):
            return dict(zip(columns, rows[0]))
        if time.monotonic() > end:
            raise TimeoutError(f"task {name} did not finish: {rows}")
        time.sleep(0.01)


class TestInsertFromFiles:
    @pytest.mark.parametrize(
        ("path", "fmt", "extra", "select", "count"),
        [
            pytest.param("s3://starrocks-test/sample/orders.parquet", "parquet", "", "*", 100, id="parquet"),
            pytest.param("s3://starrocks-test/sample/orders.orc", "orc", "", "*", 100, id="orc"),
            pytest.param(
                "s3://starrocks-test/sample/orders.csv",
                "csv",
                ', "csv.column_separator" = ",", "csv.skip_header" = "1"',
                "$1, $2, $3, $4",
                100,
                id="csv",
            ),
            pytest.param("s3://starrocks-test/daily/*/part-0.parquet", "parquet", "", "*", 30, id="glob"),
        ],
    )
    def test_insert_is_synchronous_and_recorded(self, conn, creds, path, fmt, extra, select, count):
        query(conn, f"INSERT INTO t WITH LABEL ins_1 SELECT {select} FROM {files(path, fmt, creds, extra)}")
        assert query(conn, "SELECT count(*) FROM t")[0] == [(count,)]
        job = load_rows(conn, "ins_1")[0]
        assert (job["Type"], job["State"], job["SinkRows"]) == ("INSERT", "FINISHED", count)
        rows, _ = query(conn, "SELECT TYPE, STATE FROM information_schema.loads WHERE LABEL = 'ins_1'")
        assert rows == [("INSERT", "FINISHED")]

    def test_no_files(self, conn, creds):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(
                conn, f"INSERT INTO t SELECT * FROM {files('s3://starrocks-test/none/*', 'parquet', creds)}"
            )
        assert info.value.args[1].startswith(
            "No files were found matching the pattern(s) or path(s): 's3://starrocks-test/none/*'."
        )

    def test_access_denied(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError, match="Access storage error"):
            query(conn, 'INSERT INTO t SELECT * FROM FILES("path" = "s3://starrocks-test/sample/orders.parquet", '
                  '"format" = "parquet", "aws.s3.access_key" = "AKIAHALF")')  # fmt: skip

    def test_unsupported_format(self, conn, creds):
        with pytest.raises(pymysql.err.ProgrammingError, match="not supported format: avro"):
            query(conn, f"INSERT INTO t SELECT * FROM {files('s3://starrocks-test/x', 'avro', creds)}")

    def test_csv_needs_3_3(self, fe, conn, creds):
        fe.config.version = "3.1.4"
        with pytest.raises(pymysql.err.ProgrammingError, match="not supported format: csv"):
            query(
                conn,
                f"INSERT INTO t SELECT * FROM {files('s3://starrocks-test/sample/orders.csv', 'csv', creds)}",
            )

    def test_duplicate_label(self, conn, creds):
        source = files("s3://starrocks-test/sample/orders.parquet", "parquet", creds)
        query(conn, f"INSERT INTO t WITH LABEL same SELECT * FROM {source}")
        with pytest.raises(pymysql.err.ProgrammingError, match=r"Label \[same\] has already been used."):
            query(conn, f"INSERT INTO t WITH LABEL same SELECT * FROM {source}")


class TestSubmitTask:
    def test_success(self, fe, conn, creds):
        source = files("s3://starrocks-test/sample/orders.parquet", "parquet", creds)
        rows, columns = query(
            conn,
            f'SUBMIT TASK load_orders PROPERTIES ("session.insert_timeout" = "3600") AS '
            f"INSERT INTO t WITH LABEL task_label SELECT * FROM {source}",
        )
        assert (rows, columns) == ([("load_orders", "SUBMITTED")], ["TaskName", "Status"])
        run = wait_task(conn, "load_orders")
        assert (run["STATE"], run["DATABASE"], run["ERROR_MESSAGE"]) == ("SUCCESS", "d", None)
        assert load_rows(conn, "task_label")[0]["State"] == "FINISHED"
        assert query(conn, "SELECT count(*) FROM t")[0] == [(100,)]

    def test_running_state_can_be_held(self, fe, conn, creds):
        fe.config.hold_state = "RUNNING"
        source = files("s3://starrocks-test/sample/orders.parquet", "parquet", creds)
        query(conn, f"SUBMIT TASK held AS INSERT INTO t SELECT * FROM {source}")
        end = time.monotonic() + 30
        while query(conn, "SELECT STATE FROM information_schema.task_runs WHERE TASK_NAME = 'held'")[0] != [
            ("RUNNING",)
        ]:
            assert time.monotonic() < end
            time.sleep(0.01)
        fe.config.hold_state = None
        assert wait_task(conn, "held")["STATE"] == "SUCCESS"

    def test_failure(self, conn, creds):
        source = files("s3://starrocks-test/none/*", "parquet", creds)
        query(conn, f"SUBMIT TASK broken AS INSERT INTO t SELECT * FROM {source}")
        run = wait_task(conn, "broken")
        assert run["STATE"] == "FAILED"
        assert run["ERROR_MESSAGE"].startswith("No files were found matching the pattern(s) or path(s)")

    def test_task_names_are_unique_until_dropped(self, conn, creds):
        source = files("s3://starrocks-test/sample/orders.parquet", "parquet", creds)
        query(conn, f"SUBMIT TASK once AS INSERT INTO t SELECT * FROM {source}")
        # TaskManager.createTask: DdlException("Task [" + name + "] already exists"), every emulated release.
        with pytest.raises(pymysql.err.ProgrammingError, match=r"Task \[once\] already exists'\)$"):
            query(conn, f"SUBMIT TASK once AS INSERT INTO t SELECT * FROM {source}")
        wait_task(conn, "once")
        query(conn, "DROP TASK once")
        query(conn, f"SUBMIT TASK once AS INSERT INTO t SELECT * FROM {source}")
