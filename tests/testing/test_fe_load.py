"""FE emulator: LOAD LABEL parsing, checks, the job life cycle and real reads from moto S3."""

from __future__ import annotations

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, load_rows, query, wait_for_state

BUCKET = "s3://starrocks-test"
TABLE_DDL = "CREATE TABLE t (id BIGINT, name VARCHAR(20), amount DOUBLE, dt DATE) DUPLICATE KEY(id)"


@pytest.fixture
def fe(starrocks):
    return starrocks.fe


@pytest.fixture
def conn(fe):
    connection = connect(fe)
    query(connection, "CREATE DATABASE d")
    query(connection, "USE d")
    query(connection, TABLE_DDL)
    yield connection
    connection.close()


@pytest.fixture
def broker(starrocks):
    key, secret = starrocks.aws.users["loader"]
    return f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'


def load(conn, label, desc, broker, properties=""):
    props = f" PROPERTIES ({properties})" if properties else ""
    query(conn, f"LOAD LABEL d.{label} ({desc}) WITH BROKER ({broker}){props}")


class TestFinishedLoads:
    @pytest.mark.parametrize(
        ("desc", "rows"),
        [
            pytest.param(f'DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE t', 100, id="parquet"),
            pytest.param(
                f'DATA INFILE("{BUCKET}/sample/orders.orc") INTO TABLE t FORMAT AS "orc"', 100, id="orc"
            ),
            pytest.param(
                f'DATA INFILE("{BUCKET}/sample/orders.json") INTO TABLE t FORMAT AS "json"', 100, id="json"
            ),
            pytest.param(
                f'DATA INFILE("{BUCKET}/sample/orders.csv") INTO TABLE t COLUMNS TERMINATED BY "," '
                'FORMAT AS "CSV" (SKIP_HEADER = 1 TRIM_SPACE = TRUE ENCLOSE = "\\"")',
                100,
                id="csv_format_props",
            ),
            pytest.param(f'DATA INFILE("{BUCKET}/daily/*/part-0.parquet") INTO TABLE t', 30, id="glob"),
            pytest.param(
                f'DATA INFILE("{BUCKET}/daily/2024-01-0[12]/*.parquet", "{BUCKET}/sample/orders.parquet") '
                "INTO TABLE t",
                120,
                id="two_paths",
            ),
        ],
    )
    def test_rows_are_loaded(self, conn, broker, desc, rows):
        load(conn, "l1", desc, broker)
        job = wait_for_state(conn, "l1", ("FINISHED", "CANCELLED"))
        assert (job["State"], job["ErrorMsg"]) == ("FINISHED", "NULL")
        assert (job["ScanRows"], job["SinkRows"], job["FilteredRows"]) == (rows, rows, 0)
        assert job["Progress"] == "ETL:100%; LOAD:100%"
        assert query(conn, "SELECT count(*) FROM t")[0] == [(rows,)]

    def test_column_list_set_and_where(self, conn, broker):
        desc = (
            f'DATA INFILE("{BUCKET}/sample/orders.csv") INTO TABLE t COLUMNS TERMINATED BY "," '
            "(SKIP_HEADER = 1) (src_id, src_name, src_amount, src_dt) "
            "SET (id = src_id, name = upper(src_name), amount = src_amount, dt = src_dt) WHERE id <= 10"
        )
        load(conn, "mapped", desc, broker)
        job = wait_for_state(conn, "mapped", ("FINISHED", "CANCELLED"))
        assert (job["State"], job["SinkRows"], job["UnselectedRows"]) == ("FINISHED", 10, 90)
        assert query(conn, "SELECT name FROM t WHERE id = 1")[0] == [("CUSTOMER_001",)]

    def test_csv_strings_are_cast_implicitly_in_set(self, conn, broker):
        # Load.initColumns: source columns used in SET are VARCHAR; arithmetic and numeric comparisons cast them.
        desc = (
            f'DATA INFILE("{BUCKET}/sample/orders.csv") INTO TABLE t COLUMNS TERMINATED BY "," '
            "(SKIP_HEADER = 1) (id, name, raw, dt) "
            "SET (amount = if(raw > 50, raw * 2, -raw), name = concat(name, '-', raw)) WHERE id <= 100"
        )
        load(conn, "casts", desc, broker)
        job = wait_for_state(conn, "casts", ("FINISHED", "CANCELLED"))
        assert (job["State"], job["SinkRows"], job["FilteredRows"]) == ("FINISHED", 100, 0)
        source = query(conn, "SELECT count(*) FROM t")[0]
        assert source == [(100,)]
        rows = query(conn, "SELECT name, amount FROM t ORDER BY id LIMIT 3")[0]
        assert all(name.startswith("customer_") and "-" in name for name, _ in rows)
        for name, amount in rows:
            raw = float(name.split("-", 1)[1])
            assert amount == (raw * 2 if raw > 50 else -raw)

    def test_inapplicable_set_expression_fails_loudly(self, conn, broker):
        desc = (
            f'DATA INFILE("{BUCKET}/sample/orders.csv") INTO TABLE t COLUMNS TERMINATED BY "," '
            "(SKIP_HEADER = 1) (id, name, amount, raw_dt) SET (dt = raw_dt, id = murmur_hash3_32(raw_dt))"
        )
        load(conn, "nocast", desc, broker)
        job = wait_for_state(conn, "nocast", ("FINISHED", "CANCELLED"))
        assert job["State"] == "CANCELLED"
        assert "not supported by the StarRocks emulator: this column mapping or WHERE" in job["ErrorMsg"]

    def test_multiple_data_descs(self, conn, broker):
        query(conn, "CREATE TABLE t2 (id BIGINT, name VARCHAR(20), amount DOUBLE, dt DATE)")
        desc = (
            f'DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE t, '
            f'DATA INFILE("{BUCKET}/daily/2024-01-01/part-0.parquet") INTO TABLE t2'
        )
        load(conn, "two", desc, broker)
        job = wait_for_state(conn, "two", ("FINISHED", "CANCELLED"))
        assert job["SinkRows"] == 110
        assert query(conn, "SELECT count(*) FROM t2")[0] == [(10,)]

    def test_backquoted_label_with_dash(self, conn, broker):
        query(
            conn,
            f'LOAD LABEL d.`my-label` (DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE t) '
            f"WITH BROKER ({broker})",
        )
        assert wait_for_state(conn, "my-label", ("FINISHED",))["Label"] == "my-label"


