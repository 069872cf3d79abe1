"""``SQLExecuteQueryOperator`` runs through StarRocksHook unchanged, inside ``dag.test()``."""

from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator


def test_sql_execute_query_operator_uses_starrocks_hook(starrocks, run_dag):
    with DAG("sql_operator", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
        setup = SQLExecuteQueryOperator(
            task_id="setup",
            conn_id="starrocks_default",
            sql=[
                "CREATE DATABASE IF NOT EXISTS op_db",
                "CREATE TABLE op_db.t (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
                "INSERT INTO op_db.t VALUES (1), (2), (3)",
            ],
        )
        count = SQLExecuteQueryOperator(
            task_id="count", conn_id="starrocks_default", sql="SELECT count(*) FROM op_db.t"
        )
        setup >> count

    result = run_dag(dag)

    assert result.task_states == {"setup": "success", "count": "success"}
    assert [list(row) for row in result.xcom["count"]] == [[3]]
    assert "SELECT count(*) FROM op_db.t" in starrocks.statements
