"""Injection properties of the unload and pipe operators: every hostile value is refused before SQL, or exact."""

from __future__ import annotations

import types
from typing import Any

import pytest
from hypothesis import example, given
from test_security_quoting import (
    INJECTION,
    LOAD_SETTINGS,
    Tokens,
    fe_query,
    hostile_text,
    name_or_hostile,
    run_or_refusal,
    sql_tokens,
)


@pytest.fixture
def fe_sales(starrocks):
    """The reset stack with ``sales.orders`` (two rows), its statement log emptied."""
    starrocks.sql(
        "CREATE DATABASE sales",
        "CREATE TABLE sales.orders (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE) DUPLICATE KEY(id)",
        "INSERT INTO sales.orders VALUES (1, 'a', 1.5, '2024-01-01'), (2, 'b', 2.5, '2024-01-02')",
    )
    starrocks.statements.clear()
    return starrocks


def context() -> dict[str, Any]:
    ti = types.SimpleNamespace(
        dag_id="sec", task_id="unload", run_id="manual__sec", map_index=-1, try_number=1
    )
    return {"ti": ti}


def unload(stack: Any, argument: str, **kwargs: Any) -> list[tuple[str, str]] | None:
    """Run an unload with one hostile argument; return the tokens of the INSERT the FE received, or None."""
    from airflow_provider_starrocks.operators.unload import StarRocksUnloadToS3Operator

    kwargs.setdefault("path", "s3://starrocks-test/unload/sec/")
    if "sql" not in kwargs:
        kwargs.setdefault("table", "sales.orders")
    operator = StarRocksUnloadToS3Operator(task_id="unload", aws_conn_id="aws_write_role", **kwargs)
    before = len(stack.statements)
    error: Exception | None = None
    try:
        operator.execute(context())
    except Exception as exc:  # refused before SQL, or StarRocks refused the statement it received
        error = exc
    sent = stack.statements[before:]
    if error is not None and not any(s.startswith("INSERT INTO FILES") for s in sent):
        assert not sent, sent
        assert argument in str(error), f"refusal does not name {argument!r}: {error}"
        return None
    (insert,) = [s for s in stack.statements[before:] if s.startswith("INSERT INTO FILES")]
    tokens = sql_tokens(insert)
    assert ("sym", ";") not in tokens
    assert not [t for t in tokens if t[0] == "comment"]
    return tokens


def files_properties(tokens: list[tuple[str, str]]) -> dict[str, str]:
    cursor = Tokens("")
    cursor.items, cursor.pos, cursor.sql = tokens, 3, repr(tokens)  # after INSERT INTO FILES
    return cursor.properties()


@LOAD_SETTINGS
@example(suffix=INJECTION)
@given(suffix=hostile_text)
def test_unload_path_is_refused_or_exact(fe_sales, suffix):
    path = "s3://starrocks-test/unload/" + suffix
    tokens = unload(fe_sales, "path", path=path)
    if tokens is not None:
        assert files_properties(tokens)["path"] == (path if path.endswith("/") else path + "/")


@LOAD_SETTINGS
@example(where=INJECTION)
@example(where="1=1) UNION SELECT * FROM sales.orders WHERE (1=1")
@given(where=hostile_text)
def test_unload_where_is_refused_or_one_predicate(fe_sales, where):
    tokens = unload(fe_sales, "where", where=where)
    if tokens is not None:
        words = [v for k, v in tokens if k == "word"]
        assert words.count("SELECT") == 1
        assert "UNION" not in words


@LOAD_SETTINGS
@example(tail=INJECTION)
@example(tail="; DROP TABLE sales.orders")
@example(tail=" INTO OUTFILE 's3://starrocks-test/x/'")
@given(tail=hostile_text)
def test_unload_sql_is_refused_or_one_query(fe_sales, tail):
    tokens = unload(fe_sales, "sql", sql="SELECT id FROM sales.orders WHERE id > 0" + tail)
    if tokens is not None:
        words = [v for k, v in tokens if k == "word"]
        assert words[:3] == ["INSERT", "INTO", "FILES"]
        assert "DROP" not in words
        assert "OUTFILE" not in words


@LOAD_SETTINGS
@given(column=name_or_hostile)
def test_unload_partition_column_is_refused_or_exact(fe_sales, column):
    tokens = unload(fe_sales, "partition_by", properties={"partition_by": column})
    if tokens is not None:
        assert files_properties(tokens)["partition_by"] == column.strip()


def create_pipe(stack: Any, argument: str, **kwargs: Any) -> list[str]:
    from airflow_provider_starrocks.operators.pipe import StarRocksCreatePipeOperator

    kwargs.setdefault("pipe", "sec_pipe")
    operator = StarRocksCreatePipeOperator(
        task_id="create",
        database="sales",
        table="orders",
        source="s3://starrocks-test/sample/orders.parquet",
        aws_conn_id="aws_assumed_role",
        **kwargs,
    )
    sent, _ = run_or_refusal(stack, operator, argument)
    return sent


@LOAD_SETTINGS
@given(pipe=name_or_hostile)
def test_pipe_name_is_refused_or_exact(fe_sales, pipe):
    sent = create_pipe(fe_sales, "pipe", pipe=pipe)
    if sent:
        names = [row[0] for row in fe_query(fe_sales, "SELECT PIPE_NAME FROM information_schema.pipes")]
        assert pipe in names
        fe_query(fe_sales, f"DROP PIPE sales.`{pipe}`")


@LOAD_SETTINGS
@example(select=INJECTION)
@example(select="* FROM FILES('path'='s3://other/') --")
@given(select=hostile_text)
def test_pipe_select_is_refused_or_one_select_list(fe_sales, select):
    sent = create_pipe(fe_sales, "select", select=select)
    creates = [s for s in sent if s.startswith("CREATE PIPE")]
    if creates:
        words = [v for k, v in sql_tokens(creates[0]) if k == "word"]
        assert words.count("FILES") == 1
        assert words.count("SELECT") == 1
        fe_query(fe_sales, "DROP PIPE IF EXISTS sales.sec_pipe")


@LOAD_SETTINGS
@example(name=INJECTION)
@given(name=hostile_text)
def test_pipe_sensor_file_names_are_refused_or_exact(name):
    from airflow_provider_starrocks.sensors.pipe import check_pipe_sensor_args
    from airflow_provider_starrocks.utils.statements.pipes import pipe_files

    uri = "s3://starrocks-test/daily/" + name
    error: ValueError | None = None
    try:
        files = check_pipe_sensor_args("sales", "p", None, [uri])
    except ValueError as exc:
        error = exc
    if error is not None:
        assert "files" in str(error)
        return
    assert files is not None
    tokens = sql_tokens(pipe_files("sales", "p", files).sql)
    assert ("str", uri) in tokens
    assert ("sym", ";") not in tokens
