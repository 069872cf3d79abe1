from __future__ import annotations
import datetime, os
import pytest

EXAMPLES = os.path.join("/work/main", "example_dags")

def test_daily(starrocks, run_dag):
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=EXAMPLES)
    assert not bag.import_errors
    dag = bag.get_dag("example_starrocks_s3_daily_ingestion")
    res = run_dag(dag, logical_date=datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc))
    print(res)
    assert res.state == "success"
