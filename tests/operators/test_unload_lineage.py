"""OpenLineage events of the unload and create-pipe operators (listener, file transport, real dag.test())."""

from __future__ import annotations

import pytest
from test_lineage_events import fe, final_event, ids, rows, run

pytest.importorskip("airflow.providers.openlineage", reason="the openlineage provider is not installed")


@pytest.fixture
def stack(sales):
    sales.sql("INSERT INTO sales.orders VALUES (1, 'a', 1.5, '2024-01-01'), (2, 'b', 2.5, '2024-01-02')")
    return sales


@pytest.mark.parametrize(
    "source",
    [
        pytest.param({"table": "sales.orders"}, id="table"),
        pytest.param(
            {"sql": "SELECT o.dt, sum(o.amount) AS total FROM sales.orders o GROUP BY o.dt"}, id="sql"
        ),
    ],
)
def test_unload_reports_tables_read_and_s3_path_written(request, stack, run_dag, openlineage_events, source):
    from airflow_provider_starrocks.operators.unload import StarRocksUnloadToS3Operator

    dag_id, result = run(
        request,
        run_dag,
        lambda: StarRocksUnloadToS3Operator(
            task_id="unload", path="s3://starrocks-test/unload/lineage/", aws_conn_id="aws_writer", **source
        ),
    )
    assert result.task_states == {"unload": "success"}
    event = final_event(openlineage_events(), dag_id, "unload")
    assert ids(event["inputs"]) == [(fe(stack), "default_catalog.sales.orders")]
    (output,) = event["outputs"]
    assert (output["namespace"], output["name"]) == ("s3://starrocks-test", "unload/lineage")
    assert rows(output) == result.xcom["unload"]["rows_written"]


def test_create_pipe_reports_its_source_and_table(request, stack, run_dag, openlineage_events):
    from airflow_provider_starrocks.operators.pipe import StarRocksCreatePipeOperator

    dag_id, result = run(
        request,
        run_dag,
        lambda: StarRocksCreatePipeOperator(
            task_id="create",
            database="sales",
            pipe="lineage_pipe",
            table="orders",
            source="s3://starrocks-test/daily/*/*.parquet",
            aws_conn_id="aws_iam_user",
        ),
    )
    assert result.task_states == {"create": "success"}
    event = final_event(openlineage_events(), dag_id, "create")
    assert ids(event["inputs"]) == [("s3://starrocks-test", "daily")]
    assert ids(event["outputs"]) == [(fe(stack), "default_catalog.sales.orders")]
