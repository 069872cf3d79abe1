"""A daily aggregate unloaded from StarRocks to S3 as Parquet files partitioned by date."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.operators.unload import StarRocksUnloadToS3Operator

STARROCKS_CONN_ID = "starrocks_default"
READ_CONN_ID = "aws_iam_user"
WRITE_CONN_ID = "aws_writer"
BUCKET = "{{ var.value.get('starrocks_example_bucket', 'starrocks-test') }}"
DATABASE = "{{ var.value.get('starrocks_example_database', 'example_db') }}"
TABLE = "orders_for_unload"

DOC = """
### Daily revenue unloaded to S3 (INSERT INTO FILES())

1. `create_table` creates the database and `orders_for_unload` (primary key `id`) if missing.
2. `load_orders` loads `s3://<bucket>/sample/orders.parquet` into it with FILES() (a re-run upserts).
3. `unload_daily_revenue` runs `INSERT INTO FILES("path" = "s3://<bucket>/unload/daily_revenue/",
   "format" = "parquet", "compression" = "zstd", "partition_by" = "dt", ...) SELECT dt, name, ...` for the
   run's day (`{{ ds }}`): StarRocks writes `dt=<day>/<query id>_..._0.parquet` under the path and reports the
   rows written. StarRocks keeps no record of an unload, so the operator keeps one in Airflow's task state
   store (Airflow 3.3+): a retry after success returns the first result instead of writing the files twice.
   Needs StarRocks 3.2+ and S3 write rights (`s3:PutObject`, `s3:DeleteObject`...) for the StarRocks side.

**Connections:** `starrocks_default`, `aws_iam_user` (S3 read), `aws_writer` (S3 read and write on the bucket).
**Variables (optional):** `starrocks_example_bucket` (default `starrocks-test`),
`starrocks_example_database` (default `example_db`).
"""

with DAG(
    dag_id="example_starrocks_unload_to_s3",
    description="Unload a daily aggregate from StarRocks to S3 as Parquet partitioned by date.",
    doc_md=DOC,
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    end_date=datetime(2024, 1, 31),
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

    load_orders = StarRocksInsertFromFilesOperator(
        task_id="load_orders",
        database=DATABASE,
        table=TABLE,
        source=f"s3://{BUCKET}/sample/orders.parquet",
        format="parquet",
        aws_conn_id=READ_CONN_ID,
    )

    unload_daily_revenue = StarRocksUnloadToS3Operator(
        task_id="unload_daily_revenue",
        path=f"s3://{BUCKET}/unload/daily_revenue/",
        format="parquet",
        sql=f"""
            SELECT dt, name, count(*) AS orders, sum(amount) AS revenue
            FROM {DATABASE}.{TABLE}
            WHERE dt = '{{{{ ds }}}}'
            GROUP BY dt, name
        """,
        properties={"partition_by": "dt", "compression": "zstd"},
        aws_conn_id=WRITE_CONN_ID,
    )

    create_table >> load_orders >> unload_daily_revenue
