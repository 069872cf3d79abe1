"""The SQL text core of utils/sql.py: quoting, property lists, name and label validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_starrocks.utils.sql import (
    REDACTED,
    StarRocksSqlValueError,
    Statement,
    property_list,
    qualified_name,
    quote_identifier,
    quote_literal,
    render_value,
    require_match,
    validate_label,
    validate_name,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

HOSTILE_VALUES = [
    pytest.param('a"b', id="double_quote"),
    pytest.param("a'b", id="single_quote"),
    pytest.param("a`b", id="backtick"),
    pytest.param("a\\b", id="backslash"),
    pytest.param("trailing\\", id="trailing_backslash"),
    pytest.param('\\"', id="backslash_quote"),
    pytest.param('""', id="two_quotes"),
    pytest.param("\\n is not a newline", id="backslash_n_text"),
    pytest.param("line1\nline2\r\n", id="newlines"),
    pytest.param("tab\there\b\x1a", id="control_escapes"),
    pytest.param("\x01\x1f\x7f", id="other_controls"),
    pytest.param("100\\%_\\_", id="like_wildcards"),
    pytest.param("zażółć 表 🚀", id="unicode"),
    pytest.param('x", "aws.s3.region" = "evil', id="property_injection"),
    pytest.param('"; DROP DATABASE db; -- ', id="sql_fragment"),
    pytest.param("/* comment */ $$ attachment $$", id="comment_and_dollars"),
    pytest.param("", id="empty"),
]


def starrocks_read_literal(sql: str) -> tuple[str, str]:
    """
    Read one double-quoted literal at the start of ``sql`` as StarRocks does; return (value, rest).

    Model of StarRocksLex.g4 DOUBLE_QUOTED_TEXT ('"' ('\\\\'. | '""' | ~('"'| '\\\\'))* '"') followed by
    AstBuilder.visitString (newer releases replace '""' by '"') and AstBuilder.escapeBackSlash.
    """
    assert sql.startswith('"')
    i = 1
    while True:
        if i >= len(sql):
            raise ValueError("unterminated literal")
        if sql[i] == "\\" and i + 1 < len(sql) or sql.startswith('""', i):
            i += 2
        elif sql[i] == '"':
            break
        else:
            i += 1
    body, rest = sql[1:i].replace('""', '"'), sql[i + 1 :]
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "0": "\0", "Z": "\x1a"}
    out, j = [], 0
    while j < len(body):
        if body[j] == "\\" and j + 1 < len(body):
            nxt = body[j + 1]
            out.append(escapes.get(nxt, ("\\" + nxt) if nxt in "%_" else nxt))
            j += 2
        else:
            out.append(body[j])
            j += 1
    return "".join(out), rest


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_quote_literal_round_trips_through_the_lexer_model(value: str) -> None:
    assert starrocks_read_literal(quote_literal(value) + " tail") == (value, " tail")


@settings(derandomize=True, max_examples=300, database=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))))
def test_quote_literal_round_trips_any_text(value: str) -> None:
    assert starrocks_read_literal(quote_literal(value) + ",") == (value, ",")


def test_quote_literal_keeps_statements_on_one_line() -> None:
    assert quote_literal("a\nb\rc\td") == '"a\\nb\\rc\\td"'


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: quote_literal("a\x00b", "aws.s3.endpoint"),
            "aws.s3.endpoint contains a NUL character (\\x00), which StarRocks SQL cannot carry: remove it.",
            id="nul_literal",
        ),
        pytest.param(
            lambda: quote_literal(3),  # type: ignore[arg-type]
            "value must be a string, got int: pass a str.",
            id="literal_not_str",
        ),
        pytest.param(
            lambda: quote_identifier("", "table"),
            "table must not be empty: give a name.",
            id="empty_identifier",
        ),
        pytest.param(
            lambda: quote_identifier("a\x00", "column"),
            "column contains a NUL character (\\x00), which StarRocks SQL cannot carry: remove it.",
            id="nul_identifier",
        ),
        pytest.param(
            lambda: render_value(None, "property 'format'"),
            "property 'format' must be a str, bool, int or float, got NoneType: convert it to a string.",
            id="render_none",
        ),
        pytest.param(
            lambda: property_list({"": "x"}),
            "property keys must not be empty: remove the empty key.",
            id="empty_key",
        ),
    ],
)
def test_bad_values_are_refused_with_the_field_and_the_fix(call, message: str) -> None:
    with pytest.raises(StarRocksSqlValueError) as raised:
        call()
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("orders", "`orders`", id="plain"),
        pytest.param("a`b", "`a``b`", id="backtick_doubled"),
        pytest.param("sélect table", "`sélect table`", id="unicode_space"),
    ],
)
def test_quote_identifier(name: str, expected: str) -> None:
    assert quote_identifier(name) == expected


def test_qualified_name() -> None:
    assert qualified_name("hive_cat", "sales", "orders") == "`hive_cat`.`sales`.`orders`"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, '"true"', id="true"),
        pytest.param(False, '"false"', id="false"),
        pytest.param(3, '"3"', id="int"),
        pytest.param(0.5, '"0.5"', id="float"),
        pytest.param("x", '"x"', id="str"),
    ],
)
def test_render_value(value: object, expected: str) -> None:
    assert render_value(value) == expected


def test_property_list_keeps_order_and_redacts_secret_keys() -> None:
    sql, redacted = property_list(
        {
            "type": "hive",
            "aws.s3.access_key": "AKIA1",
            "aws.s3.secret_key": 's"1',
            "aws.s3.use_instance_profile": False,
        },
        secret_keys={"aws.s3.access_key", "aws.s3.secret_key"},
    )
    assert sql == (
        '(\n    "type" = "hive",\n    "aws.s3.access_key" = "AKIA1",\n    "aws.s3.secret_key" = "s\\"1",\n'
        '    "aws.s3.use_instance_profile" = "false"\n)'
    )
    assert redacted == (
        f'(\n    "type" = "hive",\n    "aws.s3.access_key" = "{REDACTED}",\n    "aws.s3.secret_key" = "{REDACTED}",\n'
        '    "aws.s3.use_instance_profile" = "false"\n)'
    )


def test_property_list_empty() -> None:
    assert property_list({}) == ("()", "()")


def test_statement_shows_only_the_redacted_twin() -> None:
    statement = Statement(sql='SELECT "secret"', redacted='SELECT "***"')
    assert "secret" not in repr(statement)
    assert str(statement) == 'SELECT "***"'


@pytest.mark.parametrize(
    ("label", "valid"),
    [
        pytest.param("load_2024-01-01_abc", True, id="plain"),
        pytest.param("x" * 128, True, id="max_length"),
        pytest.param("x" * 129, False, id="too_long"),
        pytest.param("", False, id="empty"),
        pytest.param("a:b", False, id="colon"),
        pytest.param("run+1", False, id="plus"),
        pytest.param("été", False, id="non_ascii_word"),
        pytest.param("label\n", False, id="trailing_newline"),
    ],
)
def test_validate_label(label: str, valid: bool) -> None:
    if valid:
        assert validate_label(label) == label
        return
    with pytest.raises(StarRocksSqlValueError) as raised:
        validate_label(label)
    assert str(raised.value) == (
        f"label {label!r} is invalid: StarRocks labels match ^[-\\w]{{1,128}}$ (ASCII letters, digits, '_' and "
        "'-', 1 to 128 characters): replace the other characters, or leave the label unset to get a generated one."
    )


@pytest.mark.parametrize(
    ("name", "kind", "valid"),
    [
        pytest.param("hive_catalog", "catalog", True, id="catalog"),
        pytest.param("_a1", "catalog", True, id="catalog_underscore"),
        pytest.param("__a", "catalog", False, id="catalog_double_underscore"),
        pytest.param("1abc", "catalog", False, id="catalog_digit_first"),
        pytest.param("a" * 64, "catalog", True, id="catalog_64"),
        pytest.param("a" * 65, "catalog", False, id="catalog_65"),
        pytest.param("a-b", "catalog", False, id="catalog_dash"),
        pytest.param("cat\n", "catalog", False, id="catalog_trailing_newline"),
        pytest.param("ünï", "catalog", False, id="catalog_non_ascii"),
        pytest.param("a" * 256, "database", True, id="database_256"),
        pytest.param("a" * 257, "database", False, id="database_257"),
        pytest.param("my-table 2024", "table", True, id="table_free_text"),
        pytest.param("a`b", "table", False, id="table_backtick"),
        pytest.param("a\x00b", "table", False, id="table_nul"),
        pytest.param("", "table", False, id="table_empty"),
    ],
)
def test_validate_name(name: str, kind: str, valid: bool) -> None:
    if valid:
        assert validate_name(name, "name_argument", kind) == name
        return
    with pytest.raises(StarRocksSqlValueError) as raised:
        validate_name(name, "name_argument", kind)
    assert str(raised.value).startswith(f"name_argument {name!r} is invalid: StarRocks {kind} names ")
    assert str(raised.value).endswith("Rename it to match.")


def naive_quote(value: str) -> str:
    """A plausible but broken escaper (quotes only): what the round-trip tests must catch."""
    return '"' + value.replace('"', '\\"') + '"'


def test_the_lexer_model_catches_a_naive_escaper() -> None:
    broken = []
    for param in HOSTILE_VALUES:
        value = param.values[0]
        try:
            round_tripped = starrocks_read_literal(naive_quote(value) + " tail")
        except ValueError:
            round_tripped = None
        if round_tripped != (value, " tail"):
            broken.append(param.id)
    assert {"backslash", "trailing_backslash", "backslash_quote", "backslash_n_text"} <= set(broken)


# -- against the local stack's FE parser ---------------------------------------------------------------------


@pytest.fixture
def fe_cursor(starrocks: Any) -> Iterator[Any]:
    import pymysql

    connection = pymysql.connect(
        host=starrocks.fe_host,
        port=starrocks.fe_port,
        user=starrocks.user,
        password=starrocks.password,
        charset="utf8mb4",
        ssl_disabled=True,
    )
    try:
        yield connection.cursor()
    finally:
        connection.close()


def server_echo(cursor: Any, value: str, quote: Callable[[str], str] = quote_literal) -> Any:
    """Return what the FE read from the literal (None when it refused the statement)."""
    import pymysql

    try:
        cursor.execute("SELECT " + quote(value))
    except pymysql.MySQLError:
        return None
    return cursor.fetchall()[0][0]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_literal_round_trips_through_the_fe(fe_cursor: Any, value: str) -> None:
    assert server_echo(fe_cursor, value) == value


# One cursor serves every example: the FE keeps no state between these SELECTs.
@settings(
    derandomize=True,
    max_examples=40,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.text(
        alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40
    )
)
def test_any_text_round_trips_through_the_fe(fe_cursor: Any, value: str) -> None:
    assert server_echo(fe_cursor, value) == value


def test_fe_round_trip_catches_a_naive_escaper(fe_cursor: Any) -> None:
    values = [
        p.values[0] for p in HOSTILE_VALUES if p.id in {"backslash", "backslash_n_text", "backslash_quote"}
    ]
    assert all(server_echo(fe_cursor, v) == v for v in values)
    assert not any(server_echo(fe_cursor, v, naive_quote) == v for v in values)


def test_catalog_properties_reach_the_fe_exactly(starrocks: Any, fe_cursor: Any) -> None:
    hostile = {f"p{i}": param.values[0] for i, param in enumerate(HOSTILE_VALUES)}
    properties = {
        "type": "hive",
        "hive.metastore.type": "glue",
        "aws.glue.use_instance_profile": True,
        "aws.glue.region": "us-west-2",
        "aws.s3.use_instance_profile": True,
        "aws.s3.region": "us-west-2",
        **hostile,
    }
    sql, _ = property_list(properties)
    fe_cursor.execute(f"CREATE EXTERNAL CATALOG {quote_identifier('hostile_cat')} PROPERTIES {sql}")
    stored = starrocks.fe.store.catalogs["hostile_cat"].properties
    assert {k: stored[k] for k in hostile} == hostile


def test_refused_value_sends_no_sql(starrocks: Any, fe_cursor: Any) -> None:
    sent = len(starrocks.statements)
    with pytest.raises(StarRocksSqlValueError):
        fe_cursor.execute("SELECT " + quote_literal("a\x00b", "value"))
    assert len(starrocks.statements) == sent


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2024-01-01x", id="no_full_match"),
        pytest.param(20240101, id="not_a_string"),
        pytest.param(None, id="none"),
    ],
)
def test_require_match_refuses_with_the_given_message(value: Any) -> None:
    import re

    with pytest.raises(StarRocksSqlValueError, match="^day must be yyyy-mm-dd$"):
        require_match(value, re.compile(r"^\d{4}-\d{2}-\d{2}\Z"), "day must be yyyy-mm-dd")


def test_statement_after_prefixes_both_texts() -> None:
    statement = Statement('SELECT "secret"', 'SELECT "***"').after("EXPLAIN ")
    assert (statement.sql, statement.redacted) == ('EXPLAIN SELECT "secret"', 'EXPLAIN SELECT "***"')
