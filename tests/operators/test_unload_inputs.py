"""Bad unload inputs: each fails with a message naming the argument and the fix, before any SQL is sent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from airflow_provider_starrocks.operators.unload import StarRocksUnloadToS3Operator
from airflow_provider_starrocks.utils.load_state import StarRocksLoadFatalError

GOOD = {
    "path": "s3://starrocks-test/exports/",
    "format": "parquet",
    "table": "sales.orders",
    "aws_conn_id": "aws_iam_user",
}

BAD_INPUTS = [
    pytest.param({"path": "/tmp/out/"}, "path: '/tmp/out/' is not an s3:// or s3a:// directory", id="local_path"),
    pytest.param({"path": "s3://b/out/*.parquet"}, "no wildcards", id="wildcard_path"),
    pytest.param({"path": None}, "path: None is not an s3://", id="no_path"),
    pytest.param({"format": "json"}, "format: 'json' is not an unload format; use parquet, orc or csv", id="format"),
    pytest.param({"table": None}, "sql / table: give exactly one of them", id="neither"),
    pytest.param({"sql": "SELECT 1"}, "sql / table: give exactly one of them", id="both"),
    pytest.param({"table": None, "sql": "SELECT 1; DROP TABLE sales.orders"}, "sql: 'SELECT 1; DROP TABLE sales.orders' holds more than one statement", id="sql_two_statements"),
    pytest.param({"table": None, "sql": "DELETE FROM sales.orders"}, "is not a query", id="sql_not_select"),
    pytest.param({"table": None, "sql": "SELECT * FROM t INTO OUTFILE 's3://x/'"}, "contains INTO", id="sql_outfile"),
    pytest.param({"table": None, "sql": "SELECT 1", "where": "id > 1"}, "columns / where: only apply with table=", id="where_with_sql"),
    pytest.param({"table": "orders"}, "table 'orders' is not a qualified table name", id="unqualified_table"),
    pytest.param({"table": "sales.or`ders"}, "table 'or`ders' is invalid", id="table_backtick"),
    pytest.param({"columns": "id"}, "columns: got 'id'; pass a non-empty list", id="columns_str"),
    pytest.param({"columns": ["id", "a`b"]}, "columns 'a`b' is invalid", id="column_name"),
    pytest.param({"where": "1=1) UNION SELECT * FROM x WHERE (1=1"}, "where:", id="where_injection"),
    pytest.param({"where": 3}, "where: got int", id="where_type"),
    pytest.param({"format_options": {"column_separator": ","}}, "format_options: 'column_separator' is not an unload option of parquet", id="csv_option_on_parquet"),
    pytest.param({"format": "orc", "format_options": {"version": "2.6"}}, "orc unloads take no format options", id="orc_options"),
    pytest.param({"format_options": {"version": "3.0"}}, "format_options['version']: '3.0' is not a Parquet version", id="parquet_version"),
    pytest.param({"format": "csv", "format_options": {"include_header": "yes"}}, "format_options['include_header']: got 'yes'; pass True or False", id="include_header"),
    pytest.param({"format_options": "x"}, "format_options: got str", id="format_options_type"),
    pytest.param({"properties": {"compression": "brotli"}}, "properties['compression']: 'brotli' is not supported", id="compression"),
    pytest.param({"properties": {"single": "yes"}}, "properties['single']: got 'yes'; pass True or False", id="single"),
    pytest.param({"properties": {"single": True, "partition_by": "dt"}}, "sets both single=True and partition_by", id="single_and_partition"),
    pytest.param({"properties": {"partition_by": ["dt", "a`b"]}}, "is invalid", id="partition_column"),
    pytest.param({"properties": {"target_max_file_size": 0}}, "is not a positive whole number of bytes", id="file_size"),
    pytest.param({"properties": {"path": "s3://x/"}}, "properties['path']: is set from an argument; pass path= instead", id="path_in_properties"),
    pytest.param({"properties": {"csv.column_separator": ","}}, "is a format option; pass format_options={'column_separator'", id="csv_in_properties"),
    pytest.param({"properties": {"list_files_only": True}}, "is not an unload property", id="load_property"),
    pytest.param({"properties": {"aws.s3.access_key": "x"}}, "derived from the AWS connection", id="auth_in_properties"),
    pytest.param({"label": "bad label!"}, "label 'bad label!' is invalid", id="label"),
    pytest.param({"aws_conn_id": "missing_conn"}, "'missing_conn', aws_conn_id: no such connection", id="aws_conn"),
    pytest.param({"credential_mode": "magic"}, "credential_mode: 'magic' is not supported", id="credential_mode"),
]  # fmt: skip


def context():
    ti = SimpleNamespace(dag_id="d", task_id="unload", run_id="manual__1", map_index=-1, try_number=1)
    return {"ti": ti}


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS)
def test_bad_input_fails_before_sql(starrocks, overrides, message):
    op = StarRocksUnloadToS3Operator(task_id="unload", **{**GOOD, **overrides})
    with pytest.raises(StarRocksLoadFatalError) as err:
        op.execute(context())
    assert message in str(err.value)
    assert str(err.value).startswith("Invalid unload arguments: ")
    assert starrocks.statements == []


@pytest.mark.parametrize(
    ("overrides", "needs"),
    [
        pytest.param({}, (3, 2), id="parquet"),
        pytest.param({"format": "csv"}, (3, 3), id="csv"),
        pytest.param({"properties": {"target_max_file_size": 1024}}, (3, 2, 7), id="target_max_file_size"),
        pytest.param({"format_options": {"version": "1.0"}}, (3, 4, 6), id="parquet_version"),
        pytest.param(
            {"format": "csv", "format_options": {"include_header": True}}, (4, 0), id="include_header"
        ),
        pytest.param({"format": "csv", "properties": {"compression": "gzip"}}, (4, 0), id="compressed_csv"),
    ],
)
def test_version_gates(starrocks, overrides, needs):
    from airflow_provider_starrocks.operators._unload_plan import build_unload_plan

    op = StarRocksUnloadToS3Operator(task_id="unload", **{**GOOD, **overrides})
    assert build_unload_plan(op._spec(), "l1").min_version == needs


def test_plan_renders_write_properties_in_order(starrocks):
    from airflow_provider_starrocks.operators._unload_plan import build_unload_plan

    op = StarRocksUnloadToS3Operator(
        task_id="unload",
        **{
            **GOOD,
            "path": "s3://starrocks-test/exports/daily",
            "columns": ["dt", "amount"],
            "where": "amount > 0",
        },
        properties={"compression": "ZSTD", "partition_by": ["dt"]},
    )
    plan = build_unload_plan(op._spec(), "l1")
    statement = plan.statement()
    assert plan.path == "s3://starrocks-test/exports/daily/"
    assert statement.sql.startswith(
        'INSERT INTO FILES(\n    "path" = "s3://starrocks-test/exports/daily/",\n    "format" = "parquet",\n'
        '    "compression" = "zstd",\n    "partition_by" = "dt",\n    "aws.s3.use_instance_profile" = "false",'
    )
    assert statement.sql.endswith("SELECT `dt`, `amount`\nFROM `sales`.`orders`\nWHERE (`amount` > 0)")
    assert '"aws.s3.secret_key" = "***"' in statement.redacted
    assert plan.tables == (("sales", "orders"),)
