"""FE emulator: repositories, BACKUP / RESTORE jobs through moto S3 (IAM enforced), SHOW / CANCEL, per release."""

from __future__ import annotations

import time

import pymysql
import pytest

from airflow_provider_starrocks.testing.aws import BACKUP_BUCKET, BACKUP_ROLE, REGION, role_arn
from airflow_provider_starrocks.testing.fe.client import connect, query

LOCATION = f"s3a://{BACKUP_BUCKET}/nightly"


def keys(starrocks, user):
    key, secret = starrocks.aws.users[user]
    return f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "{REGION}"'


def create_repo(conn, starrocks, *, name="repo", user="backup_writer", location=LOCATION, read_only=False):
    ro = "READ ONLY " if read_only else ""
    query(
        conn,
        f'CREATE {ro}REPOSITORY {name} WITH BROKER ON LOCATION "{location}" PROPERTIES ({keys(starrocks, user)})',
    )


def job_row(conn, kind, db):
    rows, columns = query(conn, f"SHOW {kind} FROM {db}")
    assert len(rows) <= 1
    return dict(zip(columns, rows[0])) if rows else None


def wait_job(conn, kind, db, states, deadline_s=30.0):
    end = time.monotonic() + deadline_s
    while True:
        row = job_row(conn, kind, db)
        if row and row["State"] in states:
            return row
        assert time.monotonic() < end, f"{kind} of {db} never reached {states}: {row}"
        time.sleep(0.02)


def backup_objects(starrocks):
    s3 = starrocks.aws._client("s3", starrocks.aws.users["stack_admin"] + ("",))
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BACKUP_BUCKET).get("Contents", []))


def refused(conn, sql):
    with pytest.raises(pymysql.err.MySQLError) as info:
        query(conn, sql)
    return info.value.args[1]


@pytest.fixture
def conn(starrocks):
    # Release-specific behaviour is tested with an explicit version; the rest holds for 3.3.5.
    starrocks.configure(version="3.3.5")
    connection = connect(starrocks.fe)
    for sql in (
        "CREATE DATABASE src",
        "USE src",
        "CREATE TABLE orders (id BIGINT, name VARCHAR(20), amount DOUBLE)",
        "INSERT INTO orders VALUES (1, 'a', 1.5), (2, 'b', 2.5), (3, 'c', NULL)",
        "CREATE TABLE customers (id BIGINT, name VARCHAR(20))",
        "INSERT INTO customers VALUES (1, 'x')",
        "CREATE DATABASE scratch",
    ):
        query(connection, sql)
    yield connection
    connection.close()


def backup(conn, snapshot="snap1", on="", db="src"):
    query(conn, f"BACKUP SNAPSHOT {db}.{snapshot} TO repo{on}")
    return wait_job(conn, "BACKUP", db, ("FINISHED", "CANCELLED"))


def newest_timestamp(conn, snapshot="snap1"):
    rows, _ = query(conn, f"SHOW SNAPSHOT ON repo WHERE SNAPSHOT = '{snapshot}'")
    return rows[0][1].splitlines()[-1]


RELEASES = [pytest.param(v, id=v) for v in ("3.1.4", "3.3.5", "3.4.0", "3.5.0", "4.0.0")]


