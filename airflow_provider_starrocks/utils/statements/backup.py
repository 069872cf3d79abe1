"""
Backup and restore: repositories, BACKUP / RESTORE SNAPSHOT, SHOW BACKUP / RESTORE / SNAPSHOT, CANCEL.

Grammar (StarRocks.g4; the same on 3.1 to 3.5, pinterest-integration-3.1.4 8a7f4f51, pinterest-release-3.3.5 7c653fb8,
pinterest-integration-3.5 61380ea4; newer releases add catalogs, views and functions, which are not used here)::

    createRepositoryStatement : CREATE (READ ONLY)? REPOSITORY identifier WITH BROKER identifierOrString?
                                ON LOCATION string (PROPERTIES propertyList)?
    dropRepositoryStatement   : DROP REPOSITORY identifier
    backupStatement           : BACKUP SNAPSHOT qualifiedName TO identifier
                                (ON '(' tableDesc (',' tableDesc)* ')')? (PROPERTIES propertyList)?
    restoreStatement          : RESTORE SNAPSHOT qualifiedName FROM identifier
                                (ON '(' restoreTableDesc (',' restoreTableDesc)* ')')? (PROPERTIES propertyList)?
    tableDesc                 : qualifiedName partitionNames?
    restoreTableDesc          : qualifiedName partitionNames? (AS identifier)?
    showBackupStatement       : SHOW BACKUP ((FROM | IN) identifier)?
    showRestoreStatement      : SHOW RESTORE ((FROM | IN) identifier)? (WHERE expression)?
    showSnapshotStatement     : SHOW SNAPSHOT ON identifier (WHERE expression)?
    cancelBackupStatement     : CANCEL BACKUP ((FROM | IN) identifier)?
    cancelRestoreStatement    : CANCEL RESTORE ((FROM | IN) identifier)?

``WITH BROKER`` without a broker name uses StarRocks's built-in S3 client, and the repository's properties hold
the ``aws.s3.*`` credentials, so the redacted twin hides them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_starrocks.utils.sql import (
    StarRocksSqlValueError,
    Statement,
    property_list,
    qualified_name,
    quote_identifier,
    quote_literal,
    require_match,
    validate_label,
    validate_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# Repository.java: a backup's timestamp is its create time as BackupJob.TIMESTAMP_FORMAT, "yyyy-MM-dd-HH-mm-ss-SSS"
# (3.1.4 to main), the suffix of its __info_<timestamp> file. Older documentation shows it without milliseconds.
BACKUP_TIMESTAMP_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(?:-\d{3})?\Z", re.ASCII)
# BackupRestoreAnalyzer.java (3.1-newest): every other key fails with "Unknown backup job properties: [...]" /
# "Unknown restore job properties: [...]".
BACKUP_PROPERTIES = frozenset({"timeout", "type"})
RESTORE_PROPERTIES = frozenset(
    {"timeout", "allow_load", "replication_num", "backup_timestamp", "meta_version", "starrocks_meta_version"}
)


@dataclass(frozen=True)
class TableSpec:
    """
    One entry of a BACKUP or RESTORE ``ON (...)`` list.

    :param name: the table.
    :param partitions: the partitions to back up or restore; empty for the whole table.
    :param alias: the name to restore the table under (RESTORE only).
    """

    name: str
    partitions: tuple[str, ...] = ()
    alias: str | None = None


def validate_repository(name: str, what: str = "repository") -> str:
    """
    Return a repository name if StarRocks accepts it (``FeNameFormat.checkCommonName("repository", ...)``).

    :param name: the repository name.
    :param what: the argument it came from, for the error message.
    """
    return validate_name(name, what, "catalog")


def validate_snapshot(name: str, what: str = "snapshot") -> str:
    r"""
    Return a snapshot name if it matches ``^[-\w]{1,128}$``, else raise.

    StarRocks itself only refuses an empty snapshot name (``BackupRestoreAnalyzer.analyzeLabelAndRepo``,
    ERR_WRONG_LABEL_NAME), but the name becomes an S3 key segment (``__ss_<name>``) and a ``WHERE SNAPSHOT =``
    value, so the load-label rule is applied: it is what StarRocks checks for the labels of its other jobs.

    :param name: the snapshot name.
    :param what: the argument it came from, for the error message.
    """
    try:
        return validate_label(name)
    except StarRocksSqlValueError:
        raise StarRocksSqlValueError(
            f"{what} {name!r} is invalid: snapshot names match ^[-\\w]{{1,128}}$ here (ASCII letters, digits, "
            "'_' and '-', 1 to 128 characters): replace the other characters, or leave it unset for the "
            "generated per-run name."
        ) from None


def validate_backup_timestamp(value: str, what: str = "backup_timestamp") -> str:
    """
    Return a backup timestamp (``yyyy-MM-dd-HH-mm-ss-SSS``, as ``SHOW SNAPSHOT`` lists it), else raise.

    :param value: the timestamp.
    :param what: the argument it came from, for the error message.
    """
    return require_match(
        value,
        BACKUP_TIMESTAMP_PATTERN,
        f"{what} {value!r} is invalid: StarRocks backup timestamps look like 2024-01-31-02-00-00-123 "
        "(yyyy-MM-dd-HH-mm-ss-SSS, the Timestamp column of SHOW SNAPSHOT): copy one from there, or leave it "
        "unset for the newest backup of the snapshot.",
    )


def _database(database: str) -> str:
    return validate_name(database, "database", "database")


def _of_database(verb: str, database: str) -> Statement:
    sql = f"{verb} FROM {quote_identifier(_database(database))}"
    return Statement(sql, sql)


def create_repository(
    name: str,
    location: str,
    properties: Mapping[str, object],
    secret_keys: Iterable[str] = (),
    *,
    read_only: bool = False,
) -> Statement:
    """
    Build ``CREATE [READ ONLY] REPOSITORY <name> WITH BROKER ON LOCATION "<location>" PROPERTIES (...)``.

    :param name: the repository name (``COMMON_NAME_REGEX``).
    :param location: the ``s3a://bucket/prefix`` location.
    :param properties: the ``aws.s3.*`` and other repository properties.
    :param secret_keys: keys whose values are redacted in the twin.
    :param read_only: create a read-only repository (restore only).
    """
    head = "CREATE READ ONLY REPOSITORY" if read_only else "CREATE REPOSITORY"
    head += f" {quote_identifier(validate_repository(name))}\nWITH BROKER\nON LOCATION {quote_literal(location, 'location')}"
    plain, redacted = property_list(properties, secret_keys)
    if plain == "()":
        return Statement(head, head)
    return Statement(f"{head}\nPROPERTIES {plain}", f"{head}\nPROPERTIES {redacted}")


def drop_repository(name: str) -> Statement:
    """
    Build ``DROP REPOSITORY <name>`` (the snapshots stay in S3: StarRocks never deletes them).

    :param name: the repository name.
    """
    sql = f"DROP REPOSITORY {quote_identifier(validate_repository(name))}"
    return Statement(sql, sql)


def show_repositories() -> Statement:
    """Build ``SHOW REPOSITORIES`` (RepoId, RepoName, CreateTime, IsReadOnly, Location, Broker, ErrMsg)."""
    return Statement("SHOW REPOSITORIES", "SHOW REPOSITORIES")


def show_snapshot(repository: str, snapshot: str | None = None) -> Statement:
    """
    Build ``SHOW SNAPSHOT ON <repo> [WHERE SNAPSHOT = "<name>"]``.

    Without a snapshot every snapshot of the repository is listed; with one, its row lists all its backup
    timestamps, one a line (``Repository.getSnapshotInfo``).

    :param repository: the repository.
    :param snapshot: the snapshot name.
    """
    sql = f"SHOW SNAPSHOT ON {quote_identifier(validate_repository(repository))}"
    if snapshot is not None:
        sql += f" WHERE SNAPSHOT = {quote_literal(validate_snapshot(snapshot), 'snapshot')}"
    return Statement(sql, sql)


def _partitions(partitions: Iterable[str], table: str) -> str:
    names = [validate_name(p, f"partition of table {table!r}", "catalog") for p in partitions]
    if not names:
        return ""
    return " PARTITION (" + ", ".join(quote_identifier(p, "partition") for p in names) + ")"


def _on_clause(tables: Iterable[TableSpec], *, restore: bool) -> str:
    parts: list[str] = []
    for spec in tables:
        name = validate_name(spec.name, "tables", "table")
        text = quote_identifier(name, "table") + _partitions(spec.partitions, name)
        if spec.alias is not None:
            if not restore:
                raise StarRocksSqlValueError("a BACKUP cannot rename a table: remove the alias.")
            text += (
                f" AS {quote_identifier(validate_name(spec.alias, 'table alias', 'table'), 'table alias')}"
            )
        parts.append(text)
    if not parts:
        return ""
    return "\nON (\n    " + ",\n    ".join(parts) + "\n)"


def _properties(properties: Mapping[str, object] | None, allowed: frozenset[str], what: str) -> str:
    if not properties:
        return ""
    unknown = sorted(set(properties) - allowed)
    if unknown:
        raise StarRocksSqlValueError(
            f"{what} properties {unknown} are not {what} job properties: StarRocks accepts {sorted(allowed)}."
        )
    plain, _ = property_list(properties)
    return f"\nPROPERTIES {plain}"


def backup_snapshot(
    database: str,
    snapshot: str,
    repository: str,
    tables: Iterable[TableSpec] = (),
    properties: Mapping[str, object] | None = None,
) -> Statement:
    """
    Build ``BACKUP SNAPSHOT <db>.<snapshot> TO <repo> [ON (<t> [PARTITION (...)], ...)] [PROPERTIES (...)]``.

    :param database: the database to back up.
    :param snapshot: the snapshot name.
    :param repository: the repository to write to.
    :param tables: the tables (and partitions); empty backs up the whole database.
    :param properties: ``timeout`` (seconds, at least 600) and ``type`` (``full``).
    """
    return _snapshot_job("backup", database, snapshot, repository, tables, properties)


def restore_snapshot(
    database: str,
    snapshot: str,
    repository: str,
    backup_timestamp: str,
    tables: Iterable[TableSpec] = (),
    properties: Mapping[str, object] | None = None,
) -> Statement:
    """
    Build ``RESTORE SNAPSHOT <db>.<snapshot> FROM <repo> [ON (...)] PROPERTIES ("backup_timestamp" = ..., ...)``.

    :param database: the database to restore into (it must exist before 3.4; 3.4+ creates it).
    :param snapshot: the snapshot name.
    :param repository: the repository to read from.
    :param backup_timestamp: which backup of the snapshot (``yyyy-MM-dd-HH-mm-ss-SSS``).
    :param tables: the tables (partitions, new names); empty restores every table of the snapshot.
    :param properties: further restore properties (``timeout``, ``replication_num``, ``allow_load``, ...).
    """
    props: dict[str, object] = {"backup_timestamp": validate_backup_timestamp(backup_timestamp)}
    for key, value in (properties or {}).items():
        if key == "backup_timestamp":
            raise StarRocksSqlValueError(
                "properties must not hold backup_timestamp: pass it as the backup_timestamp argument."
            )
        props[key] = value
    return _snapshot_job("restore", database, snapshot, repository, tables, props)


def _snapshot_job(
    verb: str,
    database: str,
    snapshot: str,
    repository: str,
    tables: Iterable[TableSpec],
    properties: Mapping[str, object] | None,
) -> Statement:
    restore = verb == "restore"
    sql = (
        f"{verb.upper()} SNAPSHOT {qualified_name(_database(database), validate_snapshot(snapshot))}\n"
        f"{'FROM' if restore else 'TO'} {quote_identifier(validate_repository(repository))}"
        + _on_clause(tables, restore=restore)
        + _properties(properties, RESTORE_PROPERTIES if restore else BACKUP_PROPERTIES, verb)
    )
    return Statement(sql, sql)


def show_backup(database: str) -> Statement:
    """
    Build ``SHOW BACKUP FROM <db>``: the database's current job, when it is a backup (ShowExecutor).

    :param database: the database.
    """
    return _of_database("SHOW BACKUP", database)


def show_restore(database: str) -> Statement:
    """
    Build ``SHOW RESTORE FROM <db>``: the database's current job, when it is a restore (ShowExecutor).

    :param database: the database.
    """
    return _of_database("SHOW RESTORE", database)


def cancel_backup(database: str) -> Statement:
    """
    Build ``CANCEL BACKUP FROM <db>``: it cancels the database's current backup, whichever snapshot it takes.

    :param database: the database.
    """
    return _of_database("CANCEL BACKUP", database)


def cancel_restore(database: str) -> Statement:
    """
    Build ``CANCEL RESTORE FROM <db>``: it cancels the database's current restore, whichever snapshot it reads.

    :param database: the database.
    """
    return _of_database("CANCEL RESTORE", database)
