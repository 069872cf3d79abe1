"""FE emulator: connection, authentication, basic statements and internal tables over real pymysql."""

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


@pytest.fixture
def db_conn(conn):
    query(conn, "CREATE DATABASE d1")
    query(conn, "USE d1")
    query(
        conn,
        "CREATE TABLE t (id BIGINT NOT NULL, name VARCHAR(20), amount DECIMAL(10, 2), dt DATE) "
        "ENGINE=OLAP DUPLICATE KEY(id) COMMENT 'x' DISTRIBUTED BY HASH(id) BUCKETS 1 "
        'PROPERTIES ("replication_num" = "1")',
    )
    return conn


class TestConnection:
    def test_wrong_password_is_refused(self, fe):
        with pytest.raises(pymysql.err.OperationalError) as info:
            connect(fe, password="wrong")
        assert info.value.args == (1045, f"Access denied for user '{fe.user}' (using password: YES)")

    def test_unknown_user_is_refused(self, fe):
        with pytest.raises(pymysql.err.OperationalError) as info:
            connect(fe, user="nobody")
        assert "Access denied for user 'nobody'" in info.value.args[1]

    def test_statements_are_recorded(self, fe, conn):
        query(conn, "SELECT 1")
        assert fe.statements[-1] == "SELECT 1"

    def test_initial_database_from_handshake(self, fe, conn):
        query(conn, "CREATE DATABASE d0")
        other = connect(fe, database="d0")
        try:
            assert query(other, "SELECT database()")[0] == [("d0",)]
        finally:
            other.close()


class TestConstants:
    @pytest.mark.parametrize(
        ("sql", "expected"),
        [
            pytest.param("SELECT 1", 1, id="one"),
            pytest.param("SELECT current_version()", "3.3.5-abc1234", id="current_version"),
            pytest.param("SELECT version()", "5.1.0", id="version"),
            pytest.param("SELECT @@version", "5.1.0", id="at_version"),
            pytest.param("SELECT @@version_comment", "StarRocks version 3.3.5", id="version_comment"),
            pytest.param('SELECT "a\\"b"', 'a"b', id="escaped_double_quote"),
            pytest.param("SELECT 'it''s'", "it's", id="doubled_single_quote"),
            pytest.param('SELECT "x""y"', 'x"y', id="doubled_double_quote"),
            pytest.param("SELECT 'a\\\\b'", "a\\b", id="escaped_backslash"),
            pytest.param("SELECT 'tab\\there'", "tab\there", id="escaped_tab"),
            pytest.param("SELECT 'a\\%b'", "a\\%b", id="like_escape_kept"),
            pytest.param("SELECT 'a\\qb'", "aqb", id="unknown_escape_drops_backslash"),
        ],
    )
    def test_constant_select(self, conn, sql, expected):
        rows, _ = query(conn, sql)
        assert rows == [(expected,)]

    def test_pymysql_escaping_round_trip(self, conn):
        value = "a'b\"c\\d\ne\tf%_`"
        with conn.cursor() as cur:
            cur.execute("SELECT %s", (value,))
            assert cur.fetchall() == ((value,),)


class TestSet:
    @pytest.mark.parametrize(
        "sql",
        [
            pytest.param("SET NAMES utf8mb4", id="names"),
            pytest.param("SET AUTOCOMMIT = 1", id="autocommit"),
            pytest.param("SET query_timeout = 600", id="number"),
            pytest.param("SET SESSION time_zone = 'UTC'", id="session_string"),
            pytest.param("SET @@session.query_timeout = 60", id="at_at"),
            pytest.param("COMMIT", id="commit"),
            pytest.param("ROLLBACK", id="rollback"),
        ],
    )
    def test_accepted(self, conn, sql):
        assert query(conn, sql) == ([], [])

    def test_value_is_visible(self, conn):
        query(conn, "SET query_timeout = 42")
        assert query(conn, "SELECT @@query_timeout")[0] == [(42,)]

    def test_non_constant_is_refused(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, "SET query_timeout = (SELECT 1)")
        assert info.value.args[1] == (
            "Getting analyzing error. Detail message: Set statement only support constant expr."
        )