class TestBackupAndRestore:
    @pytest.mark.parametrize("version", RELEASES)
    def test_backup_writes_the_snapshot_and_restore_copies_the_rows(self, starrocks, conn, version):
        starrocks.configure(version=version)
        create_repo(conn, starrocks)
        row = backup(conn)
        assert row["State"] == "FINISHED", row
        assert row["BackupObjs"] == "[src.customers], [src.orders]"
        assert row["Status"] == "[OK]"
        assert row["Timeout"] == "86400"
        assert all(row[c] != "NULL" for c in ("CreateTime", "SnapshotFinishedTime", "UploadFinishedTime"))
        keys_written = backup_objects(starrocks)
        root = "nightly/__starrocks_repository_repo/"
        assert root + "__repo_info" in keys_written
        assert any(k.startswith(root + "__ss_snap1/__meta.") for k in keys_written)
        assert any(k.startswith(root + "__ss_snap1/__info_") for k in keys_written)
        assert sum(k.startswith(root + "__ss_snap1/__ss_content/") for k in keys_written) == 2
        assert not any(k.endswith(".part") for k in keys_written)

        timestamp = newest_timestamp(conn)
        query(
            conn,
            f"RESTORE SNAPSHOT scratch.snap1 FROM repo ON (orders AS orders_drill) "
            f'PROPERTIES ("backup_timestamp" = "{timestamp}", "replication_num" = "1")',
        )
        restored = wait_job(conn, "RESTORE", "scratch", ("FINISHED", "CANCELLED"))
        assert restored["State"] == "FINISHED", restored
        assert (restored["Label"], restored["Timestamp"], restored["RestoreObjs"]) == (
            "snap1",
            timestamp,
            "orders",
        )
        assert (restored["AllowLoad"], restored["ReplicationNum"]) == ("false", "1")
        assert query(conn, "SELECT count(*), sum(amount) FROM scratch.orders_drill")[0] == [(3, 4.0)]
        assert query(conn, "SHOW TABLES FROM scratch")[0] == [("orders_drill",)]

    def test_restore_all_tables_into_another_database_by_default(self, starrocks, conn):
        create_repo(conn, starrocks)
        backup(conn)
        query(
            conn,
            f'RESTORE SNAPSHOT scratch.snap1 FROM repo PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
        )
        assert wait_job(conn, "RESTORE", "scratch", ("FINISHED", "CANCELLED"))["State"] == "FINISHED"
        assert query(conn, "SHOW TABLES FROM scratch")[0] == [("customers",), ("orders",)]

    def test_restore_replaces_the_rows_of_an_existing_table_with_the_same_schema(self, starrocks, conn):
        create_repo(conn, starrocks)
        backup(conn, on=" ON (orders)")
        query(conn, "INSERT INTO orders VALUES (4, 'd', 4.0)")
        query(
            conn,
            f'RESTORE SNAPSHOT src.snap1 FROM repo PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
        )
        assert wait_job(conn, "RESTORE", "src", ("FINISHED", "CANCELLED"))["State"] == "FINISHED"
        assert query(conn, "SELECT count(*) FROM src.orders")[0] == [(3,)]

    def test_restore_into_a_table_with_another_schema_is_cancelled(self, starrocks, conn):
        create_repo(conn, starrocks)
        backup(conn, on=" ON (orders)")
        query(conn, "CREATE TABLE scratch.orders (id BIGINT)")
        query(
            conn,
            f'RESTORE SNAPSHOT scratch.snap1 FROM repo PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
        )
        row = wait_job(conn, "RESTORE", "scratch", ("FINISHED", "CANCELLED"))
        assert row["State"] == "CANCELLED"
        assert row["Status"].startswith(
            "[COMMON_ERROR, msg: Table orders already exist but with different schema"
        )

    def test_assumed_role_from_the_instance_profile_writes_backups(self, starrocks, conn):
        props = f'"aws.s3.use_instance_profile" = "true", "aws.s3.iam_role_arn" = "{role_arn(BACKUP_ROLE)}", "aws.s3.region" = "{REGION}"'
        query(conn, f'CREATE REPOSITORY repo WITH BROKER ON LOCATION "{LOCATION}" PROPERTIES ({props})')
        assert backup(conn)["State"] == "FINISHED"

    @pytest.mark.parametrize(
        "location",
        [
            pytest.param(LOCATION, id="s3a"),
            pytest.param(f"s3://{BACKUP_BUCKET}/nightly/", id="s3-trailing-slash"),
        ],
    )
    def test_s3_and_s3a_locations_reach_the_same_objects(self, starrocks, conn, location):
        create_repo(conn, starrocks, location=location)
        assert backup(conn)["State"] == "FINISHED"
        assert "nightly/__starrocks_repository_repo/__repo_info" in backup_objects(starrocks)

    def test_partitions_are_listed_in_the_objects(self, starrocks, conn):
        create_repo(conn, starrocks)
        row = backup(conn, on=" ON (orders PARTITION (p1, p2), customers)")
        assert row["BackupObjs"] == "[src.customers], [src.ordersPARTITIONS (p1, p2)]"
        query(
            conn,
            f"RESTORE SNAPSHOT scratch.snap1 FROM repo ON (orders PARTITION (p1)) "
            f'PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
        )
        assert wait_job(conn, "RESTORE", "scratch", ("FINISHED",))["RestoreObjs"] == "orders PARTITIONS [p1]"

    def test_stack_reset_empties_the_backup_bucket(self, starrocks, conn):
        create_repo(conn, starrocks)
        backup(conn)
        assert backup_objects(starrocks)
        starrocks.reset()
        assert backup_objects(starrocks) == []


