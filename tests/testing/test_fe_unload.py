"""FE emulator: INSERT INTO FILES() writes real Parquet / ORC / CSV objects to moto S3 with IAM enforced."""

from __future__ import annotations

import io
import re

import pyarrow.csv as pacsv
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pymysql
import pytest

from airflow_provider_starrocks.testing.aws import BUCKET, S3_WRITE_ROLE, role_arn
from airflow_provider_starrocks.testing.fe.client import connect, load_rows, query

NAME = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_0_0_(\d+)\.(parquet|orc|csv)"
)


@pytest.fixture
def conn(starrocks):
    connection = connect(starrocks.fe)
    query(connection, "CREATE DATABASE d")
    query(connection, "USE d")
    query(connection, "CREATE TABLE t (id BIGINT, name VARCHAR(20), amount DOUBLE, dt DATE)")
    query(
        connection,
        "INSERT INTO t VALUES (1, 'a', 1.5, '2024-01-01'), (2, 'b', 2.0, '2024-01-01'), (3, NULL, 3.25, '2024-01-02')",
    )
    yield connection
    connection.close()


def keys_of(starrocks, user="writer"):
    key, secret = starrocks.aws.users[user]
    return f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'


def objects(starrocks, prefix):
    s3 = starrocks.aws._client("s3", starrocks.aws.users["stack_admin"] + ("",))
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def unload(conn, path, fmt, creds, extra="", select="SELECT * FROM t ORDER BY id"):
    with conn.cursor() as cur:
        return cur.execute(
            f'INSERT INTO FILES("path" = "{path}", "format" = "{fmt}", {creds}{extra}) {select}'
        )


class TestFormats:
    @pytest.mark.parametrize(
        ("fmt", "read"),
        [
            pytest.param("parquet", lambda b: pq.read_table(io.BytesIO(b)), id="parquet"),
            pytest.param("orc", lambda b: orc.read_table(io.BytesIO(b)), id="orc"),
        ],
    )
    def test_columnar_files_hold_the_rows(self, starrocks, conn, fmt, read):
        rows = unload(conn, "s3://starrocks-test/unload/out/", fmt, keys_of(starrocks))
        assert rows == 3
        written = objects(starrocks, "unload/out/")
        assert len(written) == 1
        ((key, body),) = written.items()
        match = NAME.fullmatch(key.removeprefix("unload/out/"))
        assert match
        assert match.groups() == ("0", fmt)
        table = read(body)
        assert table.column_names == ["id", "name", "amount", "dt"]
        assert table.column("id").to_pylist() == [1, 2, 3]
        assert table.column("name").to_pylist() == ["a", "b", None]

    def test_csv_uses_the_separators_and_writes_nulls_as_backslash_n(self, starrocks, conn):
        extra = ', "csv.column_separator" = ",", "csv.row_delimiter" = "\\n"'
        unload(conn, "s3://starrocks-test/unload/csv", "csv", keys_of(starrocks), extra)
        (body,) = objects(starrocks, "unload/csv/").values()
        assert body.decode() == "1,a,1.5,2024-01-01\n2,b,2,2024-01-01\n3,\\N,3.25,2024-01-02\n"

    def test_csv_default_separator_is_tab(self, starrocks, conn):
        unload(
            conn,
            "s3://starrocks-test/unload/tab/",
            "csv",
            keys_of(starrocks),
            select="SELECT id, name FROM t",
        )
        (body,) = objects(starrocks, "unload/tab/").values()
        assert body.decode().splitlines()[0] == "1\ta"

    def test_the_files_read_back_with_files(self, starrocks, conn):
        unload(
            conn,
            "s3://starrocks-test/unload/back/",
            "csv",
            keys_of(starrocks),
            ', "csv.column_separator" = ","',
        )
        (key,) = objects(starrocks, "unload/back/")
        table = pacsv.read_csv(
            io.BytesIO(objects(starrocks, "unload/back/")[key]),
            read_options=pacsv.ReadOptions(column_names=["id", "name", "amount", "dt"]),
        )
        assert table.num_rows == 3


