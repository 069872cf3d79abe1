"""An INSERT ... SELECT FROM FILES() of a CSV file on S3, with a select list and a filter."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator

STARROCKS_CONN_ID = "starrocks_default"
AWS_CONN_ID = "aws_iam_user"
BUCKET = "{{ var.value.get('starrocks_example_bucket', 'starrocks-test') }}"
DATABASE = "{{ var.value.get('starrocks_example_database', 'example_db') }}"
TABLE = "large_orders"

DOC = """
### INSERT from FILES() on a CSV file

1. `create_table` creates the database and `large_orders` if missing.
2. `insert_from_files` runs `INSERT INTO large_orders WITH LABEL ... (id, name, amount, dt)
   SELECT ... FROM FILES(...)` over `s3://<bucket>/sample/orders.csv` (StarRocks 3.3+ for CSV):
   CSV options `column_separator`, `skip_header` and `enclose`; CSV columns are `$1..$n`, so the
   select list casts them, and `where` keeps orders of at least 50. The INSERT runs synchronously
   under a label derived from the task instance: a retry after success skips instead of inserting
   twice. On StarRocks 3.4+ `submit_as_task=True` (optionally `deferrable=True`) runs it as a
   `SUBMIT TASK` that is polled instead of holding the connection.
3. `count_rows` counts what arrived.

**Connections:** `starrocks_default`, `aws_iam_user` (S3 read on the bucket).
**Variables (optional):** `starrocks_example_bucket` (default `starrocks-test`),
`starrocks_example_database` (default `example_db`).
"""

with DAG(
    dag_id="example_starrocks_insert_from_files",
    description="INSERT INTO a StarRocks table SELECT FROM FILES() over a CSV file on S3.",
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

    insert_from_files = StarRocksInsertFromFilesOperator(
        task_id="insert_from_files",
        database=DATABASE,
        table=TABLE,
        source=f"s3://{BUCKET}/sample/orders.csv",
        format="csv",
        format_options={"column_separator": ",", "skip_header": 1, "enclose": '"'},
        columns=["id", "name", "amount", "dt"],
        select="cast($1 AS BIGINT), $2, cast($3 AS DOUBLE), cast($4 AS DATE)",
        where="cast($3 AS DOUBLE) >= 50",
        insert_timeout=3600,
    )

    count_rows = SQLExecuteQueryOperator(
        task_id="count_rows", sql=f"SELECT count(*), min(amount) FROM {DATABASE}.{TABLE}"
    )

    create_table >> insert_from_files >> count_rows
