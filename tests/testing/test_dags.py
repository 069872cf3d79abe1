from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import DAG, task


def test_dag_runs(run_dag):
    with DAG("smoke", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:

        @task
        def hello():
            return 42

        hello()
    result = run_dag(dag)
    assert result.state == "success"
    assert result.xcom == {"hello": 42}