class TestIdentities:
    def test_identity_without_any_right_on_the_bucket_cannot_create_the_repository(self, starrocks, conn):
        text = refused(
            conn,
            f'CREATE REPOSITORY repo WITH BROKER ON LOCATION "{LOCATION}" PROPERTIES ({keys(starrocks, "loader")})',
        )
        assert text.startswith(
            "Failed to create repository: failed to list remote path: "
            f"{LOCATION}/__starrocks_repository_repo/__repo_info. msg: Fail to get file status: "
        )
        assert "AccessDenied" in text
        assert starrocks.aws.users["loader"][1] not in text

    def test_no_credential_in_what_the_fe_shows(self, starrocks, conn):
        create_repo(conn, starrocks)
        starrocks.configure(backup_hold_state="UPLOADING")
        query(conn, "BACKUP SNAPSHOT src.snap1 TO repo")
        wait_job(conn, "BACKUP", "src", ("UPLOADING",))
        shown = [query(conn, sql) for sql in ("SHOW REPOSITORIES", "SHOW BACKUP", "SHOW SNAPSHOT ON repo")]
        key, secret = starrocks.aws.users["backup_writer"]
        assert key not in repr(shown)
        assert secret not in repr(shown)
        assert secret not in repr(starrocks.fe.backups.repos.get("repo"))

    def test_reader_creates_the_repository_but_its_backup_fails_in_uploading(self, starrocks, conn):
        # HdfsWriter.close() swallows the failed __repo_info upload: CREATE succeeds, nothing is written.
        create_repo(conn, starrocks, user="backup_reader")
        assert backup_objects(starrocks) == []
        query(conn, "BACKUP SNAPSHOT src.snap1 TO repo ON (orders)")
        end = time.monotonic() + 20
        while not (row := job_row(conn, "BACKUP", "src"))["TaskErrMsg"]:
            assert time.monotonic() < end
            time.sleep(0.02)
        assert row["State"] == "UPLOADING"
        assert row["UnfinishedTasks"].endswith("=10001")
        assert (
            "S3: Fail to put object starrocks-backup/nightly/__starrocks_repository_repo/__ss_snap1/"
            in row["TaskErrMsg"]
        )
        assert "msg: Access Denied" in row["TaskErrMsg"]
        starrocks.configure(backup_job_timeout=0.2)
        row = wait_job(conn, "BACKUP", "src", ("CANCELLED",))
        assert row["Status"] == "[TIMEOUT, msg: ]"
        assert row["FinishedTime"] != "NULL"

    def test_read_only_repository_of_a_reader_lists_and_restores_what_a_writer_backed_up(
        self, starrocks, conn
    ):
        create_repo(conn, starrocks)
        backup(conn)
        query(conn, "DROP REPOSITORY repo")
        create_repo(conn, starrocks, name="repo", user="backup_reader", read_only=True)
        rows, _ = query(conn, "SHOW REPOSITORIES")
        assert [r[1:5] for r in rows] == [("repo", rows[0][2], "true", LOCATION)]
        assert refused(conn, "BACKUP SNAPSHOT src.snap2 TO repo") == "Repository repo is read only"
        query(
            conn,
            f'RESTORE SNAPSHOT scratch.snap1 FROM repo PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
        )
        assert wait_job(conn, "RESTORE", "scratch", ("FINISHED", "CANCELLED"))["State"] == "FINISHED"
        assert query(conn, "SELECT count(*) FROM scratch.orders")[0] == [(3,)]


