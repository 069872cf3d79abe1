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


def test_sql_operator_lineage_names_tables_as_the_operators_do(starrocks, run_dag, openlineage_events):
    # SQLParser's names through the hook's DatabaseInfo: {catalog}.{database}.{table}, the catalog being the
    # session's (default_catalog here) and an unqualified table in the connection's database.
    starrocks.sql(
        "CREATE DATABASE op_db",
        "CREATE TABLE op_db.t (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
        "CREATE TABLE op_db.u (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
    )
    with DAG("sql_operator_lineage", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
        SQLExecuteQueryOperator(
            task_id="copy",
            conn_id="starrocks_default",
            sql="INSERT INTO op_db.u SELECT id FROM op_db.t",
        )

    assert run_dag(dag).task_states == {"copy": "success"}
    (event,) = [e for e in openlineage_events() if e["eventType"] == "COMPLETE"]
    namespace = f"starrocks://{starrocks.fe_host}:{starrocks.fe_port}"
    assert [(d["namespace"], d["name"]) for d in event["inputs"]] == [(namespace, "default_catalog.op_db.t")]
    assert [(d["namespace"], d["name"]) for d in event["outputs"]] == [(namespace, "default_catalog.op_db.u")]
