"""
OpenLineage events of every operator, as the openlineage provider's listener emits them in a real ``dag.test()``
run against the local stack (file transport, see the ``openlineage_events`` fixture).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

pytest.importorskip("airflow.providers.openlineage", reason="the openlineage provider is not installed")

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
COPY_DDL = (
    "CREATE TABLE sales.orders_copy (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE) DUPLICATE KEY(id)"
)
FAST = {"poll_interval": 0.05}


@pytest.fixture
def stack(sales, monkeypatch):
    for phase in ("pending_delay", "queueing_delay", "loading_delay", "prepared_delay"):
        monkeypatch.setattr(sales.fe.config, phase, 0.0)
    return sales


def run(request, run_dag, build) -> Any:
    from airflow.providers.common.compat.sdk import DAG

    dag_id = "lineage_" + re.sub(r"\W", "_", request.node.name)[:150]
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        build()
    return dag_id, run_dag(dag)


def final_event(events: list[dict[str, Any]], dag_id: str, task_id: str) -> dict[str, Any]:
    ends = [
        e
        for e in events
        if e["job"]["name"] == f"{dag_id}.{task_id}" and e["eventType"] in ("COMPLETE", "FAIL")
    ]
    assert len(ends) == 1, [(e["job"]["name"], e["eventType"]) for e in events]
    return ends[0]


def ids(datasets: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(d["namespace"], d["name"]) for d in datasets]


def fields(dataset: dict[str, Any]) -> list[tuple[str, str | None]] | None:
    schema = dataset.get("facets", {}).get("schema")
    return None if schema is None else [(f["name"], f.get("type")) for f in schema["fields"]]


def rows(dataset: dict[str, Any]) -> int | None:
    return dataset.get("outputFacets", {}).get("outputStatistics", {}).get("rowCount")


def fe(stack: Any) -> str:
    return f"starrocks://{stack.fe_host}:{stack.fe_port}"


def _load(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

    kwargs.setdefault("task_id", "load")
    return StarRocksS3BrokerLoadOperator(database="sales", aws_conn_id="aws_iam_user", **FAST, **kwargs)


def _files(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator

    kwargs.setdefault("task_id", "insert")
    kwargs.setdefault("format", "parquet")
    return StarRocksInsertFromFilesOperator(
        database="sales", table="orders", aws_conn_id="aws_iam_user", **FAST, **kwargs
    )


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="sync"), pytest.param(True, id="deferrable")])
def test_broker_load_reports_s3_input_table_output_rows_and_job(
    request, stack, run_dag, openlineage_events, deferrable
):
    dag_id, result = run(
        request,
        run_dag,
        lambda: _load(
            table="orders",
            source="s3://starrocks-test/sample/*.parquet",
            format="parquet",
            columns=["id", "name", "amount", "dt"],
            deferrable=deferrable,
        ),
    )
    assert result.task_states == {"load": "success"}
    event = final_event(openlineage_events(), dag_id, "load")
    assert event["eventType"] == "COMPLETE"
    assert ids(event["inputs"]) == [("s3://starrocks-test", "sample")]
    assert ids(event["outputs"]) == [(fe(stack), "default_catalog.sales.orders")]
    columns = [("id", None), ("name", None), ("amount", None), ("dt", None)]
    assert fields(event["inputs"][0]) == columns
    assert fields(event["outputs"][0]) == columns
    assert rows(event["outputs"][0]) == result.xcom["load"]["sink_rows"] == 100
    query = event["run"]["facets"]["externalQuery"]
    assert (query["externalQueryId"], query["source"]) == (str(result.xcom["load"]["job_id"]), fe(stack))


def test_broker_load_of_several_tables_reports_each_table_without_rows(
    request, stack, run_dag, openlineage_events
):
    stack.sql(COPY_DDL)
    dag_id, result = run(
        request,
        run_dag,
        lambda: _load(
            data_descriptions=[
                {
                    "table": "orders",
                    "source": "s3://starrocks-test/sample/orders.parquet",
                    "format": "parquet",
                },
                {
                    "table": "orders_copy",
                    "source": ["s3://starrocks-test/daily/*/part-0.parquet", "s3://starrocks-test/daily/"],
                    "format": "parquet",
                    "columns": ["id", "name", "amount", "dt"],
                    "set_expressions": {"amount": "amount * 2"},
                },
            ]
        ),
    )
    assert result.task_states == {"load": "success"}
    event = final_event(openlineage_events(), dag_id, "load")
    assert ids(event["inputs"]) == [
        ("s3://starrocks-test", "sample/orders.parquet"),
        ("s3://starrocks-test", "daily"),
    ]
    assert ids(event["outputs"]) == [
        (fe(stack), "default_catalog.sales.orders"),
        (fe(stack), "default_catalog.sales.orders_copy"),
    ]
    # Rows are known per job, not per table; with SET the table's columns are not known from the arguments.
    assert [rows(o) for o in event["outputs"]] == [None, None]
    assert [fields(o) for o in event["outputs"]] == [None, None]


def test_failed_broker_load_still_names_its_datasets(request, stack, run_dag, openlineage_events):
    dag_id, result = run(
        request,
        run_dag,
        lambda: _load(
            table="orders", source="s3://starrocks-test/missing/*.parquet", format="parquet", retries=0
        ),
    )
    assert result.task_states == {"load": "failed"}
    event = final_event(openlineage_events(), dag_id, "load")
    assert event["eventType"] == "FAIL"
    assert ids(event["inputs"]) == [("s3://starrocks-test", "missing")]
    assert ids(event["outputs"]) == [(fe(stack), "default_catalog.sales.orders")]
    assert rows(event["outputs"][0]) is None


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({}, id="sync"),
        pytest.param({"submit_as_task": True, "deferrable": True}, id="task-deferrable"),
    ],
)
def test_files_insert_reports_s3_input_table_output_columns_and_rows(
    request, stack, run_dag, openlineage_events, options
):
    if options.get("submit_as_task"):
        stack.fe.config.version = "3.4.2"  # SUBMIT TASK polling needs 3.4
    dag_id, result = run(
        request,
        run_dag,
        lambda: _files(
            source="s3://starrocks-test/daily/2024-01-0*/part-0.parquet",
            columns=["id", "name", "amount", "dt"],
            **options,
        ),
    )
    assert result.task_states == {"insert": "success"}
    event = final_event(openlineage_events(), dag_id, "insert")
    assert ids(event["inputs"]) == [("s3://starrocks-test", "daily")]
    (output,) = event["outputs"]
    assert (output["namespace"], output["name"]) == (fe(stack), "default_catalog.sales.orders")
    assert fields(output) == [("id", None), ("name", None), ("amount", None), ("dt", None)]
    assert rows(output) == result.xcom["insert"]["rows_inserted"] == 30
    assert event["run"]["facets"]["externalQuery"]["source"] == fe(stack)


def test_files_insert_without_columns_has_no_schema(request, stack, run_dag, openlineage_events):
    dag_id, result = run(request, run_dag, lambda: _files(source="s3://starrocks-test/sample/orders.parquet"))
    assert result.task_states == {"insert": "success"}
    event = final_event(openlineage_events(), dag_id, "insert")
    assert ids(event["inputs"]) == [("s3://starrocks-test", "sample/orders.parquet")]
    assert fields(event["outputs"][0]) is None
    assert rows(event["outputs"][0]) == 100


def _catalog(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator

    return StarRocksCreateExternalCatalogOperator(
        catalog_name="lineage_glue",
        catalog_type="hive",
        metastore="glue",
        aws_conn_id="aws_iam_user",
        **kwargs,
    )


def test_catalog_reports_itself_created_then_overwritten(request, stack, run_dag, openlineage_events):
    dag_id, result = run(
        request,
        run_dag,
        lambda: _catalog(task_id="create") >> _catalog(task_id="replace", if_exists="replace"),
    )
    assert result.task_states == {"create": "success", "replace": "success"}
    events = openlineage_events()
    for task_id, change in (("create", "CREATE"), ("replace", "OVERWRITE")):
        event = final_event(events, dag_id, task_id)
        assert event["inputs"] == []
        (output,) = event["outputs"]
        assert (output["namespace"], output["name"]) == (fe(stack), "lineage_glue")
        assert output["facets"]["lifecycleStateChange"]["lifecycleStateChange"] == change


def test_catalog_left_alone_reports_no_state_change(request, stack, run_dag, openlineage_events):
    stack.sql(
        "CREATE EXTERNAL CATALOG lineage_glue PROPERTIES ('type' = 'hive', 'hive.metastore.type' = 'glue')"
    )
    dag_id, result = run(request, run_dag, lambda: _catalog(task_id="create", if_exists="ignore"))
    assert result.task_states == {"create": "success"}
    (output,) = final_event(openlineage_events(), dag_id, "create")["outputs"]
    assert output["name"] == "lineage_glue"
    assert "lifecycleStateChange" not in output["facets"]


def test_file_table_reports_table_schema_and_its_s3_location(request, stack, run_dag, openlineage_events):
    from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator

    dag_id, result = run(
        request,
        run_dag,
        lambda: StarRocksCreateFileExternalTableOperator(
            task_id="create_table",
            database="sales",
            table="orders_files",
            columns="id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE",
            path="s3://starrocks-test/sample/orders.parquet",
            format="parquet",
            aws_conn_id="aws_iam_user",
        ),
    )
    assert result.task_states == {"create_table": "success"}
    event = final_event(openlineage_events(), dag_id, "create_table")
    location = ("s3://starrocks-test", "sample/orders.parquet")
    assert ids(event["inputs"]) == [location]
    (output,) = event["outputs"]
    assert (output["namespace"], output["name"]) == (fe(stack), "default_catalog.sales.orders_files")
    assert fields(output) == [("id", "BIGINT"), ("name", "VARCHAR(64)"), ("amount", "DOUBLE"), ("dt", "DATE")]
    assert output["facets"]["symlinks"]["identifiers"] == [
        {"namespace": location[0], "name": location[1], "type": "LOCATION"}
    ]
    assert output["facets"]["lifecycleStateChange"]["lifecycleStateChange"] == "CREATE"