class TestJobs:
    def test_one_job_per_database_and_show_keeps_the_latest(self, starrocks, conn):
        create_repo(conn, starrocks)
        starrocks.configure(backup_hold_state="UPLOADING")
        query(conn, "BACKUP SNAPSHOT src.snap1 TO repo")
        wait_job(conn, "BACKUP", "src", ("UPLOADING",))
        expected = "Can only run one backup or restore job of a database at same time"
        assert refused(conn, "BACKUP SNAPSHOT src.snap2 TO repo") == expected
        assert (
            refused(conn, 'RESTORE SNAPSHOT src.snap1 FROM repo PROPERTIES ("backup_timestamp" = "x")')
            == expected
        )
        starrocks.configure(backup_hold_state=None)
        first = wait_job(conn, "BACKUP", "src", ("FINISHED",))
        second = backup(conn, snapshot="snap2")
        assert second["SnapshotName"] == "snap2"
        assert second["JobId"] != first["JobId"]
        rows, _ = query(conn, "SHOW BACKUP")
        assert [r[1] for r in rows] == ["snap2"]
        assert refused(conn, "BACKUP SNAPSHOT src.snap1 TO repo") == (
            "Snapshot with name 'snap1' already exist in repository"
        )

    @pytest.mark.parametrize(
        ("kind", "held", "status"),
        [
            pytest.param("BACKUP", "SNAPSHOTING", "[COMMON_ERROR, msg: user cancelled]", id="backup"),
            pytest.param(
                "RESTORE",
                "DOWNLOADING",
                "[COMMON_ERROR, msg: user cancelled, current state: DOWNLOADING]",
                id="restore",
            ),
        ],
    )
    def test_cancel_moves_a_running_job_to_cancelled(self, starrocks, conn, kind, held, status):
        create_repo(conn, starrocks)
        db = "src"
        if kind == "RESTORE":
            backup(conn)
            starrocks.configure(backup_hold_state=held)
            query(
                conn,
                f'RESTORE SNAPSHOT scratch.snap1 FROM repo PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
            )
            db = "scratch"
        else:
            starrocks.configure(backup_hold_state=held)
            query(conn, "BACKUP SNAPSHOT src.snap1 TO repo")
        wait_job(conn, kind, db, (held,))
        other = "RESTORE" if kind == "BACKUP" else "BACKUP"
        assert refused(conn, f"CANCEL {other} FROM {db}") == (
            "No restore is currently running" if other == "RESTORE" else "No backup job is currently running"
        )
        query(conn, f"CANCEL {kind} FROM {db}")
        row = job_row(conn, kind, db)
        assert (row["State"], row["Status"]) == ("CANCELLED", status)
        assert refused(conn, f"CANCEL {kind} FROM {db}") == (
            "Failed to cancel job: Job with label snap1 can not be cancelled. state: CANCELLED"
        )

    def test_a_backup_cancelled_after_its_upload_keeps_its_snapshot_name(self, starrocks, conn):
        # BackupJob.cancelInternal removes nothing from the repository; BackupHandler.backup then finds the name.
        create_repo(conn, starrocks)
        starrocks.configure(backup_hold_state="SAVE_META")
        query(conn, "BACKUP SNAPSHOT src.snap1 TO repo")
        wait_job(conn, "BACKUP", "src", ("SAVE_META",))
        query(conn, "CANCEL BACKUP FROM src")
        starrocks.configure(backup_hold_state=None)
        assert refused(conn, "BACKUP SNAPSHOT src.snap1 TO repo") == (
            "Snapshot with name 'snap1' already exist in repository"
        )
        assert query(conn, "SHOW SNAPSHOT ON repo")[0] == [("snap1", "", "ERROR: no snapshot")]

    def test_a_restore_replaces_the_backup_job_of_its_database(self, starrocks, conn):
        # BackupHandler keeps one job per database: SHOW BACKUP FROM src is empty once a restore into src began.
        create_repo(conn, starrocks)
        backup(conn, on=" ON (orders)")
        query(
            conn,
            f'RESTORE SNAPSHOT src.snap1 FROM repo PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
        )
        wait_job(conn, "RESTORE", "src", ("FINISHED",))
        assert job_row(conn, "BACKUP", "src") is None

    def test_expired_jobs_are_no_longer_shown(self, starrocks, conn):
        create_repo(conn, starrocks)
        backup(conn)
        starrocks.fe.backups.expire_jobs()
        assert job_row(conn, "BACKUP", "src") is None
        assert refused(conn, "CANCEL BACKUP FROM src") == "No backup job is currently running"

    def test_fault_hook_fails_the_next_job_with_the_given_message(self, starrocks, conn):
        create_repo(conn, starrocks)
        starrocks.configure(backup_fail_state="UPLOADING", backup_fail_message="upload snapshot failed")
        row = backup(conn)
        assert (row["State"], row["Status"]) == ("CANCELLED", "[COMMON_ERROR, msg: upload snapshot failed]")
        assert backup(conn, snapshot="snap2")["State"] == "FINISHED"

    def test_drop_repository_refused_while_a_job_uses_it(self, starrocks, conn):
        create_repo(conn, starrocks)
        starrocks.configure(backup_hold_state="PENDING")
        query(conn, "BACKUP SNAPSHOT src.snap1 TO repo")
        assert refused(conn, "DROP REPOSITORY repo") == (
            "Backup or restore job is running on this repository. Can not drop it"
        )
        query(conn, "CANCEL BACKUP FROM src")
        query(conn, "DROP REPOSITORY repo")
        assert query(conn, "SHOW REPOSITORIES")[0] == []

    def test_show_backup_without_from_lists_every_database(self, starrocks, conn):
        create_repo(conn, starrocks)
        backup(conn)
        query(conn, "CREATE TABLE scratch.t (id BIGINT)")
        backup(conn, snapshot="snap_scratch", db="scratch")
        rows, columns = query(conn, "SHOW BACKUP")
        assert [(r[1], r[2]) for r in rows] == [("snap1", "src"), ("snap_scratch", "scratch")]
        assert query(conn, "SHOW RESTORE")[0] == []


