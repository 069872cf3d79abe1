"""Bad FILES() load inputs: each fails with a message naming the argument and the fix, before any SQL is sent."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest

from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3
from airflow_provider_starrocks.utils.load_options import LoadArgumentError
from airflow_provider_starrocks.utils.load_state import StarRocksLoadFatalError

GOOD = {
    "database": "sales",
    "table": "orders",
    "source": "s3://starrocks-test/sample/orders.parquet",
    "format": "parquet",
    "aws_conn_id": "aws_iam_user",
}

BAD_INPUTS = [
    pytest.param({"format": "xml"}, "format: 'xml' is not supported by FILES() loads; use parquet, orc or csv", id="format"),
    pytest.param({"format": "json"}, "format: 'json' is not supported by FILES() loads", id="format_json"),
    pytest.param({"format": None}, "format: None is not supported by FILES() loads", id="format_missing"),
    pytest.param({"source": "/tmp/orders.csv"}, "source: '/tmp/orders.csv' is not an s3:// or s3a:// path", id="local_source"),
    pytest.param({"source": ["s3://a/b"]}, "source: got ['s3://a/b']; pass one s3:// path", id="source_list"),
    pytest.param({"format_options": {"skip_header": 1}}, "format_options: unknown option(s) ['skip_header']", id="parquet_option"),
    pytest.param({"format": "csv", "format_options": {"enclose": "''"}}, "single one-byte character", id="enclose"),
    pytest.param({"columns": "id"}, "columns: got 'id'; pass a non-empty list", id="columns_str"),
    pytest.param({"columns": ["id", ""]}, "columns: got ['id', '']", id="columns_empty_name"),
    pytest.param({"select": "*; DROP TABLE sales.orders"}, "select: '*; DROP TABLE sales.orders' contains ';' outside quotes", id="select_injection"),
    pytest.param({"select": "cast($1 AS INT"}, "is not a select list (expected ')', found the end)", id="select_parens"),
    pytest.param({"select": ""}, "select: is empty", id="select_empty"),
    pytest.param({"where": "id = 1 -- x"}, "where: 'id = 1 -- x' contains a comment", id="where_comment"),
    pytest.param({"where": "name = 'x"}, "has an unterminated '", id="where_quote"),
    pytest.param({"label": "bad label!"}, "label 'bad label!' is invalid", id="label"),
    pytest.param({"label": ""}, "label '' is invalid", id="label_empty"),
    pytest.param({"columns": ["id", "a\x00b"]}, "columns 'a\\x00b' is invalid", id="column_nul"),
    pytest.param({"properties": {"list_recursively": "a\x00b"}}, "NUL", id="property_nul"),
    pytest.param({"format": "csv", "format_options": {"column_separator": "\x00"}}, "NUL", id="csv_option_nul"),
    pytest.param({"format": "csv", "format_options": "x"}, "format_options: got str 'x'; pass a dict", id="format_options_str"),
    pytest.param({"format": "csv", "format_options": {"skip_header": "x"}}, "format_options['skip_header']: 'x' is not an integer", id="skip_header_name"),
    pytest.param({"label": "x" * 129}, "1 to 128 characters", id="label_too_long"),
    pytest.param({"database": "bad-db"}, "database 'bad-db' is invalid", id="database"),
    pytest.param({"table": "a`b"}, "table 'a`b' is invalid", id="table"),
    pytest.param({"properties": {"aws.s3.secret_key": "x"}}, "derived from the AWS connection", id="auth_in_properties"),
    pytest.param({"properties": {"path": "s3://x/y"}}, "properties['path']: is set from an argument; pass source= instead", id="path_in_properties"),
    pytest.param({"properties": {"csv.enclose": '"'}}, "properties['csv.enclose']: is a CSV option; pass format_options=", id="csv_in_properties"),
    pytest.param({"properties": {"list_recursively": ["x"]}}, "properties['list_recursively']: got list", id="property_type"),
    pytest.param({"insert_timeout": -1}, "insert_timeout: -1 is not a positive whole number", id="insert_timeout"),
    pytest.param({"aws_conn_id": "missing_conn"}, "'missing_conn', aws_conn_id: no such connection", id="aws_conn"),
    pytest.param({"credential_mode": "magic"}, "credential_mode: 'magic' is not supported", id="credential_mode"),
    pytest.param({"aws_conn_id": None}, "no region", id="instance_profile_without_region"),
]  # fmt: skip


@pytest.fixture
def logs(capfd, caplog):
    """Read what the task logged: stdout on Airflow 3 (structlog), the logging records on Airflow 2."""
    caplog.set_level("INFO")

    def read():
        out, err = capfd.readouterr()
        return out + err if AIRFLOW_3 else caplog.text

    return read


def context():
    ti = SimpleNamespace(dag_id="d", task_id="insert", run_id="manual__1", map_index=-1, try_number=1)
    return {"ti": ti}


@pytest.mark.parametrize("submit_as_task", [pytest.param(False, id="insert"), pytest.param(True, id="task")])
@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS)
def test_bad_input_fails_before_sql(starrocks, overrides, message, submit_as_task):
    op = StarRocksInsertFromFilesOperator(
        task_id="insert", submit_as_task=submit_as_task, **{**GOOD, **overrides}
    )
    with pytest.raises(StarRocksLoadFatalError) as err:
        op.execute(context())
    assert message in str(err.value)
    assert str(err.value).startswith("Invalid FILES() load arguments: ")
    assert starrocks.statements == []


@pytest.mark.parametrize(
    "poll_interval",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1.5, id="negative"),
        pytest.param(True, id="bool"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="inf"),
    ],
)
def test_bad_poll_interval_fails_at_dag_parse(poll_interval):
    with pytest.raises(LoadArgumentError, match="poll_interval: .* is not a positive number of seconds"):
        StarRocksInsertFromFilesOperator(task_id="insert", poll_interval=poll_interval, **GOOD)


def test_bad_templated_select_fails_the_task_without_sql(starrocks, run_dag, logs):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(
        "files_bad_template", schedule=None, start_date=datetime.datetime(2024, 1, 1), catchup=False
    ) as dag:
        StarRocksInsertFromFilesOperator(
            task_id="insert", select="{{ dag_run.conf.get('select', '1; DROP TABLE t') }}", retries=2, **GOOD
        )
    assert run_dag(dag).task_states == {"insert": "failed"}
    assert "select: '1; DROP TABLE t' contains ';'" in logs()
    assert starrocks.statements == []


@pytest.mark.parametrize("argument", ["submit_as_task", "deferrable"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("false", False, id="false"),
        pytest.param("True", True, id="true"),
        pytest.param("no", None, id="no"),
    ],
)
def test_flags_are_strict_booleans(argument, value, expected):
    if expected is None:
        with pytest.raises(LoadArgumentError, match=f"{argument}: 'no' is not a boolean"):
            StarRocksInsertFromFilesOperator(task_id="insert", **{**GOOD, argument: value})
        return
    op = StarRocksInsertFromFilesOperator(task_id="insert", **{**GOOD, argument: value})
    assert getattr(op, argument) is expected


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param(
            {"on_finished_label": "maybe"}, "on_finished_label: 'maybe' is not supported", id="unknown"
        ),
        pytest.param(
            {"on_finished_label": "reload", "submit_as_task": True},
            "'reload' is not supported with submit_as_task=True",
            id="reload_as_task",
        ),
    ],
)
def test_bad_on_finished_label_fails_at_dag_parse(overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        StarRocksInsertFromFilesOperator(
            task_id="t", database="sales", table="orders", source="s3://b/k.parquet", **overrides
        )