class TestDatabasesAndTables:
    def test_show_databases(self, conn):
        query(conn, "CREATE DATABASE IF NOT EXISTS d2")
        query(conn, "CREATE DATABASE IF NOT EXISTS d2")
        rows, columns = query(conn, "SHOW DATABASES")
        assert columns == ["Database"]
        assert ("d2",) in rows
        assert ("information_schema",) in rows

    def test_create_existing_database(self, conn):
        query(conn, "CREATE DATABASE d3")
        with pytest.raises(pymysql.err.ProgrammingError, match="Can't create database 'd3'; database exists"):
            query(conn, "CREATE DATABASE d3")

    def test_use_unknown_database(self, conn):
        with pytest.raises(pymysql.err.OperationalError) as info:
            query(conn, "USE nope")
        assert info.value.args == (1049, "Unknown database 'nope'")

    def test_insert_and_select(self, db_conn):
        query(db_conn, "INSERT INTO t VALUES (1, 'a', 1.50, '2024-01-01'), (2, 'b', 2.25, '2024-01-02')")
        query(db_conn, 'INSERT INTO d1.t (id, name) VALUES (3, "c\\"q")')
        assert query(db_conn, "SELECT count(*) FROM t")[0] == [(3,)]
        rows, columns = query(db_conn, "SELECT id, name FROM d1.t WHERE id >= 2 ORDER BY id DESC")
        assert columns == ["id", "name"]
        assert rows == [(3, 'c"q'), (2, "b")]

    def test_show_tables_and_drop(self, db_conn):
        assert query(db_conn, "SHOW TABLES")[0] == [("t",)]
        query(db_conn, "DROP TABLE t")
        query(db_conn, "DROP TABLE IF EXISTS t")
        assert query(db_conn, "SHOW TABLES")[0] == []

    def test_unknown_table(self, db_conn):
        with pytest.raises(pymysql.err.ProgrammingError, match="Unknown table 'd1.nope'"):
            query(db_conn, "SELECT * FROM nope")

    def test_no_database_selected(self, conn):
        with pytest.raises(pymysql.err.OperationalError, match="No database selected"):
            query(conn, "SELECT * FROM t")

    def test_drop_database(self, db_conn):
        query(db_conn, "DROP DATABASE d1")
        with pytest.raises(
            pymysql.err.ProgrammingError, match="Can't drop database 'd1'; database doesn't exist"
        ):
            query(db_conn, "DROP DATABASE d1")

    def test_unsupported_statement_fails_clearly(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError, match="not supported by the StarRocks emulator"):
            query(conn, "ALTER TABLE x ADD COLUMN y INT")

    def test_syntax_error(self, conn):
        with pytest.raises(pymysql.err.ProgrammingError) as info:
            query(conn, "CREATE TABLE (")
        assert info.value.args[1].startswith("Getting syntax error at line 1, column 13. Detail message: ")


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        pytest.param("SHOW VARIABLES LIKE 'sql_mode'", [("sql_mode", "ONLY_FULL_GROUP_BY")], id="exact"),
        pytest.param(
            "SHOW SESSION VARIABLES LIKE 'lower_case%'", [("lower_case_table_names", "0")], id="percent"
        ),
        pytest.param("SHOW VARIABLES LIKE 'tx_read_onl_'", [("tx_read_only", "0")], id="underscore"),
        pytest.param("SHOW VARIABLES LIKE 'SQL_MODE'", [], id="case_sensitive"),
    ],
)
def test_show_variables_like(conn, statement, expected):
    """SQLAlchemy's MySQL dialect sends ``SHOW VARIABLES LIKE 'sql_mode'`` when it first connects."""
    rows, columns = query(conn, statement)
    assert columns == ["Variable_name", "Value"]
    assert rows == expected


@pytest.mark.parametrize(
    ("statement", "keys"),
    [
        pytest.param("ADMIN SHOW FRONTEND CONFIG LIKE 'run_mode'", ["run_mode"], id="run_mode"),
        pytest.param(
            "ADMIN SHOW FRONTEND CONFIG LIKE 'label_keep%'",
            ["label_keep_max_num", "label_keep_max_second"],
            id="pattern",
        ),
        pytest.param("ADMIN SHOW FRONTEND CONFIG LIKE 'no_such_config'", [], id="no_match"),
    ],
)
def test_admin_show_frontend_config(conn, statement, keys):
    """The StarRocks SQLAlchemy dialect reads ``run_mode`` this way when it first connects."""
    rows, columns = query(conn, statement)
    assert columns == ["Key", "AliasNames", "Value", "Type", "IsMutable", "Comment"]
    assert [row[0] for row in rows] == keys
    if keys == ["run_mode"]:
        assert rows == [("run_mode", "[]", "shared_nothing", "String", "false", "")]
