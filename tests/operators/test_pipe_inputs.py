"""Bad pipe operator inputs: each fails naming the argument and the fix, before any SQL is sent."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.operators.pipe import (
    StarRocksAlterPipeOperator,
    StarRocksCreatePipeOperator,
    StarRocksDropPipeOperator,
)
from airflow_provider_starrocks.utils.load_options import LoadArgumentError
from airflow_provider_starrocks.utils.load_state import StarRocksLoadFatalError

GOOD = {"database": "sales", "pipe": "daily_pipe", "table": "orders", "source": "s3://starrocks-test/daily/*",
        "format": "parquet", "aws_conn_id": "aws_iam_user"}  # fmt: skip

BAD_CREATE = [
    pytest.param({"pipe": "bad-pipe"}, "pipe 'bad-pipe' is invalid", id="pipe_name"),
    pytest.param({"database": "1db"}, "database '1db' is invalid", id="database"),
    pytest.param({"table": "a`b"}, "table 'a`b' is invalid", id="table"),
    pytest.param({"if_exists": "skip"}, "if_exists: 'skip' is not supported; use one of error, ignore, replace", id="if_exists"),
    pytest.param({"source": "/tmp/x"}, "source: '/tmp/x' is not an s3:// or s3a:// path", id="source"),
    pytest.param({"source": ["s3://a/b"]}, "source: got ['s3://a/b']; pass one s3:// prefix", id="source_list"),
    pytest.param({"format": "json"}, "format: 'json' is not supported by pipes", id="format"),
    pytest.param({"format_options": {"skip_header": 1}}, "format_options: unknown option(s) ['skip_header']", id="parquet_option"),
    pytest.param({"select": "id; DROP TABLE sales.orders"}, "select:", id="select_injection"),
    pytest.param({"select": 1}, "select: got int", id="select_type"),
    pytest.param({"properties": {"POLL_INTERVAL": 0}}, "properties['POLL_INTERVAL']: 0 is not a whole number in [1, 3600]", id="poll_interval"),
    pytest.param({"properties": {"BATCH_FILES": 2000}}, "properties['BATCH_FILES']: 2000 is not a whole number in [1, 1024]", id="batch_files"),
    pytest.param({"properties": {"BATCH_SIZE": "lots"}}, "properties['BATCH_SIZE']: 'lots' is not a data volume", id="batch_size"),
    pytest.param({"properties": {"AUTO_INGEST": "maybe"}}, "properties['AUTO_INGEST']: 'maybe' is not a boolean", id="auto_ingest"),
    pytest.param({"properties": {"path": "s3://x/"}}, "properties['path']: is not a pipe property", id="files_key"),
    pytest.param({"properties": "x"}, "properties: got str", id="properties_type"),
    pytest.param({"credential_mode": "temporary", "aws_conn_id": "aws_temporary"}, "temporary credentials would expire under a stored pipe", id="temporary"),
    pytest.param({"aws_conn_id": "missing_conn"}, "no such connection", id="aws_conn"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), BAD_CREATE)
def test_bad_create_input_fails_before_sql(starrocks, overrides, message):
    op = StarRocksCreatePipeOperator(task_id="create", **{**GOOD, **overrides})
    with pytest.raises(StarRocksLoadFatalError) as err:
        op.execute({})
    assert message in str(err.value)
    assert str(err.value).startswith("Invalid CREATE PIPE arguments: ")
    assert starrocks.statements == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"action": "drop"}, "action: 'drop' is not supported; use one of suspend, resume, retry", id="action"),
        pytest.param({"action": "resume", "pipe": "a.b"}, "pipe 'a.b' is invalid", id="pipe"),
    ],
)  # fmt: skip
def test_bad_alter_input_fails_before_sql(starrocks, kwargs, message):
    op = StarRocksAlterPipeOperator(task_id="alter", database="sales", **{"pipe": "p", **kwargs})
    with pytest.raises(StarRocksLoadFatalError, match="Invalid") as err:
        op.execute({})
    assert message in str(err.value)
    assert starrocks.statements == []


def test_drop_if_exists_must_be_a_flag():
    with pytest.raises(LoadArgumentError, match="if_exists: 'yes' is not a boolean"):
        StarRocksDropPipeOperator(task_id="drop", database="sales", pipe="p", if_exists="yes")


def test_replace_needs_323(starrocks):
    from airflow_provider_starrocks.operators._pipe_plan import build_pipe_plan

    plan = build_pipe_plan(StarRocksCreatePipeOperator(task_id="c", **GOOD, if_exists="replace")._spec())
    assert plan.min_version == (3, 2, 3)
    assert build_pipe_plan(StarRocksCreatePipeOperator(task_id="c", **GOOD)._spec()).min_version == (3, 2)