class TestRefusals:
    @pytest.mark.parametrize(
        ("sql", "text"),
        [
            pytest.param(
                "BACKUP SNAPSHOT src.s TO nope",
                "Getting analyzing error. Detail message: Repository [nope] does not exist.",
                id="backup-unknown-repository",
            ),
            pytest.param(
                'RESTORE SNAPSHOT src.s FROM nope PROPERTIES ("backup_timestamp" = "x")',
                "Repository nope does not exist",
                id="restore-unknown-repository",
            ),
            pytest.param(
                "BACKUP SNAPSHOT nodb.s TO repo", "Unknown database 'nodb'", id="backup-unknown-database"
            ),
            pytest.param(
                "BACKUP SNAPSHOT src.s TO repo ON (nope)",
                "Getting analyzing error. Detail message: Incorrect table name 'nope'.",
                id="backup-unknown-table",
            ),
            pytest.param(
                "BACKUP SNAPSHOT src.s TO repo ON (orders, orders)",
                "Getting analyzing error. Detail message: Duplicated table: orders.",
                id="backup-duplicated-table",
            ),
            pytest.param(
                'BACKUP SNAPSHOT src.s TO repo PROPERTIES ("timeout" = "60")',
                "Getting analyzing error. Detail message: timeout must be at least 10 min.",
                id="backup-short-timeout",
            ),
            pytest.param(
                'BACKUP SNAPSHOT src.s TO repo PROPERTIES ("timeout" = "ten")',
                "Getting analyzing error. Detail message: Invalid timeout format: ten.",
                id="backup-bad-timeout",
            ),
            pytest.param(
                'BACKUP SNAPSHOT src.s TO repo PROPERTIES ("type" = "delta")',
                "Getting analyzing error. Detail message: Invalid backup job type: delta.",
                id="backup-bad-type",
            ),
            pytest.param(
                'BACKUP SNAPSHOT src.s TO repo PROPERTIES ("compression" = "lz4")',
                "Getting analyzing error. Detail message: Unknown backup job properties: [compression].",
                id="backup-unknown-property",
            ),
            pytest.param(
                "RESTORE SNAPSHOT src.s FROM repo",
                "Getting analyzing error. Detail message: Missing backup_timestamp property.",
                id="restore-no-timestamp",
            ),
            pytest.param(
                'RESTORE SNAPSHOT src.s FROM repo PROPERTIES ("backup_timestamp" = "x", "allow_load" = "yes")',
                "Getting analyzing error. Detail message: Invalid allow load value: yes.",
                id="restore-bad-allow-load",
            ),
            pytest.param(
                'RESTORE SNAPSHOT src.s FROM repo PROPERTIES ("backup_timestamp" = "x", "replication_num" = "a")',
                "Getting analyzing error. Detail message: Invalid meta version format: a.",
                id="restore-bad-replication-num",
            ),
            pytest.param(
                'RESTORE SNAPSHOT src.s FROM repo ON (a AS b, c AS b) PROPERTIES ("backup_timestamp" = "x")',
                "Getting analyzing error. Detail message: Duplicated alias name: b.",
                id="restore-duplicated-alias",
            ),
            pytest.param(
                'RESTORE SNAPSHOT src.s FROM repo PROPERTIES ("backup_timestamp" = "x", "color" = "red")',
                "Getting analyzing error. Detail message: Unknown restore job properties: [color].",
                id="restore-unknown-property",
            ),
            pytest.param(
                "CREATE REPOSITORY 1repo WITH BROKER ON LOCATION 's3a://b/p'",
                "Getting analyzing error. Detail message: Incorrect repository name '1repo'.",
                id="repository-name",
            ),
            pytest.param(
                "DROP REPOSITORY nope",
                "Getting analyzing error. Detail message: Repository does not exist.",
                id="drop-unknown-repository",
            ),
            pytest.param(
                "SHOW SNAPSHOT ON nope",
                "Getting analyzing error. Detail message: Repository [nope] does not exist.",
                id="show-snapshot-unknown-repository",
            ),
            pytest.param(
                "SHOW SNAPSHOT ON repo WHERE TIMESTAMP = 'x'",
                "Getting analyzing error. Detail message: Where clause should looks like: SNAPSHOT = "
                "'your_snapshot_name' [AND TIMESTAMP = '2018-04-18-19-19-10'].",
                id="show-snapshot-timestamp-alone",
            ),
            pytest.param(
                "CREATE REPOSITORY r2 WITH BROKER ON LOCATION 'bucket/path'",
                "Failed to create repository: failed to list remote path: "
                "bucket/path/__starrocks_repository_r2/__repo_info. msg: invalid path. scheme is null",
                id="location-without-scheme",
            ),
            pytest.param(
                "CREATE REPOSITORY r2 WITH BROKER mybroker ON LOCATION 's3a://b/p'",
                "Getting analyzing error. Detail message: failed to get address of broker mybroker.",
                id="unknown-broker",
            ),
        ],
    )
    def test_refused_with_starrocks_text(self, starrocks, conn, sql, text):
        create_repo(conn, starrocks)
        assert refused(conn, sql) == text

    def test_backup_of_a_database_with_a_file_table_names_it(self, starrocks, conn):
        create_repo(conn, starrocks)
        key, secret = starrocks.aws.users["loader"]
        query(
            conn,
            'CREATE EXTERNAL TABLE src.ft (id BIGINT) ENGINE=file PROPERTIES ("path" = '
            f'"s3://starrocks-test/sample/orders.parquet", "format" = "parquet", "aws.s3.access_key" = "{key}", '
            f'"aws.s3.secret_key" = "{secret}", "aws.s3.region" = "{REGION}")',
        )
        # BackupRestoreAnalyzer adds every table of the database; BackupHandler.backup refuses the non-OLAP one.
        assert refused(conn, "BACKUP SNAPSHOT src.snap1 TO repo") == "Table 'ft' is not a OLAP table"
        assert backup(conn, on=" ON (orders)")["State"] == "FINISHED"

    def test_restore_of_a_missing_snapshot_or_timestamp_names_the_path(self, starrocks, conn):
        create_repo(conn, starrocks)
        text = refused(
            conn,
            'RESTORE SNAPSHOT scratch.nope FROM repo PROPERTIES ("backup_timestamp" = "2024-01-01-00-00-00-000")',
        )
        assert text == (
            "Failed to get info of snapshot 'nope' because: Expected one file with path: "
            f"{LOCATION}/__starrocks_repository_repo/__ss_nope/__info_2024-01-01-00-00-00-000. get: 0. "
            "Maybe specified wrong backup timestamp"
        )
        backup(conn, on=" ON (orders)")
        assert (
            refused(
                conn,
                f'RESTORE SNAPSHOT scratch.snap1 FROM repo ON (customers) PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
            )
            == "Table customers does not exist in snapshot snap1"
        )

    def test_duplicate_repository_is_refused(self, starrocks, conn):
        create_repo(conn, starrocks)
        with pytest.raises(pymysql.err.MySQLError, match="repository with same name already exist: repo"):
            create_repo(conn, starrocks)

    def test_other_schemes_are_not_emulated(self, starrocks, conn):
        text = refused(conn, "CREATE REPOSITORY r WITH BROKER ON LOCATION 'hdfs://nn:8020/backup'")
        assert text.startswith("not supported by the StarRocks emulator")


