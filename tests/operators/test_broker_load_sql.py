"""Pure tests of the broker-load argument checks (no stack)."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.load_options import (
    LoadArgumentError,
    build_description,
    check_properties,
    check_sources,
    split_format_options,
)


@pytest.mark.parametrize(
    ("properties", "match"),
    [
        pytest.param({"timeout": "soon"}, r"properties\['timeout'\]", id="timeout_not_int"),
        pytest.param({"timeout": 0}, r"properties\['timeout'\]", id="timeout_zero"),
        pytest.param({"max_filter_ratio": 1.5}, r"between 0.0 and 1.0", id="ratio_range"),
        pytest.param({"strict_mode": "yes"}, r"properties\['strict_mode'\].*boolean", id="strict_mode"),
        pytest.param({"priority": "URGENT"}, r"HIGHEST, HIGH, NORMAL, LOW, LOWEST", id="priority"),
        pytest.param({"log_rejected_record_num": -2}, r"log_rejected_record_num", id="rejected_num"),
        pytest.param({"load_mem_limit": -1}, r"load_mem_limit", id="mem_limit"),
        pytest.param({"partial_update": 1}, r"partial_update", id="partial_update"),
        pytest.param({"aws.s3.access_key": "x"}, r"derived from the AWS connection", id="auth_key"),
        pytest.param({"jsonpaths": "[]"}, r"format_options", id="json_option_in_properties"),
        pytest.param({"new_option": [1]}, r"new_option", id="unknown_bad_type"),
    ],
)
def test_check_properties_refuses(properties, match):
    with pytest.raises(ValueError, match=match):
        check_properties(properties)


def test_check_properties_normalizes_and_passes_unknown_keys(caplog):
    checked = check_properties(
        {
            "timeout": "600",
            "strict_mode": "TRUE",
            "priority": "high",
            "max_filter_ratio": 0.1,
            "future_knob": 3,
        }
    )
    assert checked == {
        "timeout": 600,
        "strict_mode": True,
        "priority": "HIGH",
        "max_filter_ratio": 0.1,
        "future_knob": 3,
    }
    assert "future_knob" in caplog.text


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("/local/file.csv", id="local_path"),
        pytest.param("hdfs://nn/x", id="hdfs"),
        pytest.param("s3://", id="no_bucket"),
        pytest.param([], id="empty_list"),
        pytest.param(["s3://b/x", 3], id="non_string"),
    ],
)
def test_check_sources_refuses(source):
    with pytest.raises(LoadArgumentError, match="source"):
        check_sources(source, "source")


@pytest.mark.parametrize(
    ("fmt", "options", "match"),
    [
        pytest.param("xml", None, "format: 'xml' is not supported", id="format"),
        pytest.param("parquet", {"skip_header": 1}, "unknown option", id="csv_option_on_parquet"),
        pytest.param("csv", {"enclose": "ab"}, "single one-byte", id="enclose_two_chars"),
        pytest.param("csv", {"column_separator": "x" * 51}, "1 to 50 byte", id="separator_too_long"),
        pytest.param("csv", {"skip_header": -1}, "skip_header", id="skip_header_negative"),
        pytest.param("json", {"strip_outer_array": "maybe"}, "strip_outer_array", id="json_bool"),
    ],
)
def test_format_options_refused(fmt, options, match):
    with pytest.raises(LoadArgumentError, match=match):
        split_format_options(fmt, options, "format_options")


def test_json_options_become_load_properties():
    fmt, desc, props = split_format_options(
        "JSON", {"jsonpaths": ["$.id", "$.name"], "strip_outer_array": True, "json_root": "$.rows"}, "fo"
    )
    assert (fmt, desc) == ("JSON", {})
    assert props == {"jsonpaths": '["$.id", "$.name"]', "strip_outer_array": True, "json_root": "$.rows"}


def test_build_description_names_the_entry():
    with pytest.raises(LoadArgumentError, match=r"data_descriptions\[1\]\['source'\]"):
        build_description({"table": "t", "source": "file:///x"}, "data_descriptions[1]")
    with pytest.raises(LoadArgumentError, match="unknown key"):
        build_description({"table": "t", "source": "s3://b/x", "colums": ["a"]}, "data_descriptions[0]")