class TestLayout:
    def test_partition_by_writes_hive_directories(self, starrocks, conn):
        unload(
            conn, "s3://starrocks-test/unload/p/", "parquet", keys_of(starrocks), ', "partition_by" = "dt"'
        )
        written = objects(starrocks, "unload/p/")
        folders = sorted(key.rsplit("/", 1)[0] for key in written)
        assert folders == ["unload/p/dt=2024-01-01", "unload/p/dt=2024-01-02"]
        day1 = next(body for key, body in written.items() if "dt=2024-01-01" in key)
        assert pq.read_table(io.BytesIO(day1)).column("id").to_pylist() == [1, 2]

    def test_target_max_file_size_rolls_files(self, starrocks, conn):
        query(conn, "INSERT INTO t SELECT range + 10, 'x', 1.0, '2024-01-03' FROM range(10000)")
        unload(
            conn,
            "s3://starrocks-test/unload/big/",
            "csv",
            keys_of(starrocks),
            ', "target_max_file_size" = "1000"',
        )
        written = objects(starrocks, "unload/big/")
        indexes = sorted(int(NAME.fullmatch(k.rsplit("/", 1)[1]).group(1)) for k in written)
        assert indexes == list(range(len(written)))
        assert len(written) == 3
        assert sum(body.count(b"\n") for body in written.values()) == 10003

    def test_single_writes_one_file(self, starrocks, conn):
        query(conn, "INSERT INTO t SELECT range + 10, 'x', 1.0, '2024-01-03' FROM range(10000)")
        extra = ', "target_max_file_size" = "1000", "single" = "true"'
        unload(conn, "s3://starrocks-test/unload/one/", "parquet", keys_of(starrocks), extra)
        assert len(objects(starrocks, "unload/one/")) == 1

    def test_an_empty_result_writes_nothing_and_succeeds(self, starrocks, conn):
        rows = unload(
            conn,
            "s3://starrocks-test/unload/none/",
            "parquet",
            keys_of(starrocks),
            select="SELECT * FROM t WHERE id < 0",
        )
        assert rows == 0
        assert objects(starrocks, "unload/none/") == {}


class TestIdentity:
    def test_the_instance_profile_may_write_under_unload(self, starrocks, conn):
        assert (
            unload(
                conn,
                "s3://starrocks-test/unload/ip/",
                "parquet",
                '"aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2"',
            )
            == 3
        )

    def test_an_assumed_write_role(self, starrocks, conn):
        creds = (
            f'"aws.s3.use_instance_profile" = "true", "aws.s3.iam_role_arn" = "{role_arn(S3_WRITE_ROLE)}", '
            '"aws.s3.region" = "us-west-2"'
        )
        assert unload(conn, "s3://starrocks-test/exports/role/", "orc", creds) == 3
        assert len(objects(starrocks, "exports/role/")) == 1

    @pytest.mark.parametrize(
        "creds",
        [
            pytest.param(lambda s: keys_of(s, "loader"), id="read_only_user"),
            pytest.param(lambda s: keys_of(s, "nopolicy"), id="user_without_policy"),
            pytest.param(
                lambda s: '"aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2"',
                id="instance_profile_outside_unload_prefix",
            ),
        ],
    )
    def test_an_identity_without_write_rights_fails_as_the_be_does(self, starrocks, conn, creds):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            unload(conn, "s3://starrocks-test/exports/denied/", "parquet", creds(starrocks))
        code, text = info.value.args
        assert code == 1064
        assert re.fullmatch(
            r"S3: Fail to put object starrocks-test/exports/denied/[0-9a-f-]{36}_0_0_0\.parquet, msg: Access Denied",
            text,
        ), text
        assert objects(starrocks, "exports/denied/") == {}
        assert "secret" not in text.lower()


