"""StarRocksHook against the local stack's FE over a real MySQL connection."""

from __future__ import annotations

import json
import logging

import pytest

from airflow_provider_starrocks.hooks.starrocks import (
    StarRocksConnectionError,
    StarRocksHook,
    StarRocksVersionError,
    parse_version,
)
from airflow_provider_starrocks.utils.sql import Statement


def _set_conn(monkeypatch, conn_id: str, **fields) -> None:
    fields.setdefault("conn_type", "starrocks")
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


@pytest.fixture
def fe_conn(starrocks, monkeypatch):
    """Define connection ``sr`` to the stack's FE; extra fields override the defaults."""

    def define(**fields) -> StarRocksHook:
        base = {
            "host": starrocks.fe_host,
            "port": starrocks.fe_port,
            "login": starrocks.user,
            "password": starrocks.password,
        }
        _set_conn(monkeypatch, "sr", **{**base, **fields})
        return StarRocksHook(starrocks_conn_id="sr")

    return define


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("3.3.5-6d81f75", (3, 3, 5), id="current_version"),
        pytest.param("2.1.2 0782ad7", (2, 1, 2), id="space_separated"),
        pytest.param("StarRocks version 3.1.0", (3, 1, 0), id="version_comment"),
        pytest.param("3.4", (3, 4, 0), id="no_patch"),
    ],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_parse_version_rejects_garbage():
    with pytest.raises(ValueError, match="Cannot parse a StarRocks version"):
        parse_version("unknown")


def test_run_and_get_records(starrocks, fe_conn):
    hook = fe_conn()
    hook.run("CREATE DATABASE IF NOT EXISTS hook_db")
    hook.run("CREATE TABLE hook_db.t (id BIGINT, name VARCHAR(20)) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)")
    hook.run("INSERT INTO hook_db.t VALUES (1, 'a'), (2, 'b')")
    assert list(hook.get_records("SELECT id, name FROM hook_db.t ORDER BY id")) == [(1, "a"), (2, "b")]
    assert hook.get_first("SELECT count(*) FROM hook_db.t") == (2,)


def test_schema_is_default_database(starrocks, fe_conn):
    fe_conn().run("CREATE DATABASE IF NOT EXISTS analytics")
    hook = fe_conn(schema="analytics")
    hook.run("CREATE TABLE t (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)")
    assert list(hook.get_records("SHOW TABLES")) == [("t",)]


@pytest.mark.parametrize(
    "autocommit", [pytest.param(True, id="autocommit"), pytest.param(False, id="commit")]
)
def test_autocommit(starrocks, fe_conn, autocommit):
    hook = fe_conn()
    hook.run("CREATE DATABASE IF NOT EXISTS ac_db")
    hook.run("CREATE TABLE ac_db.t (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)")
    hook.run("INSERT INTO ac_db.t VALUES (1)", autocommit=autocommit)
    assert hook.get_first("SELECT count(*) FROM ac_db.t") == (1,)
    conn = hook.get_conn()
    hook.set_autocommit(conn, autocommit)
    assert hook.get_autocommit(conn) is autocommit
    conn.close()


def test_session_variables_and_catalog_switch(starrocks, fe_conn):
    hook = fe_conn()
    hook.run(
        'CREATE EXTERNAL CATALOG hms PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://127.0.0.1:9083")'
    )
    hook = fe_conn(extra={"catalog": "hms", "session_variables": {"query_timeout": 600, "time_zone": "UTC"}})
    hook.get_conn().close()
    sent = starrocks.statements[-3:]
    assert sent == ["SET `query_timeout` = 600", 'SET `time_zone` = "UTC"', "SET CATALOG `hms`"]


def test_default_catalog_connection_skips_the_catalog_switch(starrocks, fe_conn):
    hook = fe_conn(extra={"catalog": "hms", "session_variables": {"query_timeout": 600}})
    seen = len(starrocks.statements)
    hook.get_conn(default_catalog=True).close()
    assert starrocks.statements[seen:][-1] == "SET `query_timeout` = 600"
    assert "SET CATALOG `hms`" not in starrocks.statements[seen:]


