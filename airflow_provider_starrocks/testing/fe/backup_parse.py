"""The grammar and analysis of ``BACKUP`` / ``RESTORE`` (StarRocks.g4, AstBuilder, BackupRestoreAnalyzer).

After pinterest/starrocks at every emulated branch (``releases.BRANCH_COMMITS``), under
``fe/fe-core/src/main/java/com/starrocks/``: ``sql/parser/StarRocks.g4`` backupStatement and restoreStatement (3.4.0
moves ON to backupRestoreObjectDesc and adds ``DATABASE db [AS alias]``; main moves the file to
fe/fe-grammar/src/main/antlr/com/starrocks/grammar/), ``sql/parser/AstBuilder.java`` (its ParsingExceptions carry no
position), ``sql/analyzer/BackupRestoreAnalyzer.java`` (properties, a timeout of at least 10 minutes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.fe.errors import (
    StarRocksError,
    SyntaxProblem,
    analysis_error,
    not_supported,
)

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

#: Releases whose grammar has backupRestoreObjectDesc and ``DATABASE db [AS alias]`` (StarRocks.g4 at 3.4.0 a53c7f01,
#: 3.5 61380ea4, main 70d1c246; 3.1.4 and 3.3.5 have tableDesc / restoreTableDesc).
OBJECT_GRAMMAR_RELEASES = frozenset({"3.4", "3.5", "newest"})
#: Releases whose BackupHandler.process reads the snapshot's info before the target database, takes the snapshot's
#: database when the statement names none and creates a missing one (3.4.0 a53c7f01 on; 3.3.5 requires it).
RESTORE_READS_INFO_FIRST_RELEASES = OBJECT_GRAMMAR_RELEASES
#: Releases whose AstBuilder refuses CANCEL BACKUP / RESTORE without a database (3.3.5 on).
CANCEL_NEEDS_DB_RELEASES = frozenset({"3.3", "3.4", "3.5", "newest"})
MIN_TIMEOUT_S = 600  # BackupRestoreAnalyzer.MIN_TIMEOUT_MS
DEFAULT_TIMEOUT_S = 86400  # Config.backup_job_default_timeout_ms
DEFAULT_REPLICATION_NUM = 3  # RunMode.defaultReplicationNum() of a shared-nothing cluster


class ParserError(SyntaxProblem):
    """``new ParsingException(PARSER_ERROR_MSG.x())`` of AstBuilder: no position, so no line and column.

    sql/parser/ParsingException.java getMessage (3.3.5 on): ``Getting syntax error. Detail message: <text>.``
    """

    def render(self, sql: str) -> str:
        return f"Getting syntax error. Detail message: {self.detail}."


def parse_error(detail: str, pos: int | None = None) -> ParserError:
    return ParserError(detail, pos)


@dataclass
class TableRef:
    """A table of an ON clause: ``name [PARTITION (p, ...)] [AS alias]``."""

    name: str
    partitions: list[str] | None = None
    alias: str | None = None

    def show(self, db: str) -> str:
        # TableRef.toString: name, then PartitionNames.toString with no space between, then " AS alias".
        text = f"{db}.{self.name}"
        if self.partitions:
            text += f"PARTITIONS ({', '.join(self.partitions)})"
        return text


@dataclass
class BackupStatement:
    db: str | None
    label: str
    repo: str
    tables: list[TableRef]
    properties: dict[str, str]


@dataclass
class RestoreStatement:
    db: str | None
    label: str
    repo: str
    tables: list[TableRef]
    properties: dict[str, str]
    origin_db: str | None = None


# -- properties ---------------------------------------------------------------------------------------------


def _timeout(value: str) -> int:
    """BackupRestoreAnalyzer.setPropTimeout (seconds)."""
    if not re.fullmatch(r"[+-]?\d{1,18}", value):
        raise analysis_error(f"Invalid timeout format: {value}")
    timeout = int(value)
    if timeout * 1000 < MIN_TIMEOUT_S * 1000:
        raise analysis_error("timeout must be at least 10 min")
    return timeout


def _java_int(value: str) -> int:
    """BackupRestoreAnalyzer.parseInt (its text says "meta version" for every key)."""
    if not re.fullmatch(r"[+-]?\d+", value) or not -(2**31) <= int(value) < 2**31:
        raise analysis_error(f"Invalid meta version format: {value}")
    return int(value)


def _unknown(kind: str, keys: list[str]) -> StarRocksError:
    return analysis_error(f"Unknown {kind} job properties: [{', '.join(keys)}]")


def backup_properties(properties: dict[str, str]) -> tuple[int, str]:
    timeout, backup_type, unknown = DEFAULT_TIMEOUT_S, "FULL", []
    for key, value in properties.items():
        if key == "timeout":
            timeout = _timeout(value)
        elif key == "type":
            if value.upper() not in ("FULL", "INCREMENTAL"):
                raise analysis_error(f"Invalid backup job type: {value}")
            backup_type = value.upper()
        else:
            unknown.append(key)
    if unknown:
        raise _unknown("backup", unknown)
    return timeout, backup_type


def restore_properties(properties: dict[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "timeout": DEFAULT_TIMEOUT_S, "allow_load": False, "replication_num": DEFAULT_REPLICATION_NUM,
        "backup_timestamp": None,
    }  # fmt: skip
    unknown = []
    for key, value in properties.items():
        if key == "timeout":
            options["timeout"] = _timeout(value)
        elif key == "allow_load":
            if value.lower() not in ("true", "false"):
                raise analysis_error(f"Invalid allow load value: {value}")
            options["allow_load"] = value.lower() == "true"
        elif key == "replication_num":
            options["replication_num"] = _java_int(value)
        elif key == "backup_timestamp":
            options["backup_timestamp"] = value
        elif key in ("meta_version", "starrocks_meta_version"):
            _java_int(value)
        else:
            unknown.append(key)
    if options["backup_timestamp"] is None:
        raise analysis_error("Missing backup_timestamp property")
    if unknown:
        raise _unknown("restore", unknown)
    return options


# -- grammar ------------------------------------------------------------------------------------------------


def _label(ts: TokenStream) -> tuple[str | None, str]:
    parts = ts.qualified_name()
    if len(parts) > 2:
        ts.fail("expecting [database.]snapshot")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def _partitions(ts: TokenStream) -> list[str] | None:
    """partitionNames: ``[TEMPORARY] PARTITION[S] (p, ...)`` or ``[TEMPORARY] PARTITION[S] p``."""
    if ts.at_kw("TEMPORARY"):
        raise not_supported("temporary partitions in BACKUP / RESTORE")
    if not (ts.accept_kw("PARTITION") or ts.accept_kw("PARTITIONS")):
        return None
    if ts.accept_sym("("):
        names = [ts.identifier_or_string()]
        while ts.accept_sym(","):
            names.append(ts.identifier_or_string())
        ts.expect_sym(")")
        return names
    return [ts.identifier_or_string()]


def _table_desc(ts: TokenStream, *, alias: bool) -> TableRef:
    parts = ts.qualified_name()
    if len(parts) > 1:
        raise not_supported("a qualified table name in BACKUP / RESTORE ON (...)")
    ref = TableRef(parts[0], _partitions(ts))
    if alias and ts.accept_kw("AS"):
        ref.alias = ts.identifier()
    return ref


def _on_clause(ts: TokenStream, *, restore: bool, objects: bool) -> list[TableRef]:
    if not ts.accept_kw("ON"):
        return []
    ts.expect_sym("(")
    refs = []
    while True:
        start = ts.tok.pos
        if objects:
            for word in ("FUNCTION", "FUNCTIONS", "VIEW", "VIEWS", "MATERIALIZED"):
                if ts.at_kw(word) or ts.at_kw("ALL", word):
                    raise not_supported(f"{word} objects in BACKUP / RESTORE")
            if ts.accept_kw("ALL"):
                if not (ts.accept_kw("TABLE") or ts.accept_kw("TABLES")):
                    ts.fail("expecting TABLES")
                raise not_supported("ON (ALL TABLES)")
            ts.accept_kw("TABLE") or ts.accept_kw("TABLES")
        ref = _table_desc(ts, alias=restore or objects)
        if not restore and ref.alias is not None:
            # AstBuilder.parseBackupRestoreStatement (3.4.0 on).
            raise parse_error("Specifying alias for backup object is forbidden in BACKUP stmt", start)
        refs.append(ref)
        if ts.accept_sym(")"):
            return refs
        ts.expect_sym(",")


def parse_backup(ts: TokenStream, release: str) -> BackupStatement:
    """``BACKUP [DATABASE db] SNAPSHOT [db.]name TO repo [ON (...)] [PROPERTIES (...)]`` (after BACKUP)."""
    objects = release in OBJECT_GRAMMAR_RELEASES
    origin = None
    if objects and (ts.at_kw("ALL", "EXTERNAL") or ts.at_kw("EXTERNAL")):
        raise not_supported("BACKUP of external catalogs")
    start = ts.tok.pos
    if objects and ts.accept_kw("DATABASE"):
        origin = ts.identifier()
    ts.expect_kw("SNAPSHOT")
    db, label = _label(ts)
    if origin is not None:
        if db is not None:
            raise parse_error(
                "Specifying dbName before snapshot name is forbidden if the DbName is specified explicitly in "
                "BACKUP/RESTORE",
                start,
            )
        db = origin
    ts.expect_kw("TO")
    repo = ts.identifier()
    tables = _on_clause(ts, restore=False, objects=objects)
    properties = ts.property_list() if ts.accept_kw("PROPERTIES") else {}
    ts.end()
    return BackupStatement(db, label, repo, tables, properties)


def parse_restore(ts: TokenStream, release: str) -> RestoreStatement:
    """``RESTORE SNAPSHOT [db.]name FROM repo [DATABASE db [AS alias]] [ON (...)] [PROPERTIES (...)]``."""
    objects = release in OBJECT_GRAMMAR_RELEASES
    start = ts.tok.pos
    ts.expect_kw("SNAPSHOT")
    db, label = _label(ts)
    ts.expect_kw("FROM")
    repo = ts.identifier()
    origin = None
    if objects and (ts.at_kw("ALL", "EXTERNAL") or ts.at_kw("EXTERNAL")):
        raise not_supported("RESTORE of external catalogs")
    if objects and ts.accept_kw("DATABASE"):
        origin = ts.identifier()
        alias = ts.identifier() if ts.accept_kw("AS") else None
        if db is not None:
            raise parse_error(
                "Specifying dbName before snapshot name is forbidden if the DbName is specified explicitly in "
                "BACKUP/RESTORE",
                start,
            )
        db = alias or origin
    on_start = ts.tok.pos
    tables = _on_clause(ts, restore=True, objects=objects)
    if objects and tables and db is None:
        raise parse_error(
            "`ON` clause is forbidden if no Database explicitly specified in Restore stmt", on_start
        )
    properties = ts.property_list() if ts.accept_kw("PROPERTIES") else {}
    ts.end()
    return RestoreStatement(db, label, repo, tables, properties, origin)
