"""Pure tests of the broker-load SQL builders and argument checks (no stack)."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.load_options import (
    LoadArgumentError,
    build_description,
    check_properties,
    check_sources,
    split_format_options,
)
from airflow_provider_starrocks.utils.sql import (
    StarRocksSqlValueError,
    broker_load,
    broker_load_data_description,
    cancel_load,
    load_tracking_log,
    loads_by_labels,
    show_load,
)


def test_data_description_clause_order_follows_the_grammar():
    clause = broker_load_data_description(
        table="orders",
        paths=["s3://b/a.csv", "s3a://b/dir/*.csv"],
        file_format="CSV",
        column_separator=",",
        row_delimiter="\n",
        skip_header=1,
        trim_space=True,
        enclose='"',
        escape="\\",
        columns=["id", "name", "raw_amount", "dt"],
        set_expressions={"amount": "raw_amount * 100"},
        where="id > 0",
        partitions=["p1", "p2"],
    )
    assert clause == (
        'DATA INFILE("s3://b/a.csv", "s3a://b/dir/*.csv")\n'
        "    INTO TABLE `orders`\n"
        "    PARTITION (`p1`, `p2`)\n"
        '    COLUMNS TERMINATED BY ","\n'
        '    ROWS TERMINATED BY "\\n"\n'
        '    FORMAT AS "CSV"\n'
        '    (skip_header = 1 trim_space = true enclose = "\\"" escape = "\\\\")\n'
        "    (`id`, `name`, `raw_amount`, `dt`)\n"
        "    SET (`amount` = (`raw_amount` * 100))\n"
        "    WHERE (`id` > 0)"
    )


def test_broker_load_puts_credentials_in_with_broker_and_redacts_them():
    stmt = broker_load(
        database="sales",
        label="lbl-1",
        data_descriptions=['DATA INFILE("s3://b/x")\n    INTO TABLE `t`'],
        broker_properties={
            "aws.s3.access_key": "AKIAXXXX",
            "aws.s3.secret_key": "s3cr3t/+",
            "aws.s3.region": "r",
        },
        secret_keys={"aws.s3.access_key", "aws.s3.secret_key"},
        properties={"timeout": 60, "strict_mode": True},
    )
    assert stmt.sql.startswith("LOAD LABEL `sales`.`lbl-1`\n(")
    assert '"aws.s3.secret_key" = "s3cr3t/+"' in stmt.sql
    assert "s3cr3t" not in stmt.redacted
    assert "AKIAXXXX" not in stmt.redacted
    assert '"aws.s3.region" = "r"' in stmt.redacted
    assert stmt.sql.index("WITH BROKER") < stmt.sql.index("PROPERTIES")
    assert 'PROPERTIES (\n    "timeout" = "60",\n    "strict_mode" = "true"\n)' in stmt.sql


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        pytest.param(
            lambda: show_load("sales", 'a"b'), 'SHOW LOAD FROM `sales` WHERE LABEL = "a\\"b"', id="show_load"
        ),
        pytest.param(
            lambda: cancel_load("s`x", "l"), 'CANCEL LOAD FROM `s``x` WHERE LABEL = "l"', id="cancel_load"
        ),
        pytest.param(
            lambda: loads_by_labels(["b", "a", "b"]),
            'SELECT * FROM information_schema.loads WHERE LABEL IN ("a", "b")',
            id="loads_by_labels",
        ),
        pytest.param(
            lambda: load_tracking_log(42),
            "SELECT TRACKING_LOG FROM information_schema.load_tracking_logs WHERE JOB_ID = 42",
            id="tracking_log",
        ),
    ],
)
def test_status_statements(builder, expected):
    stmt = builder()
    assert stmt.sql == expected
    assert stmt.redacted == expected


def test_load_tracking_log_needs_an_int():
    with pytest.raises(StarRocksSqlValueError, match="job_id"):
        load_tracking_log("1 OR 1=1")  # type: ignore[arg-type]


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
