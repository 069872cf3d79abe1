"""The backup and restore statement builders: repositories, BACKUP / RESTORE, SHOW and CANCEL."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.sql import StarRocksSqlValueError
from airflow_provider_starrocks.utils.statements.backup import (
    TableSpec,
    backup_snapshot,
    cancel_backup,
    cancel_restore,
    create_repository,
    drop_repository,
    restore_snapshot,
    show_backup,
    show_repositories,
    show_restore,
    show_snapshot,
    validate_backup_timestamp,
    validate_snapshot,
)


def test_create_repository_redacts_secrets_in_the_twin():
    stmt = create_repository(
        "nightly",
        "s3a://bucket/backups",
        {
            "aws.s3.access_key": "AKIAEXAMPLE",
            "aws.s3.secret_key": "s3cr3t/value",
            "aws.s3.region": "us-west-2",
        },
        {"aws.s3.access_key", "aws.s3.secret_key"},
    )
    assert stmt.sql == (
        'CREATE REPOSITORY `nightly`\nWITH BROKER\nON LOCATION "s3a://bucket/backups"\nPROPERTIES (\n'
        '    "aws.s3.access_key" = "AKIAEXAMPLE",\n    "aws.s3.secret_key" = "s3cr3t/value",\n'
        '    "aws.s3.region" = "us-west-2"\n)'
    )
    assert "AKIAEXAMPLE" not in stmt.redacted
    assert "s3cr3t" not in stmt.redacted
    assert '"aws.s3.region" = "us-west-2"' in stmt.redacted
    assert str(stmt) == stmt.redacted


def test_create_read_only_repository():
    stmt = create_repository("mirror", "s3a://b/p", {"aws.s3.use_instance_profile": "true"}, read_only=True)
    assert stmt.sql.startswith("CREATE READ ONLY REPOSITORY `mirror`\nWITH BROKER\nON LOCATION")


def test_location_is_a_quoted_literal():
    stmt = create_repository("r", 's3a://b/p"; DROP DATABASE x; --', {})
    assert 'ON LOCATION "s3a://b/p\\"; DROP DATABASE x; --"' in stmt.sql


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("", id="empty"),
        pytest.param("1repo", id="leading_digit"),
        pytest.param("re po", id="space"),
        pytest.param("re`po", id="backtick"),
        pytest.param("r" * 65, id="too_long"),
        pytest.param("répo", id="non_ascii"),
    ],
)
def test_repository_names_follow_common_name_regex(name):
    with pytest.raises(StarRocksSqlValueError, match="repository"):
        drop_repository(name)


def test_simple_statements():
    assert drop_repository("r").sql == "DROP REPOSITORY `r`"
    assert show_repositories().sql == "SHOW REPOSITORIES"
    assert show_snapshot("r").sql == "SHOW SNAPSHOT ON `r`"
    assert show_snapshot("r", "snap-1").sql == 'SHOW SNAPSHOT ON `r` WHERE SNAPSHOT = "snap-1"'
    assert show_backup("sales").sql == "SHOW BACKUP FROM `sales`"
    assert show_restore("sales").sql == "SHOW RESTORE FROM `sales`"
    assert cancel_backup("sales").sql == "CANCEL BACKUP FROM `sales`"
    assert cancel_restore("sales").sql == "CANCEL RESTORE FROM `sales`"


def test_backup_whole_database():
    stmt = backup_snapshot("sales", "snap_2024", "nightly")
    assert stmt.sql == "BACKUP SNAPSHOT `sales`.`snap_2024`\nTO `nightly`"
    assert stmt.redacted == stmt.sql


def test_backup_tables_and_partitions_and_properties():
    stmt = backup_snapshot(
        "sales",
        "snap",
        "nightly",
        [TableSpec("orders", ("p20240101", "p20240102")), TableSpec("customers")],
        {"timeout": 3600, "type": "full"},
    )
    assert stmt.sql == (
        "BACKUP SNAPSHOT `sales`.`snap`\nTO `nightly`\nON (\n"
        "    `orders` PARTITION (`p20240101`, `p20240102`),\n    `customers`\n)\n"
        'PROPERTIES (\n    "timeout" = "3600",\n    "type" = "full"\n)'
    )


def test_restore_with_alias_and_timestamp():
    stmt = restore_snapshot(
        "scratch",
        "snap",
        "nightly",
        "2024-01-31-02-00-00-125",
        [TableSpec("orders", ("p1",), alias="orders_drill")],
        {"replication_num": 1},
    )
    assert stmt.sql == (
        "RESTORE SNAPSHOT `scratch`.`snap`\nFROM `nightly`\nON (\n    `orders` PARTITION (`p1`) AS `orders_drill`\n)\n"
        'PROPERTIES (\n    "backup_timestamp" = "2024-01-31-02-00-00-125",\n    "replication_num" = "1"\n)'
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: backup_snapshot("sales", "s p", "r"), "snapshot", id="snapshot_space"),
        pytest.param(lambda: backup_snapshot("sales", "", "r"), "snapshot", id="snapshot_empty"),
        pytest.param(lambda: backup_snapshot("sa les", "s", "r"), "database", id="database"),
        pytest.param(lambda: backup_snapshot("sales", "s", "r", [TableSpec("t`x")]), "tables", id="table"),
        pytest.param(
            lambda: backup_snapshot("sales", "s", "r", [TableSpec("t", ("p 1",))]),
            "partition",
            id="partition",
        ),
        pytest.param(
            lambda: backup_snapshot("sales", "s", "r", [TableSpec("t", alias="u")]),
            "alias",
            id="backup_alias",
        ),
        pytest.param(
            lambda: backup_snapshot("sales", "s", "r", properties={"bogus": 1}), "bogus", id="bad_prop"
        ),
        pytest.param(
            lambda: restore_snapshot("sales", "s", "r", "2024-01-31 02:00:00"),
            "backup_timestamp",
            id="timestamp",
        ),
        pytest.param(
            lambda: restore_snapshot(
                "sales", "s", "r", "2024-01-31-02-00-00-125", properties={"backup_timestamp": "x"}
            ),
            "backup_timestamp",
            id="timestamp_in_properties",
        ),
        pytest.param(
            lambda: restore_snapshot(
                "sales", "s", "r", "2024-01-31-02-00-00-125", properties={"type": "full"}
            ),
            "type",
            id="backup_only_property",
        ),
    ],
)
def test_bad_values_are_refused(call, match):
    with pytest.raises(StarRocksSqlValueError, match=match):
        call()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("snap\n", id="trailing_newline"),
        pytest.param("s" * 129, id="too_long"),
        pytest.param("a/b", id="slash"),
        pytest.param('a"b', id="quote"),
    ],
)
def test_snapshot_rule(value):
    with pytest.raises(StarRocksSqlValueError, match="snapshot"):
        validate_snapshot(value)


def test_timestamp_rule():
    assert validate_backup_timestamp("2024-01-31-02-00-00-125") == "2024-01-31-02-00-00-125"
    assert validate_backup_timestamp("2024-01-31-02-00-00") == "2024-01-31-02-00-00"  # older documentation
    with pytest.raises(StarRocksSqlValueError, match="yyyy-MM-dd-HH-mm-ss-SSS"):
        validate_backup_timestamp("2024-01-31-02-00-00-125\n")
