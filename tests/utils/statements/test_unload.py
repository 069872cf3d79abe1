"""INSERT INTO FILES() unload statements: the query check, table queries and the redacted twin."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.expressions import StarRocksExpressionError
from airflow_provider_starrocks.utils.queries import render_query
from airflow_provider_starrocks.utils.sql import StarRocksSqlValueError
from airflow_provider_starrocks.utils.statements.unload import split_table_name, table_query, unload_to_files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("SELECT 1", "SELECT 1", id="plain"),
        pytest.param(
            "  SELECT dt, sum(x) FROM s.t GROUP BY dt;  ",
            "SELECT dt, sum(x) FROM s.t GROUP BY dt",
            id="trailing-semicolon",
        ),
        pytest.param(
            "WITH a AS (SELECT 1 AS x) SELECT x FROM a", "WITH a AS (SELECT 1 AS x) SELECT x FROM a", id="cte"
        ),
        pytest.param("(SELECT 1) UNION ALL (SELECT 2)", "(SELECT 1) UNION ALL (SELECT 2)", id="union"),
        pytest.param(
            "SELECT ';' AS s, 'insert into' AS t",
            "SELECT ';' AS s, 'insert into' AS t",
            id="keywords-in-quotes",
        ),
    ],
)
def test_render_query_accepts_one_select(text: str, expected: str) -> None:
    assert render_query(text, "sql") == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("SELECT 1; SELECT 2", "more than one statement", id="two-statements"),
        pytest.param("SELECT 1; DROP TABLE t", "more than one statement", id="stacked-drop"),
        pytest.param("DROP TABLE t", "is not a query", id="ddl"),
        pytest.param("INSERT INTO t SELECT 1", "is not a query", id="insert"),
        pytest.param("SELECT * FROM t INTO OUTFILE 's3://x/'", "INTO", id="into-outfile"),
        pytest.param("SELECT 1 -- hi", "comment", id="comment"),
        pytest.param("SELECT (1", "without its ')'", id="unbalanced-open"),
        pytest.param("SELECT 1)", "without its '('", id="unbalanced-close"),
        pytest.param("", "empty", id="empty"),
        pytest.param("SELECT 'x", "unterminated", id="unterminated"),
        pytest.param("SELECT @@password", "outside quotes", id="variable"),
    ],
)
def test_render_query_refuses(text: str, problem: str) -> None:
    with pytest.raises(StarRocksExpressionError, match="sql") as info:
        render_query(text, "sql")
    assert problem in str(info.value)


def test_render_query_refuses_non_string() -> None:
    with pytest.raises(StarRocksExpressionError, match="sql: must be a string"):
        render_query(42, "sql")


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        pytest.param("sales.orders", ("sales", "orders"), id="db-table"),
        pytest.param("hive.sales.orders", ("hive", "sales", "orders"), id="catalog-db-table"),
    ],
)
def test_split_table_name(name: str, parts: tuple[str, ...]) -> None:
    assert split_table_name(name) == parts


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("orders", id="unqualified"),
        pytest.param("a.b.c.d", id="four-parts"),
        pytest.param("bad-db.orders", id="bad-database"),
        pytest.param("sales.or`ders", id="backtick"),
        pytest.param(None, id="none"),
    ],
)
def test_split_table_name_refuses(name: object) -> None:
    with pytest.raises(StarRocksSqlValueError, match="table"):
        split_table_name(name)


def test_table_query_quotes_names_and_renders_where() -> None:
    sql = table_query(("sales", "orders"), ["id", "amount"], "amount > 0")
    assert sql == "SELECT `id`, `amount`\nFROM `sales`.`orders`\nWHERE (`amount` > 0)"
    assert table_query(("sales", "orders")) == "SELECT *\nFROM `sales`.`orders`"


def test_table_query_refuses_injection_in_where() -> None:
    with pytest.raises(StarRocksExpressionError, match="where"):
        table_query(("sales", "orders"), (), "1=1) UNION SELECT * FROM secrets.keys WHERE (1=1")


def test_unload_redacts_secret_keys() -> None:
    statement = unload_to_files(
        files_properties={
            "path": "s3://b/out/",
            "format": "parquet",
            "aws.s3.access_key": "AKIAEXAMPLE",
            "aws.s3.secret_key": 'se"cret',
        },
        query="SELECT 1 AS one",
        secret_keys={"aws.s3.access_key", "aws.s3.secret_key"},
    )
    assert statement.sql.startswith('INSERT INTO FILES(\n    "path" = "s3://b/out/",')
    assert '"aws.s3.secret_key" = "se\\"cret"' in statement.sql
    assert statement.sql.endswith("\n)\nSELECT 1 AS one")
    assert "AKIAEXAMPLE" not in statement.redacted
    assert "se" + '\\"cret' not in statement.redacted
    assert '"aws.s3.secret_key" = "***"' in statement.redacted
    assert "WITH LABEL" not in statement.sql  # StarRocks ignores a label on a FILES() target
