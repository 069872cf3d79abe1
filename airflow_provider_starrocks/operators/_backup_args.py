"""
Argument checks of the backup, restore and repository operators: every bad value refused before any SQL.

Each error names the argument and the fix. StarRocks's own rules are cited where they come from
(``BackupRestoreAnalyzer.java``, ``RepositoryAnalyzer.java``, pinterest-release-3.3.5 7c653fb8).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import BackupArgumentError
from airflow_provider_starrocks.utils.sql import validate_name
from airflow_provider_starrocks.utils.statements.backup import (
    BACKUP_PROPERTIES,
    RESTORE_PROPERTIES,
    TableSpec,
    validate_backup_timestamp,
    validate_repository,
    validate_snapshot,
)

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

__all__ = ["BackupArgumentError", "check_location", "check_properties", "check_tables"]

# "s3a://bucket[/prefix]": StarRocks reaches S3 repositories through S3A only (CREATE_REPOSITORY.md).
_LOCATION = re.compile(
    r"^(?P<scheme>s3a?)://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?P<path>/[^\x00]*)?\Z"
)
#: BackupRestoreAnalyzer.setPropTimeout: "timeout must be at least 10 min" (seconds).
MIN_TIMEOUT_SECONDS = 600
#: Config.backup_job_default_timeout_ms (one day), the timeout of a job without the property.
DEFAULT_TIMEOUT_SECONDS = 86400


def _fail(argument: str, problem: str, fix: str) -> BackupArgumentError:
    return BackupArgumentError(f"{argument}: {problem}; {fix}.")


def check_location(location: object, log: logging.Logger | Any | None = None) -> str:
    """
    Return the repository location as ``s3a://bucket[/prefix]``, rewriting ``s3://`` (and logging it).

    :param location: the ``location`` argument.
    :param log: where to say that the scheme was rewritten.
    """
    if not isinstance(location, str):
        raise _fail("location", f"{location!r} is not a string", "pass 's3a://<bucket>/<prefix>'")
    if location != location.strip():
        raise _fail("location", f"{location!r} has leading or trailing whitespace", "remove it")
    match = _LOCATION.match(location)
    if match is None:
        raise _fail(
            "location",
            f"{location!r} is not an S3 location",
            "pass 's3://<bucket>/<prefix>' or 's3a://<bucket>/<prefix>' (a lowercase bucket name)",
        )
    path = (match.group("path") or "").rstrip("/")
    rewritten = f"s3a://{match.group('bucket')}{path}"
    if match.group("scheme") == "s3" and log is not None:
        log.info(
            "Repository location %s rewritten to %s: StarRocks reaches S3 repositories through S3A only.",
            location,
            rewritten,
        )
    return rewritten


def check_tables(tables: object, *, restore: bool) -> list[TableSpec]:
    """
    Return the ``tables`` argument as table specs.

    A list of table names, or a dict of table name -> partitions (a list, or ``None`` for the whole table). For a
    restore a dict value may also be ``{"partitions": [...], "as": "<new name>"}``.

    :param tables: the argument.
    :param restore: whether it is a restore's (which may rename tables).
    """
    if tables is None:
        return []
    if isinstance(tables, str):
        raise _fail("tables", f"{tables!r} is a string", "pass a list of table names, e.g. ['orders']")
    if isinstance(tables, Mapping):
        return [_table_entry(name, value, restore) for name, value in tables.items()]
    if isinstance(tables, (list, tuple)):
        specs = [_table_entry(name, None, restore) for name in tables]
    else:
        raise _fail(
            "tables", f"{type(tables).__name__} is not a list or a dict", "pass a list of names or a dict"
        )
    return _no_duplicates(specs)


def _no_duplicates(specs: list[TableSpec]) -> list[TableSpec]:
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:  # BackupRestoreAnalyzer: "Duplicated table: <name>"
            raise _fail("tables", f"table {spec.name!r} is listed twice", "list each table once")
        seen.add(spec.name)
    return specs


def _table_entry(name: object, value: object, restore: bool) -> TableSpec:
    if not isinstance(name, str):
        raise _fail("tables", f"table name {name!r} is not a string", "use table names as strings")
    _checked(lambda: validate_name(name, "tables", "table"))
    alias: object = None
    partitions: object = value
    if isinstance(value, Mapping):
        if not restore:
            raise _fail(
                "tables",
                f"{name!r} maps to a dict",
                "a backup takes a list of partitions per table (no renaming)",
            )
        unknown = sorted(set(value) - {"partitions", "as"})
        if unknown:
            raise _fail("tables", f"{name!r}: unknown keys {unknown}", "use 'partitions' and 'as'")
        partitions, alias = value.get("partitions"), value.get("as")
    if partitions is None:
        parts: tuple[str, ...] = ()
    elif isinstance(partitions, (list, tuple)) and all(isinstance(p, str) for p in partitions):
        parts = tuple(partitions)
        for part in parts:
            _checked(lambda part=part: validate_name(part, f"tables[{name!r}] partition", "catalog"))
    else:
        raise _fail(
            "tables",
            f"the partitions of {name!r} are {partitions!r}",
            "give a list of partition names or None",
        )
    if alias is not None:
        if not isinstance(alias, str):
            raise _fail("tables", f"the new name of {name!r} is {alias!r}", "give a table name string")
        _checked(lambda: validate_name(alias, f"tables[{name!r}]['as']", "table"))
    return TableSpec(name, parts, alias)


def _checked(check: Any) -> None:
    try:
        check()
    except ValueError as exc:
        raise BackupArgumentError(str(exc)) from None


def check_properties(properties: object, *, restore: bool) -> dict[str, object]:
    """
    Return job properties StarRocks accepts, checked as ``BackupRestoreAnalyzer`` checks them.

    :param properties: the ``properties`` argument.
    :param restore: whether they are a restore's.
    """
    if properties is None:
        return {}
    if not isinstance(properties, Mapping):
        raise _fail("properties", f"{type(properties).__name__} is not a dict", "pass a dict")
    allowed = set(RESTORE_PROPERTIES if restore else BACKUP_PROPERTIES) - {"backup_timestamp"}
    what = "restore" if restore else "backup"
    checked: dict[str, object] = {}
    for key, value in properties.items():
        if key == "backup_timestamp":
            raise _fail(
                "properties", "backup_timestamp is an argument of its own", "pass backup_timestamp=..."
            )
        if key not in allowed:
            raise _fail("properties", f"{key!r} is not a {what} property", f"use one of {sorted(allowed)}")
        checked[key] = _property(key, value)
    return checked


def _property(key: str, value: object) -> object:
    if key == "timeout":
        seconds = _integer(key, value)
        if seconds < MIN_TIMEOUT_SECONDS:
            raise _fail(
                "properties", f"timeout {seconds} is under 10 minutes", f"use at least {MIN_TIMEOUT_SECONDS}"
            )
        return seconds
    if key in ("replication_num", "meta_version", "starrocks_meta_version"):
        number = _integer(key, value)
        if key == "replication_num" and number < 1:
            raise _fail("properties", f"replication_num {number} is not positive", "use 1 or more")
        return number
    if key == "allow_load":
        if not isinstance(value, bool) and str(value).lower() not in ("true", "false"):
            raise _fail("properties", f"allow_load {value!r} is not a boolean", "pass True or False")
        return value if isinstance(value, bool) else str(value).lower() == "true"
    # type: BackupStmt.BackupType; INCREMENTAL is refused by BackupHandler ("Currently does not support ...").
    if not isinstance(value, str) or value.lower() != "full":
        raise _fail(
            "properties", f"type {value!r} is not supported", "StarRocks takes FULL backups only: omit it"
        )
    return value


def _integer(key: str, value: object) -> int:
    if isinstance(value, bool):
        raise _fail("properties", f"{key} {value!r} is not a whole number", "pass an int")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise _fail("properties", f"{key} {value!r} is not a whole number", "pass an int")


def check_snapshot(snapshot: object, argument: str = "snapshot") -> str:
    """
    Return a valid snapshot name.

    :param snapshot: the value.
    :param argument: the argument's name.
    """
    return _check_name(snapshot, argument, "snapshot", lambda name: validate_snapshot(name, argument))


def check_repository(repository: object) -> str:
    """
    Return a valid repository name (``FeNameFormat.checkCommonName``).

    :param repository: the value.
    """
    return _check_name(repository, "repository", "repository", validate_repository)


def check_database(database: object) -> str:
    """
    Return a valid database name (``FeNameFormat.checkDbName``).

    :param database: the value.
    """
    return _check_name(
        database, "database", "database", lambda name: validate_name(name, "database", "database")
    )


def _check_name(value: object, argument: str, what: str, validate: Callable[[str], object]) -> str:
    if not isinstance(value, str):
        raise _fail(argument, f"{value!r} is not a string", f"pass the {what} name")
    _checked(lambda: validate(value))
    return value


def check_timestamp(value: object) -> str | None:
    """
    Return a valid ``backup_timestamp`` or ``None`` (the newest).

    :param value: the value.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail("backup_timestamp", f"{value!r} is not a string", "pass e.g. '2024-01-31-02-00-00-123'")
    _checked(lambda: validate_backup_timestamp(value))
    return value