def test_failed_session_setup_closes_the_connection(starrocks, fe_conn):
    hook = fe_conn(extra={"catalog": "no_such_catalog"})
    with pytest.raises(Exception, match="no_such_catalog"):
        hook.get_conn()


def test_test_connection_reports_version(starrocks, fe_conn):
    ok, message = fe_conn().test_connection()
    assert ok
    assert message.startswith("Connected to StarRocks 3.")


def test_get_server_version_and_require(starrocks, fe_conn):
    hook = fe_conn()
    version = hook.get_server_version()
    assert version >= (3, 1, 0)
    assert hook.require_version((3, 1), "FILES()") == version
    with pytest.raises(
        StarRocksVersionError, match=r"SUBMIT TASK needs StarRocks 99\.0 or newer; .* runs 3\."
    ):
        hook.require_version((99, 0), "SUBMIT TASK")


def test_execute_statement_logs_only_redacted(starrocks, fe_conn, capsys, caplog):
    hook = fe_conn()
    caplog.set_level(logging.INFO)
    rows, columns = hook.execute_statement(Statement('SELECT "s3cr3t-value-123"', 'SELECT "***"'))
    assert rows == [("s3cr3t-value-123",)]
    assert len(columns) == 1
    # Airflow 3 hooks log through structlog to stdout, Airflow 2 through stdlib logging.
    logged = "".join(capsys.readouterr()) + caplog.text
    assert "s3cr3t-value-123" not in logged
    assert 'SELECT "***"' in logged


@pytest.mark.parametrize(
    ("fields", "server_text"),
    [
        pytest.param({"password": "wrong-password-xyz"}, "Access denied", id="bad_password"),
        pytest.param({"schema": "no_such_db"}, "no_such_db", id="unknown_database"),
        pytest.param({"port": 1, "password": "wrong-password-xyz"}, "Can't connect", id="unreachable"),
    ],
)
def test_connection_errors_name_connection_not_password(starrocks, fe_conn, fields, server_text):
    hook = fe_conn(**fields)
    with pytest.raises(StarRocksConnectionError) as excinfo:
        hook.get_conn()
    message = str(excinfo.value)
    port = fields.get("port", starrocks.fe_port)
    assert f"StarRocks connection 'sr' ({starrocks.fe_host}:{port})" in message
    assert server_text in message
    assert "wrong-password-xyz" not in message
    assert starrocks.password not in message


def test_sqlalchemy_url_and_uri(monkeypatch):
    from airflow_provider_starrocks.hooks import sql_ecosystem

    monkeypatch.setattr(sql_ecosystem, "starrocks_dialect_installed", lambda: False)
    _set_conn(monkeypatch, "sr", host="fe", port=9030, login="u", password="p@ss", schema="db")
    hook = StarRocksHook(starrocks_conn_id="sr")
    assert hook.get_uri() == "mysql+pymysql://u:p%40ss@fe:9030/db"
    assert hook.sqlalchemy_url.render_as_string() == "mysql+pymysql://u:***@fe:9030/db"


def test_ssl_is_off_unless_configured(monkeypatch):
    _set_conn(monkeypatch, "sr", host="fe")
    assert "ssl" not in StarRocksHook(starrocks_conn_id="sr")._connect_kwargs()
    _set_conn(monkeypatch, "sr", host="fe", extra={"ssl": {"ca": "/ca.pem"}})
    assert StarRocksHook(starrocks_conn_id="sr")._connect_kwargs()["ssl"] == {"ca": "/ca.pem"}


def test_bad_session_variables_extra(monkeypatch):
    _set_conn(monkeypatch, "sr", host="fe", extra={"session_variables": "not json"})
    with pytest.raises(ValueError, match="extra 'session_variables' must be JSON"):
        StarRocksHook(starrocks_conn_id="sr")._session_statements()
