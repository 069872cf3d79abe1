"""A file external table over S3 Parquet files, then a query over it."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator

STARROCKS_CONN_ID = "starrocks_default"
AWS_CONN_ID = "aws_iam_user"
BUCKET = "{{ var.value.get('starrocks_example_bucket', 'starrocks-test') }}"
DATABASE = "{{ var.value.get('starrocks_example_database', 'example_db') }}"
TABLE = "orders_on_s3"

DOC = """
### Query Parquet files on S3 in place with a file external table

1. `create_database` creates the database if missing.
2. `create_table` creates `orders_on_s3`, an `ENGINE=file` table over `s3://<bucket>/sample/orders.parquet`,
   and validates it by reading one row (a table StarRocks cannot read is dropped again). The AWS
   credentials are stored with the table, so use keys, an assumed role or the instance profile, never a
   session token. `if_exists="replace"` swaps in a new definition only once it has been validated.
3. `query_table` aggregates the files through the table with `SQLExecuteQueryOperator`; the result
   goes to XCom.

**Connections:** `starrocks_default`, `aws_iam_user` (S3 read on the bucket).
**Variables (optional):** `starrocks_example_bucket` (default `starrocks-test`),
`starrocks_example_database` (default `example_db`).
"""

with DAG(
    dag_id="example_starrocks_file_external_table",
    description="Create a file external table on S3 Parquet and query it.",
    doc_md=DOC,
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"retries": 1, "starrocks_conn_id": STARROCKS_CONN_ID, "conn_id": STARROCKS_CONN_ID},
    tags=["example", "starrocks"],
) as dag:
    create_database = SQLExecuteQueryOperator(
        task_id="create_database", sql=f"CREATE DATABASE IF NOT EXISTS {DATABASE}"
    )

    create_table = StarRocksCreateFileExternalTableOperator(
        task_id="create_table",
        database=DATABASE,
        table=TABLE,
        columns="id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE",
        path=f"s3://{BUCKET}/sample/orders.parquet",
        format="parquet",
        aws_conn_id=AWS_CONN_ID,
        if_exists="replace",
    )

    query_table = SQLExecuteQueryOperator(
        task_id="query_table",
        sql=f"SELECT count(*), min(dt), max(dt), sum(amount) FROM {DATABASE}.{TABLE}",
    )

    create_database >> create_table >> query_table
