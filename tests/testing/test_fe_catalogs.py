"""FE emulator: external catalogs (Glue through moto, Hive metastore) and file external tables on S3."""

from __future__ import annotations

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, query


@pytest.fixture
def fe(starrocks):
    return starrocks.fe


@pytest.fixture
def conn(fe):
    connection = connect(fe)
    yield connection
    connection.close()


def keys(starrocks, user, prefix):
    key, secret = starrocks.aws.users[user]
    return (
        f'"{prefix}.access_key" = "{key}", "{prefix}.secret_key" = "{secret}", "{prefix}.region" = "us-west-2", '
        f'"{prefix}.use_instance_profile" = "false"'
    )


def glue_catalog(starrocks, name, user="loader", kind="hive"):
    type_key = '"hive.metastore.type" = "glue"' if kind != "iceberg" else '"iceberg.catalog.type" = "glue"'
    return (
        f'CREATE EXTERNAL CATALOG {name} COMMENT "sales" PROPERTIES ("type" = "{kind}", {type_key}, '
        f"{keys(starrocks, user, 'aws.glue')}, {keys(starrocks, user, 'aws.s3')})"
    )


class TestCatalogs:
    @pytest.mark.parametrize("kind", ["hive", "iceberg", "hudi", "deltalake"])
    def test_glue_catalog_lists_databases(self, starrocks, conn, kind):
        query(conn, glue_catalog(starrocks, "glue_cat", kind=kind))
        rows, columns = query(conn, "SHOW DATABASES FROM glue_cat")
        assert columns == ["Database"]
        assert ("sales_db",) in rows

    def test_bad_credentials_surface_on_use(self, starrocks, conn):
        query(conn, glue_catalog(starrocks, "nope_cat", user="nopolicy"))
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, "SHOW DATABASES FROM nope_cat")
        assert info.value.args[1].startswith("Failed to get all database names from meta store: ")

    def test_hive_metastore_is_unreachable(self, conn):
        query(
            conn,
            'CREATE EXTERNAL CATALOG hms PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:9083")',
        )
        with pytest.raises(pymysql.err.ProgrammingError, match="Could not connect to meta store"):
            query(conn, "SHOW DATABASES FROM hms")

    def test_rest_catalog_listing_is_not_emulated(self, conn):
        query(
            conn,
            'CREATE EXTERNAL CATALOG rest PROPERTIES ("type" = "iceberg", "iceberg.catalog.type" = "rest", '
            '"iceberg.catalog.uri" = "http://x")',
        )
        with pytest.raises(pymysql.err.ProgrammingError, match="not supported by the StarRocks emulator"):
            query(conn, "SHOW DATABASES FROM rest")

    def test_show_catalogs_and_show_create_masks_credentials(self, starrocks, conn):
        query(conn, glue_catalog(starrocks, "c1"))
        rows, columns = query(conn, "SHOW CATALOGS")
        assert columns == ["Catalog", "Type", "Comment"]
        assert rows[0][:2] == ("default_catalog", "Internal")
        assert rows[1] == ("c1", "Hive", "sales")
        ((name, text),) = query(conn, "SHOW CREATE CATALOG c1")[0]
        key, secret = starrocks.aws.users["loader"]
        assert name == "c1"
        assert f'"aws.s3.access_key" = "{key[:2]}******{key[-2:]}"' in text
        assert secret not in text

    def test_duplicate_and_if_not_exists(self, conn):
        sql = 'CREATE EXTERNAL CATALOG {} c PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:1")'
        query(conn, sql.format(""))
        query(conn, sql.format("IF NOT EXISTS"))
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, sql.format(""))
        assert info.value.args == (1064, "Catalog 'c' already exists")

    @pytest.mark.parametrize(
        ("props", "message"),
        [
            pytest.param('"type" = "mongo"', "[type : mongo] is not supported", id="unknown_type"),
            pytest.param(
                '"hive.metastore.uris" = "thrift://h:1"', "'type' can not be null or empty", id="no_type"
            ),
        ],
    )
    def test_analyzer_errors(self, conn, props, message):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, f"CREATE EXTERNAL CATALOG x PROPERTIES ({props})")
        assert info.value.args[1] == f"Getting analyzing error. Detail message: {message}."

    def test_drop_and_set_catalog(self, conn):
        query(
            conn,
            'CREATE EXTERNAL CATALOG c PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:1")',
        )
        query(conn, "SET CATALOG c")
        query(conn, "SET CATALOG default_catalog")
        query(conn, "DROP CATALOG c")
        query(conn, "DROP CATALOG IF EXISTS c")
        with pytest.raises(pymysql.err.ProgrammingError, match="Unknown catalog 'c'"):
            query(conn, "SET CATALOG c")
        with pytest.raises(pymysql.err.ProgrammingError, match="Can't drop the default internal catalog"):
            query(conn, "DROP CATALOG default_catalog")


