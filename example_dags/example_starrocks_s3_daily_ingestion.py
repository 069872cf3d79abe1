"""The main job: a daily S3 Parquet ingestion into StarRocks with a deferrable broker load."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.providers.common.compat.sdk import DAG, AirflowFailException, task
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

STARROCKS_CONN_ID = "starrocks_default"
AWS_CONN_ID = "aws_iam_user"
BUCKET = "{{ var.value.get('starrocks_example_bucket', 'starrocks-test') }}"
DATABASE = "{{ var.value.get('starrocks_example_database', 'example_db') }}"
TABLE = "daily_orders"
DAY_FILES = f"s3://{BUCKET}/daily/{{{{ ds }}}}/*.parquet"

DOC = """
### Daily S3 ingestion into StarRocks

Every day, for the day being processed (`{{ ds }}`):

1. `wait_for_files` waits (reschedule mode, so no worker slot is held) until at least one
   `s3://<bucket>/daily/<ds>/*.parquet` object exists, with the amazon provider's `S3KeySensor`.
2. `create_table` creates the database and the target table `daily_orders` if missing. It is a
   primary-key table, so loading a day again (a cleared or manual run) updates rows instead of
   duplicating them.
3. `load_day` broker-loads that day's files. It submits the load, then defers: the triggerer polls
   StarRocks until the job ends. Its label is derived from dag id, task id and run id, so a retry or
   a crashed worker attaches to the job it already submitted instead of loading the day twice.
   It returns the job's final state (rows scanned / filtered / loaded, progress, times).
4. `count_loaded_rows` counts the day's rows in StarRocks and `check_loaded_rows` fails the run when
   none arrived.

**Connections:** `starrocks_default` (StarRocks FE), `aws_iam_user` (AWS: read access to the bucket;
used by Airflow for the sensor and handed to StarRocks for the load).
**Variables (optional):** `starrocks_example_bucket` (default `starrocks-test`),
`starrocks_example_database` (default `example_db`).
"""

with DAG(
    dag_id="example_starrocks_s3_daily_ingestion",
    description="Wait for a day's Parquet files on S3, broker-load them into StarRocks, check the rows.",
    doc_md=DOC,
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "starrocks_conn_id": STARROCKS_CONN_ID,
        "conn_id": STARROCKS_CONN_ID,
        "aws_conn_id": AWS_CONN_ID,
    },
    tags=["example", "starrocks"],
) as dag:
    wait_for_files = S3KeySensor(
        task_id="wait_for_files",
        bucket_key=DAY_FILES,
        wildcard_match=True,
        mode="reschedule",
        poke_interval=300,
        timeout=timedelta(hours=12).total_seconds(),
    )

    create_table = SQLExecuteQueryOperator(
        task_id="create_table",
        sql=[
            f"CREATE DATABASE IF NOT EXISTS {DATABASE}",
            f"""
            CREATE TABLE IF NOT EXISTS {DATABASE}.{TABLE} (
                id BIGINT NOT NULL,
                name VARCHAR(64),
                amount DOUBLE,
                dt DATE
            )
            PRIMARY KEY(id)
            DISTRIBUTED BY HASH(id)
            """,
        ],
    )

    load_day = StarRocksS3BrokerLoadOperator(
        task_id="load_day",
        database=DATABASE,
        table=TABLE,
        source=DAY_FILES,
        format="parquet",
        properties={"timeout": 3600},
        deferrable=True,
        poll_interval=5,
        execution_timeout=timedelta(hours=2),
    )

    count_loaded_rows = SQLExecuteQueryOperator(
        task_id="count_loaded_rows",
        sql=f"SELECT count(*) FROM {DATABASE}.{TABLE} WHERE dt = '{{{{ ds }}}}'",
    )

    @task(retries=0)
    def check_loaded_rows(counted: Any, load: dict[str, Any]) -> dict[str, int]:
        """Fail when none of the day's rows are in the table; return the counts for the record."""
        rows = int(counted[0][0])
        if rows == 0:
            raise AirflowFailException(
                f"No rows for this day in StarRocks although load {load.get('label')!r} reported "
                f"{load.get('sink_rows')} loaded rows."
            )
        return {"rows_in_table": rows, "rows_loaded": int(load.get("sink_rows") or 0)}

    check = check_loaded_rows(count_loaded_rows.output, load_day.output)
    wait_for_files >> create_table >> load_day >> count_loaded_rows >> check
