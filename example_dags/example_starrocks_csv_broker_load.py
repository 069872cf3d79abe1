"""A CSV broker load with format options and a data-quality threshold."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

STARROCKS_CONN_ID = "starrocks_default"
AWS_CONN_ID = "aws_iam_user"
BUCKET = "{{ var.value.get('starrocks_example_bucket', 'starrocks-test') }}"
DATABASE = "{{ var.value.get('starrocks_example_database', 'example_db') }}"
TABLE = "orders_from_csv"

DOC = """
### Broker load of a CSV file with format options and a quality threshold

1. `create_table` creates the database and `orders_from_csv` if missing.
2. `load_csv` loads `s3://<bucket>/sample/orders.csv`: comma separated, one header line skipped
   (`skip_header`), fields optionally enclosed in `"` (`enclose`). `max_filter_ratio=0.1` lets up to
   10 % of the rows be rejected (bad values) before StarRocks cancels the whole job; above that the
   task fails at once, without retries, and its error shows the first rejected rows. This one polls
   from the worker (`deferrable=False`); the load's final state is the task's return value.
3. `count_rows` counts the rows that arrived.

**Connections:** `starrocks_default`, `aws_iam_user` (S3 read on the bucket).
**Variables (optional):** `starrocks_example_bucket` (default `starrocks-test`),
`starrocks_example_database` (default `example_db`).
"""

with DAG(
    dag_id="example_starrocks_csv_broker_load",
    description="Broker-load a CSV file from S3 with separator, header, enclose and max_filter_ratio.",
    doc_md=DOC,
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "starrocks_conn_id": STARROCKS_CONN_ID,
        "conn_id": STARROCKS_CONN_ID,
        "aws_conn_id": AWS_CONN_ID,
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

    load_csv = StarRocksS3BrokerLoadOperator(
        task_id="load_csv",
        database=DATABASE,
        table=TABLE,
        source=f"s3://{BUCKET}/sample/orders.csv",
        format="csv",
        format_options={"column_separator": ",", "skip_header": 1, "enclose": '"'},
        columns=["id", "name", "amount", "dt"],
        properties={"max_filter_ratio": 0.1, "timeout": 1800},
        deferrable=False,
        poll_interval=5,
    )

    count_rows = SQLExecuteQueryOperator(
        task_id="count_rows", sql=f"SELECT count(*), sum(amount) FROM {DATABASE}.{TABLE}"
    )

    create_table >> load_csv >> count_rows