class TestFailedLoads:
    def test_quality(self, conn, broker):
        query(conn, "CREATE TABLE narrow (id BIGINT, name VARCHAR(5))")
        desc = f'DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE narrow (id, name)'
        load(conn, "q", desc, broker)
        job = wait_for_state(conn, "q", ("FINISHED", "CANCELLED"))
        assert job["ErrorMsg"] == "type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to cancel"
        assert job["FilteredRows"] == 100
        assert job["TrackingSQL"].startswith("select tracking_log from information_schema.load_tracking_logs")

    def test_quality_within_max_filter_ratio(self, conn, broker):
        desc = (
            f'DATA INFILE("{BUCKET}/sample/orders.csv") INTO TABLE t COLUMNS TERMINATED BY "," '
            "(SKIP_HEADER = 0)"
        )
        load(conn, "ratio", desc, broker, '"max_filter_ratio" = "0.5"')
        job = wait_for_state(conn, "ratio", ("FINISHED", "CANCELLED"))
        assert (job["State"], job["FilteredRows"], job["SinkRows"]) == ("FINISHED", 1, 100)

    def test_no_source_file(self, conn, broker):
        load(conn, "none", f'DATA INFILE("{BUCKET}/missing/*.parquet") INTO TABLE t', broker)
        job = wait_for_state(conn, "none", ("FINISHED", "CANCELLED"))
        assert job["ErrorMsg"] == "type:ETL_RUN_FAIL; msg:No source file in this table(t)."

    @pytest.mark.parametrize(
        "user",
        [pytest.param("nopolicy", id="no_policy"), pytest.param(None, id="dropped_half_key_pair")],
    )
    def test_access_denied(self, conn, starrocks, user):
        if user:
            key, secret = starrocks.aws.users[user]
            broker = f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}"'
        else:
            broker = '"aws.s3.access_key" = "AKIAONLYKEY"'
        load(conn, "denied", f'DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE t', broker)
        job = wait_for_state(conn, "denied", ("FINISHED", "CANCELLED"))
        assert job["ErrorMsg"].startswith("type:ETL_RUN_FAIL; msg:Access storage error. Error code: ")
        assert "AccessDenied" in job["ErrorMsg"]

    def test_timeout(self, fe, conn, broker):
        fe.config.hold_state = "PENDING"
        load(
            conn,
            "slow",
            f'DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE t',
            broker,
            '"timeout" = "1"',
        )
        job = wait_for_state(conn, "slow", ("CANCELLED",))
        assert job["ErrorMsg"] == "type:TIMEOUT; msg:loading timeout to cancel"
        assert job["Progress"] == "ETL:N/A; LOAD:N/A"