class TestFileTables:
    def create(
        self, starrocks, conn, path="s3://starrocks-test/sample/orders.parquet", fmt="parquet", user="loader"
    ):
        query(conn, "CREATE DATABASE IF NOT EXISTS d")
        query(
            conn,
            "CREATE EXTERNAL TABLE d.ft (id BIGINT, name VARCHAR(20), amount DOUBLE, dt DATE) ENGINE=file "
            f'COMMENT "orders" PROPERTIES ("path" = "{path}", "format" = "{fmt}", {keys(starrocks, user, "aws.s3")})',
        )

    @pytest.mark.parametrize(
        ("path", "fmt", "count"),
        [
            pytest.param("s3://starrocks-test/sample/orders.parquet", "parquet", 100, id="parquet_file"),
            pytest.param("s3://starrocks-test/sample/orders.orc", "orc", 100, id="orc_file"),
            pytest.param("s3://starrocks-test/daily/2024-01-01/", "parquet", 10, id="directory"),
        ],
    )
    def test_select(self, starrocks, conn, path, fmt, count):
        self.create(starrocks, conn, path, fmt)
        assert query(conn, "SELECT count(*) FROM d.ft")[0] == [(count,)]
        rows, _ = query(conn, "SELECT id, name FROM d.ft WHERE id = 1")
        assert rows == [(1, "customer_001")]

    def test_csv_is_refused(self, starrocks, conn):
        with pytest.raises(pymysql.err.ProgrammingError, match="not supported format: csv"):
            self.create(starrocks, conn, "s3://starrocks-test/sample/orders.csv", "csv")

    def test_access_denied_on_select(self, starrocks, conn):
        self.create(starrocks, conn, user="nopolicy")
        with pytest.raises(pymysql.err.ProgrammingError, match="Access storage error"):
            query(conn, "SELECT * FROM d.ft")

    def test_only_in_default_catalog(self, starrocks, conn):
        query(
            conn,
            'CREATE EXTERNAL CATALOG c PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:1")',
        )
        query(conn, "SET CATALOG c")
        # CreateTableAnalyzer.analyzeEngineName: ENGINE=file differs from the catalog's type.
        with pytest.raises(pymysql.err.ProgrammingError, match="Can't create file table in the hive catalog"):
            self.create(starrocks, conn)

    def test_catalog_qualified_names(self, starrocks, conn):
        query(conn, "CREATE DATABASE d")
        props = f'PROPERTIES ("path" = "s3://starrocks-test/sample/orders.parquet", "format" = "parquet", {keys(starrocks, "loader", "aws.s3")})'
        query(
            conn,
            f"CREATE EXTERNAL TABLE default_catalog.d.ft (id BIGINT, name VARCHAR(20)) ENGINE=file {props}",
        )
        query(conn, "CREATE TABLE default_catalog.d.t (id BIGINT, name VARCHAR(20))")
        query(conn, "INSERT INTO default_catalog.d.t SELECT id, name FROM default_catalog.d.ft WHERE id <= 3")
        assert query(conn, "SELECT count(*) FROM default_catalog.d.t")[0] == [(3,)]
        assert query(conn, "SHOW CREATE TABLE default_catalog.d.ft")[0][0][0] == "ft"
        query(conn, "DROP TABLE default_catalog.d.t")
        query(conn, "DROP TABLE IF EXISTS default_catalog.d.t")
        with pytest.raises(pymysql.err.ProgrammingError, match="Unknown table 'd.t'"):
            query(conn, "SELECT * FROM default_catalog.d.t")
        query(
            conn,
            'CREATE EXTERNAL CATALOG c PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:1")',
        )
        with pytest.raises(pymysql.err.ProgrammingError, match="Can't create file table in the hive catalog"):
            query(conn, f"CREATE EXTERNAL TABLE c.d.ft2 (id BIGINT) ENGINE=file {props}")
        for sql in (
            'CREATE EXTERNAL TABLE nope.d.ft2 (id BIGINT) ENGINE=file PROPERTIES ("path" = "s3://x/")',
            "CREATE TABLE nope.d.t (id BIGINT)",
            "SELECT * FROM nope.d.ft",
            "INSERT INTO nope.d.t VALUES (1)",
            "DROP TABLE nope.d.t",
        ):
            with pytest.raises(pymysql.err.ProgrammingError, match="Unknown catalog 'nope'"):
                query(conn, sql)
        for sql in (
            "CREATE TABLE c.d.t (id BIGINT)",
            "SELECT * FROM c.d.t",
            "INSERT INTO c.d.t VALUES (1)",
            "DROP TABLE c.d.t",
        ):
            with pytest.raises(pymysql.err.ProgrammingError, match="not supported by the StarRocks emulator"):
                query(conn, sql)

    def test_drop_and_read_only(self, starrocks, conn):
        self.create(starrocks, conn)
        with pytest.raises(pymysql.err.ProgrammingError, match="read-only"):
            query(conn, "INSERT INTO d.ft VALUES (1, 'a', 1.0, '2024-01-01')")
        query(conn, "DROP TABLE d.ft")
        with pytest.raises(pymysql.err.ProgrammingError, match="Unknown table 'd.ft'"):
            query(conn, "SELECT * FROM d.ft")


