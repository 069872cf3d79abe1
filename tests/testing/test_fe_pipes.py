"""FE emulator: pipes poll their moto prefix, load new files and list them in information_schema.pipe_files."""

from __future__ import annotations

import io
import re
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pymysql
import pytest

from airflow_provider_starrocks.testing.aws import BUCKET
from airflow_provider_starrocks.testing.fe.client import connect, query


@pytest.fixture
def conn(starrocks):
    starrocks.fe.config.pipe_clock_scale = 0.01
    connection = connect(starrocks.fe)
    query(connection, "CREATE DATABASE d")
    query(connection, "USE d")
    query(connection, "CREATE TABLE t (id BIGINT NOT NULL, name VARCHAR(20), amount DOUBLE, dt DATE)")
    yield connection
    connection.close()


@pytest.fixture
def creds(starrocks):
    key, secret = starrocks.aws.users["loader"]
    return f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'


def put(starrocks, key, rows):
    table = pa.table(
        {
            "id": pa.array([r[0] for r in rows], pa.int64()),
            "name": pa.array([r[1] for r in rows], pa.string()),
            "amount": pa.array([r[2] for r in rows], pa.float64()),
            "dt": pa.array([r[3] for r in rows], pa.date32()),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    s3 = starrocks.aws._client("s3", starrocks.aws.users["stack_admin"] + ("",))
    s3.put_object(Bucket=BUCKET, Key=key, Body=buffer.getvalue())


def create_pipe(conn, creds, path, props='"AUTO_INGEST" = "FALSE"', name="p"):
    query(
        conn,
        f"CREATE PIPE {name} PROPERTIES ({props}) AS INSERT INTO t "
        f'SELECT * FROM FILES("path" = "{path}", "format" = "parquet", {creds})',
    )


def pipe(conn, name="p"):
    rows, columns = query(conn, f"SELECT * FROM information_schema.pipes WHERE PIPE_NAME = '{name}'")
    return dict(zip(columns, rows[0])) if rows else None


def files(conn, name="p"):
    rows, columns = query(
        conn, f"SELECT * FROM information_schema.pipe_files WHERE PIPE_NAME = '{name}' ORDER BY FILE_NAME"
    )
    return [dict(zip(columns, row)) for row in rows]


def wait(check, deadline_s=20.0):
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.02)


def count(conn):
    return query(conn, "SELECT count(*) FROM t")[0][0][0]


class TestLoading:
    def test_a_pipe_without_auto_ingest_loads_what_it_lists_once_and_finishes(self, conn, creds):
        create_pipe(conn, creds, "s3://starrocks-test/daily/*/*.parquet")
        wait(lambda: pipe(conn)["STATE"] == "FINISHED")
        listed = files(conn)
        assert [f["FILE_NAME"] for f in listed] == [
            f"s3://starrocks-test/daily/2024-01-0{day}/part-0.parquet" for day in (1, 2, 3)
        ]
        assert {f["LOAD_STATE"] for f in listed} == {"FINISHED"}
        assert all(re.fullmatch(r"[0-9a-f]{32}", f["FILE_VERSION"]) for f in listed)
        assert count(conn) == 30
        row = pipe(conn)
        assert row["PROPERTIES"] == "('AUTO_INGEST'='FALSE')"
        assert row["TABLE_NAME"] == "d.t"
        assert row["LAST_ERROR"] is None
        assert re.fullmatch(
            r'\{"loadedFiles":3,"loadedBytes":\d+,"loadingFiles":0,"lastLoadedTime":"[\d\- :]{19}","loadRows":0\}',
            row["LOAD_STATUS"],
        )

    def test_each_piece_is_an_insert_load_under_the_task_label(self, conn, creds):
        create_pipe(
            conn,
            creds,
            "s3://starrocks-test/daily/*/*.parquet",
            '"AUTO_INGEST" = "FALSE", "BATCH_FILES" = "2"',
        )
        wait(lambda: pipe(conn)["STATE"] == "FINISHED")
        rows, _ = query(
            conn, "SELECT LABEL, TYPE, STATE, SINK_ROWS FROM information_schema.loads ORDER BY LABEL"
        )
        assert len(rows) == 2
        assert all(
            re.fullmatch(r"pipe-p-task-\d+-0", r[0]) and r[1:3] == ("INSERT", "FINISHED") for r in rows
        )
        assert sorted(r[3] for r in rows) == [10, 20]
        labels = {f["FILE_NAME"][-20:] for f in files(conn)}
        assert len(labels) == 3

    def test_auto_ingest_picks_up_new_files(self, starrocks, conn, creds):
        put(starrocks, "incoming/a.parquet", [(1, "a", 1.0, None)])
        create_pipe(conn, creds, "s3://starrocks-test/incoming/", '"POLL_INTERVAL" = "1"')
        wait(lambda: count(conn) == 1)
        put(starrocks, "incoming/b.parquet", [(2, "b", 2.0, None), (3, "c", 3.0, None)])
        wait(lambda: count(conn) == 3)
        # The rows are visible once the INSERT commits; the pipe marks the file FINISHED after that, as StarRocks.
        wait(lambda: [f["LOAD_STATE"] for f in files(conn)] == ["FINISHED", "FINISHED"])
        assert pipe(conn)["STATE"] == "RUNNING"

    def test_hold_state_loading_keeps_the_piece_loading(self, starrocks, conn, creds):
        starrocks.fe.config.hold_state = "LOADING"
        create_pipe(conn, creds, "s3://starrocks-test/daily/2024-01-01/")
        assert wait(lambda: files(conn))[0]["LOAD_STATE"] == "LOADING"
        assert '"loadingFiles":1' in pipe(conn)["LOAD_STATUS"]
        starrocks.fe.config.hold_state = None
        wait(lambda: pipe(conn)["STATE"] == "FINISHED")


class TestErrors:
    def test_a_bad_file_ends_in_error_with_the_insert_error_and_retry_reloads_it(
        self, starrocks, conn, creds
    ):
        put(starrocks, "bad/a.parquet", [(None, "a", 1.0, None)])
        create_pipe(conn, creds, "s3://starrocks-test/bad/")
        wait(lambda: pipe(conn)["STATE"] == "ERROR")
        (file,) = files(conn)
        assert file["LOAD_STATE"] == "ERROR"
        assert file["ERROR_MSG"].startswith("execution failed: Insert has filtered data in strict mode")
        assert pipe(conn)["LAST_ERROR"].startswith(
            '{"errorMessage":"execution failed: Insert has filtered data'
        )
        rows, _ = query(conn, "SELECT LABEL FROM information_schema.loads ORDER BY JOB_ID")
        assert [r[0][-2:] for r in rows] == [f"-{n}" for n in range(6)]  # five retries under new labels
        put(starrocks, "bad/a.parquet", [(1, "a", 1.0, None)])  # fixed under the same name: a new version
        query(conn, "ALTER PIPE p RETRY FILE 's3://starrocks-test/bad/a.parquet'")
        query(conn, "ALTER PIPE p RESUME")  # RETRY alone keeps the failure count: the next failure stops it
        wait(lambda: count(conn) == 1)
        wait(lambda: files(conn)[0]["LOAD_STATE"] == "FINISHED")  # marked after the INSERT commits

    def test_retry_all_requeues_errored_files(self, starrocks, conn, creds):
        put(starrocks, "bad2/a.parquet", [(None, "a", 1.0, None)])
        create_pipe(conn, creds, "s3://starrocks-test/bad2/")
        wait(lambda: pipe(conn)["STATE"] == "ERROR")
        query(conn, "ALTER PIPE p SUSPEND")
        assert pipe(conn)["STATE"] == "ERROR"  # SUSPEND only stops a RUNNING pipe
        query(conn, "ALTER PIPE p RETRY ALL")
        assert files(conn)[0]["LOAD_STATE"] in ("UNLOADED", "LOADING", "ERROR")
        assert files(conn)[0]["ERROR_MSG"].startswith("execution failed: ")  # kept, as RepoAccessor keeps it


class TestLifecycle:
    def test_suspend_resume_and_drop(self, starrocks, conn, creds):
        put(starrocks, "incoming2/a.parquet", [(1, "a", 1.0, None)])
        create_pipe(conn, creds, "s3://starrocks-test/incoming2/", '"POLL_INTERVAL" = "60"')
        wait(lambda: count(conn) == 1)
        starrocks.fe.config.pipe_clock_scale = 100  # no second listing during the test
        query(conn, "ALTER PIPE p SUSPEND")
        assert pipe(conn)["STATE"] == "SUSPEND"
        query(conn, "ALTER PIPE p RESUME")
        assert pipe(conn)["STATE"] == "RUNNING"
        query(conn, "ALTER PIPE p SET ('batch_files' = '10')")
        assert "'batch_files'='10'" in pipe(conn)["PROPERTIES"]
        query(conn, "DROP PIPE p")
        assert pipe(conn) is None
        assert files(conn) == []
        query(conn, "DROP PIPE IF EXISTS p")

    def test_show_pipes_ignores_where_and_like(self, conn, creds):
        create_pipe(conn, creds, "s3://starrocks-test/daily/2024-01-01/", name="p1")
        create_pipe(conn, creds, "s3://starrocks-test/daily/2024-01-02/", name="p2")
        rows, columns = query(conn, "SHOW PIPES WHERE PIPE_NAME = 'p1'")
        assert columns == [
            "DATABASE_NAME", "PIPE_ID", "PIPE_NAME", "STATE", "TABLE_NAME", "LOAD_STATUS", "LAST_ERROR",
            "CREATED_TIME",
        ]  # fmt: skip
        assert [r[2] for r in rows] == ["p1", "p2"]
        assert [r[2] for r in query(conn, "SHOW PIPES FROM d ORDER BY PIPE_NAME DESC LIMIT 1")[0]] == ["p2"]

    def test_if_not_exists_and_or_replace(self, conn, creds):
        create_pipe(conn, creds, "s3://starrocks-test/daily/2024-01-01/")
        first = pipe(conn)["PIPE_ID"]
        # The statement is analyzed (its FILES() listed) before the name is looked up, so it must be valid.
        query(
            conn,
            "CREATE PIPE IF NOT EXISTS p AS INSERT INTO t SELECT * FROM "
            f'FILES("path" = "s3://starrocks-test/daily/2024-01-03/", "format" = "parquet", {creds})',
        )
        assert pipe(conn)["PIPE_ID"] == first
        query(
            conn,
            "CREATE OR REPLACE PIPE p AS INSERT INTO t SELECT * FROM "
            f'FILES("path" = "s3://starrocks-test/daily/2024-01-02/", "format" = "parquet", {creds})',
        )
        assert pipe(conn)["PIPE_ID"] != first


class TestRefusals:
    @pytest.mark.parametrize(
        ("sql", "error"),
        [
            pytest.param(
                "DROP PIPE nope",
                "Getting analyzing error. Detail message: Unknown pipe 'd.nope'.",
                id="drop_unknown",
            ),
            pytest.param("ALTER PIPE nope SUSPEND", "pipe-nope not exists", id="alter_unknown"),
            pytest.param(
                "CREATE PIPE p PROPERTIES ('poll_interval' = '0') AS INSERT INTO t SELECT * FROM FILES('path' = 's3://starrocks-test/sample/orders.parquet', 'format' = 'parquet')",
                "Getting analyzing error. Detail message: Invalid parameter poll_interval should in [1, 3600].",
                id="poll_interval_zero",
            ),
            pytest.param(
                "CREATE PIPE p PROPERTIES ('color' = 'red') AS INSERT INTO t SELECT * FROM FILES('path' = 's3://starrocks-test/sample/orders.parquet', 'format' = 'parquet')",
                "Getting analyzing error. Detail message: Unknown property color.",
                id="unknown_property",
            ),
            pytest.param(
                "CREATE PIPE p PROPERTIES ('batch_files' = '2000') AS INSERT INTO t SELECT * FROM FILES('path' = 's3://starrocks-test/sample/orders.parquet', 'format' = 'parquet')",
                "Getting analyzing error. Detail message: Invalid parameter batch_files should in [1, 1024].",
                id="batch_files_too_big",
            ),
            pytest.param(
                "CREATE PIPE p PROPERTIES ('auto_ingest' = 'maybe') AS INSERT INTO t SELECT * FROM FILES('path' = 's3://starrocks-test/sample/orders.parquet', 'format' = 'parquet')",
                "Getting analyzing error. Detail message: Invalid auto_ingest: 'maybe'. Expected values should be 1, 0, on, off, true, or false (case insensitive).",
                id="auto_ingest_not_boolean",
            ),
            pytest.param(
                "CREATE PIPE p AS INSERT INTO t SELECT * FROM t",
                "Getting analyzing error. Detail message: Bad pipe statement: 'only support FileTableFunction'.",
                id="not_files",
            ),
        ],
    )
    def test_statements_fail_as_starrocks_does(self, conn, sql, error):
        with pytest.raises(pymysql.err.MySQLError) as info:
            query(conn, sql)
        assert info.value.args[1] == error

    def test_label_and_duplicate_and_no_files(self, conn, creds):
        source = f'FILES("path" = "s3://starrocks-test/daily/2024-01-01/", "format" = "parquet", {creds})'
        with pytest.raises(pymysql.err.MySQLError) as info:
            query(conn, f"CREATE PIPE p AS INSERT INTO t WITH LABEL l1 SELECT * FROM {source}")
        assert info.value.args[1] == (
            "Getting analyzing error. Detail message: Bad pipe statement: 'INSERT INTO cannot with label'."
        )
        query(conn, f"CREATE PIPE p AS INSERT INTO t SELECT * FROM {source}")
        with pytest.raises(pymysql.err.MySQLError) as info:
            query(conn, f"CREATE PIPE p AS INSERT INTO t SELECT * FROM {source}")
        assert info.value.args[1] == "Getting analyzing error. Detail message: Pipe exists."
        empty = source.replace("daily/2024-01-01/", "nothing/here/")
        with pytest.raises(pymysql.err.MySQLError) as info:
            query(conn, f"CREATE PIPE p2 AS INSERT INTO t SELECT * FROM {empty}")
        assert info.value.args[1].startswith("No files were found matching the pattern(s) or path(s): ")

    @pytest.mark.parametrize(
        ("sql", "column"),
        [
            pytest.param("SHOW PIPES", 5, id="show"),
            pytest.param("DROP PIPE p", 5, id="drop"),
            pytest.param("ALTER PIPE p SUSPEND", 6, id="alter"),
            pytest.param("CREATE PIPE p AS INSERT INTO t SELECT 1", 7, id="create"),
        ],
    )
    def test_31_has_no_pipes(self, starrocks, conn, sql, column):
        starrocks.fe.config.version = "3.1.4"
        with pytest.raises(pymysql.err.MySQLError) as info:
            query(conn, sql)
        assert info.value.args[1].startswith(f"Getting syntax error at line 1, column {column}. ")

    def test_34_lower_cases_property_keys(self, starrocks, conn, creds):
        starrocks.fe.config.version = "3.4.0"
        create_pipe(
            conn,
            creds,
            "s3://starrocks-test/daily/2024-01-01/",
            '"AUTO_INGEST" = "FALSE", "Batch_Files" = "3"',
        )
        assert pipe(conn)["PROPERTIES"] == "('auto_ingest'='FALSE','batch_files'='3')"


class TestPollErrors:
    @pytest.fixture
    def loader_loses_read(self, starrocks):
        """Take the loader's S3 read policy away in IAM (moto enforces it), and give it back afterwards."""
        from airflow_provider_starrocks.testing.aws_identities import S3_READ_POLICY

        iam = starrocks.aws._client("iam", starrocks.aws.users["stack_admin"] + ("",))

        def revoke():
            iam.delete_user_policy(UserName="loader", PolicyName="loader-0")
            starrocks.aws._clients.clear()

        yield revoke
        iam.put_user_policy(UserName="loader", PolicyName="loader-0", PolicyDocument=S3_READ_POLICY)

    @pytest.mark.parametrize(
        ("version", "state", "exception"),
        [
            pytest.param(
                "3.3.5",
                "ERROR",
                "com.starrocks.common.UserException",
                id="3.3_stops",
            ),
            pytest.param(
                "3.5.0", "RUNNING", "com.starrocks.common.StarRocksException", id="3.5_records_only"
            ),
        ],
    )
    def test_a_failed_listing(self, starrocks, conn, creds, loader_loses_read, version, state, exception):
        starrocks.fe.config.version = version
        put(starrocks, "incoming3/a.parquet", [(1, "a", 1.0, None)])
        create_pipe(conn, creds, "s3://starrocks-test/incoming3/", '"POLL_INTERVAL" = "1"')
        wait(lambda: count(conn) == 1)
        loader_loses_read()
        error = wait(lambda: pipe(conn)["LAST_ERROR"])
        assert error.startswith(
            f'{{"errorMessage":"poll from source failed: {exception}: Fail to get file status: '
            "Access storage error. Error code: AccessDenied."
        ), error
        assert pipe(conn)["STATE"] == state