class TestSubmissionErrors:
    @pytest.mark.parametrize(
        ("properties", "message"),
        [
            pytest.param('"aws.s3.access_key" = "x"', "aws.s3.access_key is invalid property", id="aws_key"),
            pytest.param('"json_rooot" = "$"', "json_rooot is invalid property", id="misspelled_json_key"),
            pytest.param('"timeout" = "1h"', "timeout is not a number.", id="timeout_nan"),
            pytest.param('"timeout" = "-1"', "timeout must be greater than 0", id="timeout_negative"),
            pytest.param(
                '"max_filter_ratio" = "2"', "max_filter_ratio must between 0.0 and 1.0.", id="ratio"
            ),
            pytest.param('"strict_mode" = "yes"', "strict_mode is not a boolean", id="strict_mode"),
            pytest.param(
                '"priority" = "URGENT"', "priority should in HIGHEST/HIGH/NORMAL/LOW/LOWEST", id="prio"
            ),
            pytest.param(
                '"log_rejected_record_num" = "-2"',
                "log_rejected_record_num must be equal or greater than -1",
                id="rejected_num",
            ),
        ],
    )
    def test_invalid_properties(self, conn, broker, properties, message):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            load(conn, "p", f'DATA INFILE("{BUCKET}/x.csv") INTO TABLE t', broker, properties)
        assert info.value.args[1] == f"Getting analyzing error. Detail message: {message}."

    def test_label_format(self, conn, broker):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(
                conn, f'LOAD LABEL `a b` (DATA INFILE("{BUCKET}/x.csv") INTO TABLE t) WITH BROKER ({broker})'
            )
        assert "Label format error. regex: ^[-\\w]{1,128}$, label: a b" in info.value.args[1]

    @pytest.mark.parametrize(
        "sql",
        [
            pytest.param(
                f'LOAD LABEL my-label (DATA INFILE("{BUCKET}/x") INTO TABLE t) WITH BROKER', id="dash"
            ),
            pytest.param(
                f'LOAD LABEL l (DATA INFILE("{BUCKET}/x") INTO TABLE t (SKIP_HEADER = 1, TRIM_SPACE = TRUE)) '
                "WITH BROKER",
                id="format_props_commas",
            ),
            pytest.param(
                f'LOAD LABEL l (DATA INFILE("{BUCKET}/x") INTO TABLE t (TRIM_SPACE = TRUE SKIP_HEADER = 1)) '
                "WITH BROKER",
                id="format_props_order",
            ),
        ],
    )
    def test_syntax_errors(self, conn, sql):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, sql)
        assert info.value.args[1].startswith("Getting syntax error at line 1, column ")

    def test_syntax_error_does_not_echo_string_literals(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(
                conn,
                f'LOAD LABEL l (DATA INFILE("{BUCKET}/x") INTO TABLE t) '
                'WITH BROKER ("aws.s3.secret_key" "SeCrEtVaLuE")',
            )
        assert "SeCrEtVaLuE" not in info.value.args[1]
        assert "Unexpected input '<string literal>'" in info.value.args[1]

    def test_missing_with_broker_is_not_emulated(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError, match="not supported by the StarRocks emulator"):
            query(conn, f'LOAD LABEL l (DATA INFILE("{BUCKET}/x") INTO TABLE t)')

    def test_unknown_table(self, conn, broker):
        with pytest.raises(pymysql.err.ProgrammingError, match="Unknown table 'nope'"):
            load(conn, "u", f'DATA INFILE("{BUCKET}/x.csv") INTO TABLE nope', broker)

    def test_duplicate_label(self, conn, broker):
        desc = f'DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE t'
        load(conn, "dup", desc, broker)
        wait_for_state(conn, "dup", ("FINISHED",))
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            load(conn, "dup", desc, broker)
        assert info.value.args == (1064, "Label [dup] has already been used.")

    def test_cancelled_label_is_reused_beside_the_old_job(self, conn, broker):
        load(conn, "again", f'DATA INFILE("{BUCKET}/missing.parquet") INTO TABLE t', broker)
        wait_for_state(conn, "again", ("CANCELLED",))
        load(conn, "again", f'DATA INFILE("{BUCKET}/sample/orders.parquet") INTO TABLE t', broker)
        wait_for_state(conn, "again", ("FINISHED",))
        jobs = load_rows(conn, "again")
        assert [j["State"] for j in jobs] == ["CANCELLED", "FINISHED"]
        assert jobs[0]["JobId"] < jobs[1]["JobId"]