class TestShowSnapshot:
    def test_rows_per_where_shape(self, starrocks, conn):
        create_repo(conn, starrocks)
        backup(conn, on=" ON (orders)")
        backup(conn, snapshot="snap2", on=" ON (customers)")
        rows, columns = query(conn, "SHOW SNAPSHOT ON repo")
        assert columns == ["Snapshot", "Timestamp", "Status"]
        assert sorted(r[0] for r in rows) == ["snap1", "snap2"]
        assert {r[2] for r in rows} == {"OK"}
        rows, _ = query(conn, "SHOW SNAPSHOT ON repo WHERE SNAPSHOT IN ('snap2', 'other')")
        assert [r[0] for r in rows] == ["snap2"]
        assert query(conn, "SHOW SNAPSHOT ON repo WHERE SNAPSHOT = 'missing'")[0] == [
            ("missing", "", "ERROR: no snapshot")
        ]
        timestamp = newest_timestamp(conn)
        rows, columns = query(
            conn, f"SHOW SNAPSHOT ON repo WHERE TIMESTAMP = '{timestamp}' AND SNAPSHOT = 'snap1'"
        )
        assert columns == ["Snapshot", "Timestamp", "Database", "Details", "Status"]
        assert rows[0][:3] == ("snap1", timestamp, "src")
        assert rows[0][4] == "OK"
        assert '"orders"' in rows[0][3]
        assert '"id"' not in rows[0][3]