def put_object(starrocks, key, body):
    import boto3

    access, secret = starrocks.aws.users["stack_admin"]
    s3 = boto3.client(
        "s3",
        endpoint_url=starrocks.aws.endpoint,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-west-2",
    )
    s3.put_object(Bucket="starrocks-test", Key=key, Body=body)


def nested_table():
    import pyarrow as pa

    return pa.table(
        {
            "id": pa.array(["a", "b"]),
            "attributes": pa.array([[("color", "red")], []], type=pa.map_(pa.string(), pa.string())),
            "tags": pa.array([[1, 2], None], type=pa.list_(pa.int32())),
            "info": pa.array(
                [{"n": 1, "inner": {"c": "x"}}, None],
                type=pa.struct([("n", pa.int32()), ("inner", pa.struct([("c", pa.string())]))]),
            ),
        }
    )


class TestComplexTypes:
    # INNER is a reserved word (StarRocksLex.g4 token, not in nonReserved): the STRUCT field must be backquoted.
    # SHOW CREATE TABLE prints field names bare (StructField.toSql).
    COLUMNS = (
        "(id VARCHAR(65500), attributes MAP<VARCHAR(100), VARCHAR(2000)>, tags ARRAY<INT>, "
        "info STRUCT<n INT, `inner` STRUCT<c VARCHAR(10)>>)"
    )

    @pytest.mark.parametrize("fmt", ["parquet", "orc"])
    def test_file_table_select(self, starrocks, conn, fmt):
        import io

        import pyarrow.orc as orc
        import pyarrow.parquet as pq

        buffer = io.BytesIO()
        (pq.write_table if fmt == "parquet" else orc.write_table)(nested_table(), buffer)
        put_object(starrocks, f"nested/data.{fmt}", buffer.getvalue())
        query(conn, "CREATE DATABASE d")
        query(
            conn,
            f"CREATE EXTERNAL TABLE d.ft {self.COLUMNS} ENGINE=file PROPERTIES "
            f'("path" = "s3://starrocks-test/nested/data.{fmt}", "format" = "{fmt}", '
            f"{keys(starrocks, 'loader', 'aws.s3')})",
        )
        rows, _ = query(
            conn,
            "SELECT id, attributes['color'], tags[2], info.`inner`.c, cardinality(tags) FROM d.ft ORDER BY id",
        )
        assert rows == [("a", "red", 2, "x", 2), ("b", None, None, None, None)]
        create = query(conn, "SHOW CREATE TABLE d.ft")[0][0][1]
        assert "`attributes` MAP<VARCHAR(100),VARCHAR(2000)>" in create
        assert "`info` STRUCT<n INT, inner STRUCT<c VARCHAR(10)>>" in create

    def test_internal_table(self, conn):
        query(conn, "CREATE DATABASE d")
        query(conn, f"CREATE TABLE d.t {self.COLUMNS} DUPLICATE KEY(id)")
        query(conn, "INSERT INTO d.t (id, tags) VALUES ('a', [1, 2, 3])")
        assert query(conn, "SELECT tags[3] FROM d.t")[0] == [(3,)]

    @pytest.mark.parametrize(
        "column",
        ["m MAP<INT>", "a ARRAY<>", "s STRUCT<>", "s STRUCT<x>"],
    )
    def test_malformed_types_are_syntax_errors(self, conn, column):
        query(conn, "CREATE DATABASE d")
        with pytest.raises(pymysql.err.ProgrammingError, match="Getting syntax error"):
            query(conn, f"CREATE TABLE d.t ({column})")
