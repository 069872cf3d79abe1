"""Column definitions of file external tables: the conservative type grammar and the SQL builder."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.column_types import ColumnSpecError, parse_columns


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        pytest.param(
            "id varchar(65500), attributes map<varchar(100), varchar(2000)>",
            [("id", "VARCHAR(65500)"), ("attributes", "MAP<VARCHAR(100),VARCHAR(2000)>")],
            id="docs_example",
        ),
        pytest.param(
            [("id", "bigint"), ("amount", "decimal(10, 2)"), ("tags", "array<string>")],
            [("id", "BIGINT"), ("amount", "DECIMAL(10,2)"), ("tags", "ARRAY<STRING>")],
            id="pairs",
        ),
        pytest.param({"dt": "DATE", "ts": "datetime"}, [("dt", "DATE"), ("ts", "DATETIME")], id="mapping"),
        pytest.param(
            "`my col` STRUCT<a INT, `b c` ARRAY<MAP<STRING, DECIMAL64(18)>>>",
            [("my col", "STRUCT<`a` INT, `b c` ARRAY<MAP<STRING,DECIMAL64(18,0)>>>")],
            id="nested_struct",
        ),
        pytest.param("c char, v varchar", [("c", "CHAR"), ("v", "VARCHAR")], id="no_length"),
    ],
)
def test_parse_columns(columns, expected):
    assert parse_columns(columns) == expected


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        pytest.param("id INT); DROP TABLE t; --", "unexpected", id="injection"),
        pytest.param("id INT DEFAULT 1", "unexpected 'DEFAULT'", id="trailing_clause"),
        pytest.param("id FOO", "type 'FOO' is not supported", id="unknown_type"),
        pytest.param("id INT,", "expected a column name", id="trailing_comma"),
        pytest.param("id decimal(10,11)", "scale of DECIMAL", id="scale_above_precision"),
        pytest.param("id map<int>", "expected ','", id="map_one_type"),
        pytest.param("id INT, ID BIGINT", "defined twice", id="duplicate"),
        pytest.param([("a=b", "INT")], "name 'a=b' is invalid", id="bad_name"),
        pytest.param([("a", 5)], "type must be a string", id="type_not_str"),
        pytest.param([("a",)], "must be a .name, type. pair", id="not_a_pair"),
        pytest.param([], "must not be empty", id="empty"),
        pytest.param(5, "columns must be", id="wrong_kind"),
    ],
)
def test_parse_columns_refuses(columns, message):
    with pytest.raises(ColumnSpecError, match=message):
        parse_columns(columns)
