"""A pipe created once that ingests an S3 prefix continuously, and a daily sensor for "the day's files are in"."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from airflow_provider_starrocks.operators.pipe import StarRocksCreatePipeOperator
from airflow_provider_starrocks.sensors.pipe import StarRocksPipeSensor

STARROCKS_CONN_ID = "starrocks_default"
AWS_CONN_ID = "aws_iam_user"
BUCKET = "{{ var.value.get('starrocks_example_bucket', 'starrocks-test') }}"
DATABASE = "{{ var.value.get('starrocks_example_database', 'example_db') }}"
TABLE = "pipe_orders"
PIPE = "daily_orders_pipe"

DOC = """
### A pipe over `s3://<bucket>/daily/`, and a daily "files are in" sensor

1. `create_table` creates the database and `pipe_orders` if missing.
2. `create_pipe` runs `CREATE PIPE IF NOT EXISTS daily_orders_pipe PROPERTIES ("AUTO_INGEST" = "true",
   "POLL_INTERVAL" = "60") AS INSERT INTO pipe_orders SELECT * FROM FILES("path" = "s3://<bucket>/daily/*/*.parquet",
   ...)` (`if_exists="ignore"`: created by the first run, left alone by the next ones). StarRocks lists the prefix
   every `POLL_INTERVAL` seconds and loads new files on its own; the pipe stores its credentials, so the
   connection must not carry a session token. Needs StarRocks 3.2+.
3. `wait_for_day` waits until every file under `s3://<bucket>/daily/{{ ds }}/` is FINISHED in
   `information_schema.pipe_files` (fails with StarRocks's error for a file in ERROR; times out naming the
   pending files).
4. `count_day` queries the day's rows once they are in.

**Connections:** `starrocks_default`, `aws_iam_user` (S3 read on the bucket).
**Variables (optional):** `starrocks_example_bucket` (default `starrocks-test`),
`starrocks_example_database` (default `example_db`).
"""

with DAG(
    dag_id="example_starrocks_pipe",
    description="Create a StarRocks pipe once; wait daily until the day's S3 files are loaded.",
    doc_md=DOC,
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    end_date=datetime(2024, 1, 3),
    catchup=False,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "starrocks_conn_id": STARROCKS_CONN_ID,
        "conn_id": STARROCKS_CONN_ID,
    },
    tags=["example", "starrocks"],
) as dag:
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

    create_pipe = StarRocksCreatePipeOperator(
        task_id="create_pipe",
        database=DATABASE,
        pipe=PIPE,
        table=TABLE,
        source=f"s3://{BUCKET}/daily/*/*.parquet",
        format="parquet",
        properties={"AUTO_INGEST": True, "POLL_INTERVAL": 60},
        if_exists="ignore",
        aws_conn_id=AWS_CONN_ID,
    )

    wait_for_day = StarRocksPipeSensor(
        task_id="wait_for_day",
        database=DATABASE,
        pipe=PIPE,
        path_prefix=f"s3://{BUCKET}/daily/{{{{ ds }}}}/",
        poke_interval=30,
        timeout=6 * 3600,
        mode="reschedule",
    )

    count_day = SQLExecuteQueryOperator(
        task_id="count_day",
        sql=f"SELECT count(*), sum(amount) FROM {DATABASE}.{TABLE} WHERE dt = '{{{{ ds }}}}'",
    )

    create_table >> create_pipe >> wait_for_day >> count_day
