"""Status cells read as text or integers, StarRocks's nulls as ``None`` (pure: no I/O)."""

from __future__ import annotations

import datetime

import pytest

from airflow_provider_starrocks.utils.cells import cell_int, cell_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param("NULL", None, id="null_string"),
        pytest.param("N/A", None, id="not_available"),
        pytest.param("\\N", None, id="mysql_null"),
        pytest.param("", None, id="empty"),
        pytest.param(b" snap1 ", "snap1", id="bytes_stripped"),
        pytest.param(datetime.datetime(2026, 12, 1, 14, 5, 6, 7), "2026-12-01 14:05:06", id="datetime"),
        pytest.param("[OK]", "[OK]", id="text"),
    ],
)
def test_cell_text(value, expected):
    assert cell_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("12", 12, id="digits"),
        pytest.param(7, 7, id="int"),
        pytest.param("3.0", 3, id="float_text"),
        pytest.param("NULL", None, id="null"),
        pytest.param("many", None, id="not_a_number"),
    ],
)
def test_cell_int(value, expected):
    assert cell_int(value) == expected
