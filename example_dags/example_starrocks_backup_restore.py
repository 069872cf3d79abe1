"""A nightly StarRocks backup to S3 with an assumed role, then a restore drill into a scratch database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.providers.common.compat.sdk import DAG, AirflowFailException, task
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

from airflow_provider_starrocks.operators.backup import (
    StarRocksBackupOperator,
    StarRocksCreateRepositoryOperator,
    StarRocksRestoreOperator,
)

STARROCKS_CONN_ID = "starrocks_default"
AWS_CONN_ID = "aws_backup_role"
BACKUP_LOCATION = "{{ var.value.get('starrocks_example_backup_location', 's3://starrocks-backup/nightly') }}"
DATABASE = "{{ var.value.get('starrocks_example_database', 'example_db') }}"
DRILL_DATABASE = "{{ var.value.get('starrocks_example_drill_database', 'example_restore_drill') }}"
REPOSITORY = "example_nightly_backups"
TABLE = "backup_orders"

DOC = """
### Nightly backup to S3 and a restore drill

1. `seed_table` makes sure the example table `backup_orders` exists and holds rows (on a real cluster,
   drop this task: the database to back up already exists).
2. `create_repository` creates the S3 repository `example_nightly_backups` once (`if_exists="ignore"`
   on later nights). StarRocks assumes the role of `aws_backup_role` from its own instance profile, so
   no key is stored in the repository; an `s3://` location is rewritten to `s3a://`.
3. `backup` takes `BACKUP SNAPSHOT` of the table and defers until the snapshot is uploaded. Its
   snapshot name is derived from the DAG run, so a retry or a rerun after a lost worker attaches to
   its own snapshot instead of taking a second one. Its XCom holds the snapshot name and the backup
   timestamp.
4. `prepare_drill_database` drops and re-creates the scratch database `example_restore_drill`.
5. `restore_drill` restores that snapshot there (`replication_num` 1, enough for a drill) and waits.
6. `count_source` and `count_restored` count the rows; `compare_counts` fails the run when they differ.

**Connections:** `starrocks_default` (a user with REPOSITORY on SYSTEM, EXPORT on the table, CREATE
DATABASE / CREATE TABLE for the drill), `aws_backup_role` (AWS: `role_arn` of a role with PutObject,
GetObject, ListBucket and DeleteObject on the backup prefix, trusted by the StarRocks instance role).
**Variables (optional):** `starrocks_example_backup_location` (default `s3://starrocks-backup/nightly`),
`starrocks_example_database` (default `example_db`), `starrocks_example_drill_database` (default
`example_restore_drill`).
"""

with DAG(
    dag_id="example_starrocks_backup_restore",
    description="Back up a StarRocks table to S3 every night, restore it into a scratch database, compare.",
    doc_md=DOC,
    schedule="0 2 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "starrocks_conn_id": STARROCKS_CONN_ID,
        "conn_id": STARROCKS_CONN_ID,
    },
    tags=["example", "starrocks"],
) as dag:
    seed_table = SQLExecuteQueryOperator(
        task_id="seed_table",
        sql=[
            f"CREATE DATABASE IF NOT EXISTS {DATABASE}",
            f"""
            CREATE TABLE IF NOT EXISTS {DATABASE}.{TABLE} (
                id BIGINT NOT NULL,
                name VARCHAR(64),
                amount DOUBLE
            )
            PRIMARY KEY(id)
            DISTRIBUTED BY HASH(id)
            """,
            f"INSERT INTO {DATABASE}.{TABLE} VALUES (1, 'alpha', 1.5), (2, 'beta', 2.5), (3, 'gamma', 3.5)",
        ],
    )

    create_repository = StarRocksCreateRepositoryOperator(
        task_id="create_repository",
        repository=REPOSITORY,
        location=BACKUP_LOCATION,
        aws_conn_id=AWS_CONN_ID,
        if_exists="ignore",
    )

    backup = StarRocksBackupOperator(
        task_id="backup",
        database=DATABASE,
        repository=REPOSITORY,
        tables=[TABLE],
        properties={"timeout": 7200},
        deferrable=True,
        poll_interval=5,
        execution_timeout=timedelta(hours=3),
    )

    prepare_drill_database = SQLExecuteQueryOperator(
        task_id="prepare_drill_database",
        sql=[f"DROP DATABASE IF EXISTS {DRILL_DATABASE} FORCE", f"CREATE DATABASE {DRILL_DATABASE}"],
    )

    restore_drill = StarRocksRestoreOperator(
        task_id="restore_drill",
        database=DRILL_DATABASE,
        repository=REPOSITORY,
        snapshot="{{ ti.xcom_pull(task_ids='backup')['snapshot'] }}",
        backup_timestamp="{{ ti.xcom_pull(task_ids='backup')['backup_timestamp'] }}",
        tables=[TABLE],
        properties={"replication_num": 1, "timeout": 7200},
        deferrable=True,
        poll_interval=5,
        execution_timeout=timedelta(hours=3),
    )

    count_source = SQLExecuteQueryOperator(
        task_id="count_source", sql=f"SELECT count(*) FROM {DATABASE}.{TABLE}"
    )
    count_restored = SQLExecuteQueryOperator(
        task_id="count_restored", sql=f"SELECT count(*) FROM {DRILL_DATABASE}.{TABLE}"
    )

    @task(retries=0)
    def compare_counts(source: Any, restored: Any, snapshot: dict[str, Any]) -> dict[str, Any]:
        """Fail the drill when the restored table does not hold the source's rows."""
        source_rows, restored_rows = int(source[0][0]), int(restored[0][0])
        if source_rows != restored_rows:
            raise AirflowFailException(
                f"Restore drill of snapshot {snapshot.get('snapshot')!r}: {restored_rows} rows restored, "
                f"{source_rows} in the source."
            )
        return {"snapshot": snapshot.get("snapshot"), "rows": source_rows}

    compared = compare_counts(count_source.output, count_restored.output, backup.output)
    seed_table >> create_repository >> backup >> prepare_drill_database >> restore_drill
    restore_drill >> [count_source, count_restored]
