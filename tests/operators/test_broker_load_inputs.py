"""Bad broker-load inputs: each fails with a message naming the argument and the fix, before any SQL is sent."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.utils.load_options import LoadArgumentError
from airflow_provider_starrocks.utils.load_state import StarRocksLoadFatalError

GOOD = {
    "table": "orders",
    "source": "s3://starrocks-test/sample/orders.parquet",
    "aws_conn_id": "aws_iam_user",
}
DESC = {"table": "orders", "source": "s3://starrocks-test/sample/orders.parquet"}

BAD_INPUTS = [
    pytest.param({"format": "xml"}, "format: 'xml' is not supported; use one of csv, parquet, orc, json", id="format"),
    pytest.param({"source": "/tmp/orders.csv"}, "is not an s3:// or s3a:// path", id="local_source"),
    pytest.param({"source": []}, "source", id="empty_source"),
    pytest.param({"table": None}, "table: required for a single-table load", id="no_table"),
    pytest.param({"data_descriptions": [DESC]}, "cannot be combined with source, table", id="both_forms"),
    pytest.param({"properties": {"timeout": "soon"}}, "properties['timeout']: 'soon' is not an integer", id="timeout"),
    pytest.param({"properties": {"max_filter_ratio": 2}}, "between 0.0 and 1.0", id="max_filter_ratio"),
    pytest.param({"properties": {"aws.s3.secret_key": "x"}}, "derived from the AWS connection", id="auth_in_properties"),
    pytest.param({"label": "bad label!"}, "label 'bad label!' is invalid", id="label"),
    pytest.param({"label": "x" * 129}, "1 to 128 characters", id="label_too_long"),
    pytest.param({"database": "bad-db"}, "database 'bad-db' is invalid", id="database"),
    pytest.param({"format": "parquet", "format_options": {"skip_header": 1}}, "unknown option(s) ['skip_header']", id="format_option"),
    pytest.param({"format": "csv", "format_options": {"enclose": "''"}}, "single one-byte character", id="enclose"),
    pytest.param({"set_expressions": {"amount": "1; DROP TABLE t"}}, "set_expressions['amount']", id="set_injection"),
    pytest.param({"where": "id = 1 -- x"}, "where", id="where_comment"),
    pytest.param({"aws_conn_id": "missing_conn"}, "'missing_conn', aws_conn_id: no such connection", id="aws_conn"),
    pytest.param({"label": ""}, "label '' is invalid", id="label_empty"),
    pytest.param({"format": "csv", "format_options": "x"}, "format_options']: got str 'x'; pass a dict", id="format_options_str"),
    pytest.param({"format": "csv", "format_options": {"skip_header": "x"}}, "format_options']['skip_header']: 'x' is not an integer", id="skip_header"),
    pytest.param({"table": "a`b"}, "table'] 'a`b' is invalid", id="table_backtick"),
    pytest.param({"table": "t" * 1025}, "are 1 to 1024 characters", id="table_too_long"),
    pytest.param({"columns": ["id", "a`b"]}, "columns'] 'a`b' is invalid", id="column_backtick"),
    pytest.param({"columns": ["c" * 1025]}, "column names are 1 to 1024 characters", id="column_too_long"),
    pytest.param({"set_expressions": {"a`b": "1"}}, "set_expressions'] column 'a`b' is invalid", id="set_column_backtick"),
    pytest.param({"partitions": ["p 1"]}, "partitions'] 'p 1' is invalid", id="partition_name"),
    pytest.param({"where": "id > 0, DATA INFILE(\"s3://b/k\") INTO TABLE other"}, "where: ", id="where_second_data_desc"),
    pytest.param({"credential_mode": "magic"}, "credential_mode: 'magic' is not supported", id="credential_mode"),
    pytest.param({"aws_conn_id": None}, "no region", id="instance_profile_without_region"),
    pytest.param(
        {"table": None, "source": None, "data_descriptions": [{**DESC, "colums": ["a"]}]},
        "data_descriptions[0]: unknown key(s) ['colums']",
        id="description_key",
    ),
    pytest.param(
        {"table": None, "source": None, "data_descriptions": [{**DESC, "source": "hdfs://x"}]},
        "data_descriptions[0]['source']",
        id="description_source",
    ),
]  # fmt: skip


def context():
    ti = SimpleNamespace(dag_id="d", task_id="load", run_id="manual__1", map_index=-1, try_number=1)
    return {"ti": ti}


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS)
def test_bad_input_fails_before_sql(starrocks, overrides, message):
    kwargs = {"database": "sales", **GOOD, **overrides}
    op = StarRocksS3BrokerLoadOperator(task_id="load", **kwargs)
    with pytest.raises(StarRocksLoadFatalError) as err:
        op.execute(context())
    assert message in str(err.value)
    assert starrocks.statements == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"on_finished_label": "maybe"}, "on_finished_label: 'maybe' is not supported", id="on_finished"
        ),
        pytest.param({"poll_interval": 0}, "poll_interval: 0 is not a positive number", id="poll_interval"),
        pytest.param({"poll_interval": float("nan")}, "poll_interval: nan is not a positive", id="poll_nan"),
        pytest.param({"poll_interval": float("inf")}, "poll_interval: inf is not a positive", id="poll_inf"),
        pytest.param({"deferrable": "yes"}, "deferrable: 'yes' is not a boolean", id="deferrable_yes"),
        pytest.param({"deferrable": 1}, "deferrable: 1 is not a boolean", id="deferrable_int"),
        pytest.param({"cancel_on_kill": "no"}, "cancel_on_kill: 'no' is not a boolean", id="cancel_on_kill"),
    ],
)
def test_bad_arguments_fail_at_dag_parse(overrides, message):
    with pytest.raises(LoadArgumentError, match=message):
        StarRocksS3BrokerLoadOperator(task_id="load", database="sales", **GOOD, **overrides)


def test_bad_templated_input_fails_the_task_without_sql(starrocks, run_dag, capfd):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(
        "bl_bad_template", schedule=None, start_date=datetime.datetime(2024, 1, 1), catchup=False
    ) as dag:
        StarRocksS3BrokerLoadOperator(
            task_id="load", database="sales", label="{{ dag_run.run_id }}", retries=3, **GOOD
        )
    assert run_dag(dag).task_states == {"load": "failed"}
    assert "is invalid: StarRocks labels match" in capfd.readouterr().out
    assert starrocks.statements == []


def _files_operator(task_id: str) -> Any:
    from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator

    return StarRocksInsertFromFilesOperator(task_id=task_id, database="sales", format="parquet", **GOOD)


def _load_sensor(task_id: str) -> Any:
    from airflow_provider_starrocks.sensors.load import StarRocksLoadSensor

    return StarRocksLoadSensor(task_id=task_id, database="sales", label="daily_orders")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda task_id: StarRocksS3BrokerLoadOperator(task_id=task_id, database="sales", **GOOD),
            id="broker_load",
        ),
        pytest.param(_files_operator, id="insert_from_files"),
        pytest.param(_load_sensor, id="load_sensor"),
    ],
)
def test_deferrable_defaults_from_config(monkeypatch, make):
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "true")
    assert make("a").deferrable is True
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "false")
    assert make("b").deferrable is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("false", False, id="false"),
        pytest.param("FALSE", False, id="upper_false"),
        pytest.param(" True ", True, id="padded_true"),
        pytest.param(False, False, id="bool"),
    ],
)
def test_flags_from_templates_are_read_as_written(value, expected):
    op = StarRocksS3BrokerLoadOperator(
        task_id="load", database="sales", deferrable=value, cancel_on_kill=value, **GOOD
    )
    assert (op.deferrable, op.cancel_on_kill) == (expected, expected)
