"""The broker-load statement builders: LOAD LABEL, SHOW LOAD, information_schema.loads, CANCEL LOAD."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.sql import StarRocksSqlValueError
from airflow_provider_starrocks.utils.statements.loads import (
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
