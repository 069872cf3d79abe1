"""StarRocksHook in the common-sql ecosystem: SQLAlchemy engines, get_df and insert_rows against the stack."""

from __future__ import annotations

import json

import pytest

from airflow_provider_starrocks.hooks import sql_ecosystem
from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

DIALECTS = [
    pytest.param("mysql", id="mysql_pymysql"),
    pytest.param(
        "starrocks",
        id="starrocks_dialect",
        marks=pytest.mark.skipif(
            not sql_ecosystem.starrocks_dialect_installed(),
            reason="the StarRocks SQLAlchemy dialect (pip install starrocks) is not installed",
        ),
    ),
]


@pytest.fixture
def sr_hook(starrocks, monkeypatch):
    """Connection ``sr`` to the stack with a session variable, a database and a table ``eco.t``."""
    conn = {
        "conn_type": "starrocks",
        "host": starrocks.fe_host,
        "port": starrocks.fe_port,
        "login": starrocks.user,
        "password": starrocks.password,
        "schema": "eco",
        "extra": {"session_variables": {"query_timeout": 600}, "catalog": None},
    }
    StarRocksHook().run("CREATE DATABASE IF NOT EXISTS eco")
    StarRocksHook().run(
        "CREATE TABLE eco.t (id BIGINT, name VARCHAR(20), amount DOUBLE) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)"
    )
    monkeypatch.setenv("AIRFLOW_CONN_SR", json.dumps(conn))
    return StarRocksHook(starrocks_conn_id="sr")


def _use_dialect(monkeypatch, dialect: str) -> None:
    # Picks the branch of sqlalchemy_url; the starrocks case runs only where the package is really installed.
    monkeypatch.setattr(sql_ecosystem, "starrocks_dialect_installed", lambda: dialect == "starrocks")


ROWS = [(1, "a", 1.5), (2, "it's", None), (3, "c", -2.0)]
needs_get_df = pytest.mark.skipif(
    not hasattr(StarRocksHook, "get_df"), reason="this common-sql provider has no DbApiHook.get_df"
)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sqlalchemy_engine_reads_through_the_hooks_connection(starrocks, sr_hook, monkeypatch, dialect):
    import sqlalchemy

    _use_dialect(monkeypatch, dialect)
    sr_hook.insert_rows("t", ROWS, target_fields=["id", "name", "amount"])
    engine = sr_hook.get_sqlalchemy_engine()
    try:
        assert engine.dialect.name == dialect
        seen = len(starrocks.statements)
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text("SELECT id, name FROM t ORDER BY id")).fetchall()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "a"), (2, "it's"), (3, "c")]
    # The engine connects with the hook's get_conn: the connection's session variables apply.
    assert "SET `query_timeout` = 600" in starrocks.statements[seen:]
    if hasattr(sr_hook, "dialect_name"):  # common-sql 1.23+
        assert sr_hook.dialect_name == dialect


@needs_get_df
@pytest.mark.parametrize("dialect", DIALECTS)
def test_get_df_pandas(sr_hook, monkeypatch, dialect):
    pytest.importorskip("pandas", reason="pandas is not installed")
    _use_dialect(monkeypatch, dialect)
    sr_hook.insert_rows("eco.t", ROWS, target_fields=["id", "name", "amount"])
    df = sr_hook.get_df("SELECT id, name, amount FROM eco.t WHERE id > %s ORDER BY id", parameters=[1])
    assert list(df.columns) == ["id", "name", "amount"]
    assert df["id"].tolist() == [2, 3]
    assert df["name"].tolist() == ["it's", "c"]


@needs_get_df
def test_get_df_polars(sr_hook):
    pytest.importorskip("polars", reason="polars is not installed")
    sr_hook.insert_rows("eco.t", ROWS, target_fields=["id", "name", "amount"])
    df = sr_hook.get_df("SELECT id, name FROM eco.t ORDER BY id", df_type="polars")
    assert df.columns == ["id", "name"]
    assert df["id"].to_list() == [1, 2, 3]
    assert df["name"].to_list() == ["a", "it's", "c"]


def test_insert_rows_batches_multi_row_inserts(starrocks, sr_hook):
    seen = len(starrocks.statements)
    sr_hook.insert_rows("eco.t", ROWS, target_fields=["id", "name", "amount"], commit_every=2)
    inserts = [s for s in starrocks.statements[seen:] if s.startswith("INSERT")]
    # pymysql's executemany: one multi-row INSERT per chunk of commit_every rows, values quoted by the driver.
    assert inserts == [
        "INSERT INTO eco.t (`id`, `name`, `amount`) VALUES ('1','a','1.5'),('2','it\\'s',NULL)",
        "INSERT INTO eco.t (`id`, `name`, `amount`) VALUES ('3','c','-2.0')",
    ]
    assert sorted(sr_hook.get_records("SELECT id, name, amount FROM eco.t")) == ROWS


def test_insert_rows_replace_is_refused_before_sql(starrocks, sr_hook):
    seen = len(starrocks.statements)
    with pytest.raises(ValueError, match=r"insert_rows\(replace=True\): StarRocks has no REPLACE INTO"):
        sr_hook.insert_rows("eco.t", ROWS, target_fields=["id", "name", "amount"], replace=True)
    assert starrocks.statements[seen:] == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_insert_rows_quotes_reserved_column_names(starrocks, sr_hook, monkeypatch, dialect):
    _use_dialect(monkeypatch, dialect)
    sr_hook.run(
        "CREATE TABLE eco.words (`rank` BIGINT, `text` VARCHAR(10)) DUPLICATE KEY(`rank`) DISTRIBUTED BY HASH(`rank`)"
    )
    sr_hook.insert_rows("eco.words", [(1, "x")], target_fields=["rank", "text"])
    assert "INSERT INTO eco.words (`rank`, `text`) VALUES ('1','x')" in starrocks.statements
    assert list(sr_hook.get_records("SELECT `rank`, `text` FROM eco.words")) == [(1, "x")]