class TestRecording:
    def test_nothing_is_recorded_as_a_load_and_the_label_is_ignored(self, starrocks, conn):
        path = "s3://starrocks-test/unload/l/"
        with conn.cursor() as cur:
            rows = cur.execute(
                f'INSERT INTO FILES("path" = "{path}", "format" = "parquet", {keys_of(starrocks)}) '
                "WITH LABEL unload_1 SELECT * FROM t"
            )
            assert rows == 3
            # The same label again: StarRocks never registered it, so it is not "already used".
            cur.execute(
                f'INSERT INTO FILES("path" = "{path}", "format" = "parquet", {keys_of(starrocks)}) '
                "WITH LABEL unload_1 SELECT * FROM t"
            )
        assert load_rows(conn, "unload_1") == []
        found, _ = query(conn, "SELECT * FROM information_schema.loads WHERE LABEL = 'unload_1'")
        assert found == []
        assert len(objects(starrocks, "unload/l/")) == 2  # a retry writes a second set of files


class TestRefusals:
    @pytest.mark.parametrize(
        ("props", "error"),
        [
            pytest.param(
                '"format" = "parquet"',
                'path is a mandatory property. "path" = "s3://path/to/your/location/"',
                id="no_path",
            ),
            pytest.param(
                '"path" = "s3://starrocks-test/unload/x/"',
                "format is a mandatory property. Use any of (parquet, orc, csv)",
                id="no_format",
            ),
            pytest.param(
                '"path" = "s3://starrocks-test/unload/x/", "format" = "json"',
                "Unsupported format json. Use any of (parquet, orc, csv)",
                id="bad_format",
            ),
            pytest.param(
                '"path" = "s3://starrocks-test/unload/x/", "format" = "parquet", "compression" = "brotli"',
                "Unsupported compression codec brotli. Use any of (uncompressed, snappy, lz4, zstd, gzip)",
                id="bad_codec",
            ),
            pytest.param(
                '"path" = "s3://starrocks-test/unload/x/", "format" = "parquet", "single" = "yes"',
                'got invalid parameter "single" = "yes", expect a boolean value (true or false).',
                id="single_not_boolean",
            ),
            pytest.param(
                '"path" = "s3://starrocks-test/unload/x/", "format" = "parquet", "single" = "true", "partition_by" = "dt"',
                "cannot use partition_by and single simultaneously.",
                id="single_and_partition_by",
            ),
            pytest.param(
                '"path" = "s3://starrocks-test/unload/x/", "format" = "parquet", "partition_by" = "day"',
                "partition columns expected to be a subset of [id, name, amount, dt], but got extra columns: [day]",
                id="unknown_partition_column",
            ),
            pytest.param(
                '"path" = "s3://starrocks-test/unload/x/", "format" = "parquet", "partition_by" = "amount"',
                "partition column does not support type of DOUBLE",
                id="double_partition_column",
            ),
        ],
    )
    def test_properties_are_checked_as_parse_properties_for_unload_does(self, conn, props, error):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, f"INSERT INTO FILES({props}) SELECT * FROM t")
        assert info.value.args == (1064, f"Getting analyzing error. Detail message: {error}.")

    def test_other_file_systems_are_not_emulated(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, 'INSERT INTO FILES("path" = "hdfs://nn/x/", "format" = "parquet") SELECT * FROM t')
        assert info.value.args[1].startswith(
            "not supported by the StarRocks emulator: INSERT INTO FILES() to hdfs://"
        )

    def test_31_has_no_insert_into_files(self, starrocks, conn):
        starrocks.fe.config.version = "3.1.4"
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(
                conn,
                'INSERT INTO FILES("path" = "s3://starrocks-test/unload/x/", "format" = "parquet") SELECT 1',
            )
        assert info.value.args[1].startswith("Getting syntax error at line 1, column 12. Detail message: ")

    def test_compressed_csv_fails_in_the_be_before_35(self, starrocks, conn):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            unload(
                conn, "s3://starrocks-test/unload/gz/", "csv", keys_of(starrocks), ', "compression" = "gzip"'
            )
        assert info.value.args == (1064, "not supported compression type GZIP")

    def test_compressed_csv_on_the_newest_is_named_csv_gz(self, starrocks, conn):
        starrocks.fe.config.version = "4.0.0"
        unload(conn, "s3://starrocks-test/unload/gz/", "csv", keys_of(starrocks), ', "compression" = "gzip"')
        (key,) = objects(starrocks, "unload/gz/")
        assert key.endswith("_0_0_0.csv.gz")
