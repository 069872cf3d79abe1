"""SQL expressions (where, select, set_expressions) stay inside their clause, whatever text a DAG run passes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_security_quoting import (  # the shared hostile alphabets, tokenizer and stack helpers
    LOAD_SETTINGS,
    SETTINGS,
    check_load,
    fe,  # noqa: F401 - fixture
    fe_query,
    fe_sales,  # noqa: F401 - fixture
    hostile_text,
    minimal_context,
    sql_tokens,
)

from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.utils.expressions import render_expression, render_select_list

PARQUET = "s3://starrocks-test/sample/orders.parquet"
OTHER_PATH = "s3://starrocks-test/sample/orders.csv"
# Each one broke out of its clause before expressions were parsed (the attack pass behind issue 17).
BREAKOUTS = [
    pytest.param(
        f'id > 0, DATA INFILE("{PARQUET}") INTO TABLE other FORMAT AS "parquet"', id="second_data_desc"
    ),
    pytest.param(f'id > 0)\n, DATA INFILE("{PARQUET}") INTO TABLE other (id', id="paren_break"),
    pytest.param("id > 0 UNION ALL SELECT * FROM other", id="union"),
    pytest.param("id IN (SELECT id FROM other)", id="in_subquery"),
    pytest.param("(SELECT max(id) FROM other) > 0", id="scalar_subquery"),
    pytest.param("EXISTS (SELECT 1 FROM other)", id="exists"),
    pytest.param(f"id > 0 FROM FILES('path' = '{OTHER_PATH}')", id="from_files"),
    pytest.param(f"FILES('path' = '{OTHER_PATH}', 'format' = 'csv') IS NOT NULL", id="table_function"),
    pytest.param("id > 0 LIMIT 1", id="limit"),
    pytest.param("id > 0 \uff1b DROP TABLE other", id="fullwidth_semicolon"),
    pytest.param("id \uff1e 0", id="fullwidth_gt"),
    pytest.param("\uff33\uff25\uff2c\uff25\uff23\uff34 1", id="fullwidth_select"),
    pytest.param("id\u3000>\u30000", id="ideographic_space"),
    pytest.param("id > 0 -- , DATA INFILE", id="comment"),
    pytest.param("id > @@version", id="variable"),
    pytest.param("sum(id) OVER ()", id="window"),
    pytest.param("((((id > 0)))", id="unbalanced"),
]
EXPRESSION_PIECES = [
    ",",
    " , ",
    "(",
    ")",
    " DATA INFILE(",
    " INTO TABLE other",
    " UNION ALL SELECT * FROM other",
    " FROM ",
    " FILES(",
    " SELECT ",
    " WHERE ",
    f' "{PARQUET}"',
    "'x'",
    " AND ",
    " OR ",
    " id ",
    " 1 ",
    "\uff07",  # fullwidth apostrophe
    "\uff1b",  # fullwidth semicolon
    "\u2019",  # right single quotation mark
    "\uff08",  # fullwidth parenthesis
]
expression_payload = st.lists(
    st.one_of(st.sampled_from(EXPRESSION_PIECES), hostile_text), min_size=1, max_size=8
).map("".join)
payload = st.one_of(
    expression_payload,
    st.sampled_from(["id > 1", "name = 'x'", "upper(name) LIKE 'A%'", "(id + 1) < 5"]).flatmap(
        lambda e: expression_payload.map(e.__add__)
    ),
)
CLAUSE_WORDS = {"SELECT", "FROM", "UNION", "INTO", "TABLE", "INFILE", "FILES", "WHERE", "LIMIT", "EXCEPT"}


def assert_contained(rendered: str) -> None:
    """The rendered text is one parenthesized unit: no clause keyword, no statement end, nothing after it."""
    tokens = sql_tokens(rendered)
    assert tokens[0] == ("sym", "("), rendered
    assert tokens[-1] == ("sym", ")"), rendered
    depth = 0
    for index, (kind, value) in enumerate(tokens):
        assert kind != "comment", rendered
        assert (kind, value) != ("sym", ";"), rendered
        assert not (kind == "word" and value in CLAUSE_WORDS), rendered
        depth += {("sym", "("): 1, ("sym", ")"): -1}.get((kind, value), 0)
        assert depth > 0 or index == len(tokens) - 1, rendered


def attempt(render: Any, text: str, argument: str) -> tuple[str, ValueError | None]:
    try:
        return render(text, argument), None
    except ValueError as exc:
        return "", exc


@settings(SETTINGS, max_examples=400)
@given(text=payload)
def test_expression_is_refused_or_one_contained_expression(text):
    rendered, error = attempt(render_expression, text, "where")
    if error is not None:
        assert str(error).startswith("where: ")
        return
    assert_contained(rendered)
    assert render_expression(rendered, "where") == f"({rendered})"  # the rendering is its own fixed point


@settings(SETTINGS, max_examples=400)
@given(text=payload)
def test_select_list_is_refused_or_contained_items(text):
    rendered, error = attempt(render_select_list, text, "select")
    if error is not None:
        assert str(error).startswith("select: ")
        return
    assert_contained(f"({rendered})")
    assert render_select_list(rendered, "select") == rendered


@pytest.mark.parametrize("text", BREAKOUTS)
def test_breakouts_are_refused_naming_the_argument(text):
    with pytest.raises(
        ValueError, match=r"^where: .* (is not one expression|contains|calls the table function)"
    ):
        render_expression(text, "where")


# -- end to end: what the FE receives and runs ------------------------------------------------------------------


@pytest.fixture
def fe_other(fe_sales):  # noqa: F811 - the imported fixture
    fe_query(fe_sales, "CREATE TABLE `sales`.`other` (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)")
    fe_query(fe_sales, "INSERT INTO `sales`.`other` VALUES (1)")
    fe_sales.statements.clear()
    return fe_sales


def other_rows(stack: Any) -> int:
    return fe_query(stack, "SELECT count(*) FROM `sales`.`other`")[0][0]


def assert_broker_load_holds(stack: Any, argument: str, text: str, **kwargs: Any) -> None:
    got = check_load(stack, argument, **kwargs)
    if got is not None:
        assert got.stmt is not None, f"the FE refused what was accepted: {got.sql}"
        (desc,) = got.stmt.data_descs
        assert desc.table == "orders"
        if argument == "where":
            assert desc.where == render_expression(text, "where")
        else:
            assert desc.set_exprs == [("amount", render_expression(text, "set_expressions['amount']"))]
    assert other_rows(stack) == 1


@pytest.mark.parametrize("text", BREAKOUTS)
def test_broker_load_where_breakout_is_refused_before_sql(fe_other, text):
    assert check_load(fe_other, "where", where=text) is None
    assert fe_other.statements == [] or not any(s.startswith("LOAD") for s in fe_other.statements)
    assert other_rows(fe_other) == 1


@LOAD_SETTINGS
@given(text=payload)
def test_broker_load_where_reaches_the_fe_as_that_expression(fe_other, text):
    assert_broker_load_holds(fe_other, "where", text, where=text)


@LOAD_SETTINGS
@given(text=payload)
def test_broker_load_set_expression_reaches_the_fe_as_that_expression(fe_other, text):
    assert_broker_load_holds(
        fe_other,
        "set_expressions",
        text,
        columns=["id", "name", "raw", "dt"],
        set_expressions={"amount": text},
    )


def run_files(stack: Any, **kwargs: Any) -> str | None:
    """Run a FILES() insert; return the INSERT the FE received, or None when it was refused before any SQL."""
    operator = StarRocksInsertFromFilesOperator(
        task_id="insert",
        database="sales",
        table="orders",
        source=PARQUET,
        format="parquet",
        aws_conn_id=None,
        region="us-west-2",
        label=f"expr_{len(stack.statements)}_{id(kwargs)}",
        **kwargs,
    )
    before = len(stack.statements)
    error: Exception | None = None
    try:
        operator.execute(minimal_context())
    except Exception as exc:  # a submitted INSERT may fail in StarRocks: it still reached the FE
        error = exc
    sent = stack.statements[before:]
    if error is not None and not any(s.startswith("INSERT") for s in sent):
        assert not sent, f"failed after sending {sent!r}: {error}"
        argument = next(iter(kwargs))
        assert argument in str(error), f"refusal does not name {argument!r}: {error}"
        return None
    (insert,) = [s for s in stack.statements[before:] if s.startswith("INSERT")]
    return insert


@pytest.mark.parametrize("argument", ["select", "where"])
@pytest.mark.parametrize("text", BREAKOUTS)
def test_files_breakout_is_refused_before_sql(fe_other, argument, text):
    if argument == "select":
        text = text.replace("id > 0", "id", 1)
    assert run_files(fe_other, **{argument: text}) is None
    assert other_rows(fe_other) == 1


@LOAD_SETTINGS
@given(text=payload, argument=st.sampled_from(["select", "where"]))
def test_files_expression_reaches_the_fe_as_that_expression(fe_other, text, argument):
    insert = run_files(fe_other, **{argument: text})
    if insert is not None:
        words = [value for kind, value in sql_tokens(insert) if kind == "word"]
        assert words.count("SELECT") == 1
        assert words.count("FILES") == 1
        assert "UNION" not in words
        if argument == "select":
            assert f"\nSELECT {render_select_list(text, 'select')}\nFROM FILES(" in insert
        else:
            assert insert.endswith(f"\nWHERE {render_expression(text, 'where')}")
    assert other_rows(fe_other) == 1


def test_conf_templated_where_cannot_load_another_table(fe_other, run_dag):
    from airflow.providers.common.compat.sdk import DAG

    from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

    attack = f'id > 0, DATA INFILE("{PARQUET}") INTO TABLE other FORMAT AS "parquet"'
    with DAG("expr_conf", schedule=None, catchup=False) as dag:
        StarRocksS3BrokerLoadOperator(
            task_id="load",
            database="sales",
            table="orders",
            source=PARQUET,
            where="{{ dag_run.conf['where'] }}",
            aws_conn_id=None,
            region="us-west-2",
            poll_interval=0.05,
            retries=2,
        )
    result = run_dag(dag, run_conf={"where": attack})
    assert result.task_states == {"load": "failed"}
    assert not any(s.startswith("LOAD") for s in fe_other.statements)
    assert other_rows(fe_other) == 1


ACCEPTED = [
    pytest.param("id > 1", id="comparison"),
    pytest.param("name = 'x;y -- z /* w */'", id="keywords_in_literal"),
    pytest.param("upper(name) LIKE 'A%' OR name IS NULL", id="function_like_or"),
    pytest.param("dt BETWEEN '2024-01-01' AND '2024-12-31'", id="between"),
    pytest.param("cast(amount AS DECIMAL(10, 2)) > 1.5", id="cast"),
    pytest.param("id NOT IN (1, 2, 3)", id="in_list"),
    pytest.param('name = \'O\\\'Reilly\' OR name = "a""b"', id="escaped_quotes"),
    pytest.param("CASE WHEN id > 5 THEN 1 ELSE 0 END = 1", id="case"),
    pytest.param("`name` <> 'select * from other'", id="quoted_identifier"),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_where_reaches_the_fe_as_that_expression(fe_other, text):
    got = check_load(fe_other, "where", where=text)
    assert got is not None
    assert got.stmt is not None
    assert_broker_load_holds(fe_other, "where", text, where=text)