class TestGrammarPerRelease:
    @pytest.mark.parametrize(
        ("version", "expected"),
        [
            pytest.param("3.3.5", "Getting syntax error", id="3.3-no-alias-in-grammar"),
            pytest.param(
                "3.4.0",
                "Getting syntax error. Detail message: Specifying alias for backup object is forbidden in BACKUP stmt.",
                id="3.4-parser-refuses-alias",
            ),
        ],
    )
    def test_alias_in_backup(self, starrocks, conn, version, expected):
        starrocks.configure(version=version)
        create_repo(conn, starrocks)
        assert refused(conn, "BACKUP SNAPSHOT src.s TO repo ON (orders AS o)").startswith(expected)

    def test_database_clause_from_3_4(self, starrocks, conn):
        starrocks.configure(version="3.4.0")
        create_repo(conn, starrocks)
        query(conn, "BACKUP DATABASE src SNAPSHOT snap1 TO repo ON (TABLE orders)")
        assert wait_job(conn, "BACKUP", "src", ("FINISHED",))["BackupObjs"] == "[src.orders]"
        query(
            conn,
            f"RESTORE SNAPSHOT snap1 FROM repo DATABASE src AS scratch ON (TABLE orders AS o2) "
            f'PROPERTIES ("backup_timestamp" = "{newest_timestamp(conn)}")',
        )
        assert wait_job(conn, "RESTORE", "scratch", ("FINISHED",))
        assert query(conn, "SELECT count(*) FROM scratch.o2")[0] == [(3,)]
        starrocks.configure(version="3.3.5")
        assert refused(conn, "BACKUP DATABASE src SNAPSHOT snap2 TO repo").startswith("Getting syntax error")

    def test_restore_from_3_4_takes_the_snapshot_database_and_creates_a_missing_one(self, starrocks, conn):
        starrocks.configure(version="3.4.0")
        create_repo(conn, starrocks)
        backup(conn, on=" ON (orders)")
        timestamp = newest_timestamp(conn)
        query(conn, "DROP DATABASE src")
        query(conn, f'RESTORE SNAPSHOT snap1 FROM repo PROPERTIES ("backup_timestamp" = "{timestamp}")')
        assert wait_job(conn, "RESTORE", "src", ("FINISHED",))
        assert query(conn, "SELECT count(*) FROM src.orders")[0] == [(3,)]
        query(
            conn,
            f'RESTORE SNAPSHOT snap1 FROM repo DATABASE src AS fresh PROPERTIES ("backup_timestamp" = "{timestamp}")',
        )
        assert wait_job(conn, "RESTORE", "fresh", ("FINISHED",))
        assert query(conn, "SELECT count(*) FROM fresh.orders")[0] == [(3,)]
        assert (
            refused(
                conn,
                f'RESTORE SNAPSHOT snap1 FROM repo DATABASE other PROPERTIES ("backup_timestamp" = "{timestamp}")',
            )
            == "target database: other is not existed in snapshot"
        )
        starrocks.configure(version="3.3.5")
        assert refused(
            conn, f'RESTORE SNAPSHOT snap1 FROM repo PROPERTIES ("backup_timestamp" = "{timestamp}")'
        ).startswith("not supported by the StarRocks emulator")

    @pytest.mark.parametrize(
        ("version", "expected"),
        [
            pytest.param("3.1.4", "not supported by the StarRocks emulator", id="3.1"),
            pytest.param(
                "3.3.5",
                "Getting syntax error. Detail message: No selected database for cancel BACKUP/RESTORE.",
                id="3.3",
            ),
        ],
    )
    def test_cancel_without_database(self, starrocks, conn, version, expected):
        starrocks.configure(version=version)
        assert refused(conn, "CANCEL BACKUP").startswith(expected)
