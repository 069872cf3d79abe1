"""
Pipes (StarRocks 3.2+): CREATE / ALTER / DROP PIPE and the ``information_schema`` views that list them.

Grammar (StarRocks.g4, pinterest/starrocks ``pinterest-release-3.3.5`` 7c653fb8f0cf2f74c087bfd92826f55d53ef8db8):
``createPipeStatement : CREATE orReplace PIPE ifNotExists qualifiedName properties? AS insertStatement``;
``alterPipeClause : SUSPEND | RESUME | RETRY ALL | RETRY FILE fileName=string | SET propertyList``;
``dropPipeStatement : DROP PIPE (IF EXISTS)? qualifiedName``. PipeAnalyzer requires the pipe and the target
table in the same database, an INSERT without a label, and a plain ``SELECT ... FROM FILES(...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_starrocks.utils.sql import (
    StarRocksSqlValueError,
    Statement,
    property_list,
    qualified_name,
    quote_literal,
    validate_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: The first release with pipes (CREATE / ALTER / DROP PIPE, information_schema.pipes and pipe_files).
PIPE_SINCE = (3, 2)
#: if_exists -> the CREATE form (OR REPLACE from 3.2.3, CREATE_PIPE.md).
CREATE_FORMS = {
    "error": "CREATE PIPE",
    "ignore": "CREATE PIPE IF NOT EXISTS",
    "replace": "CREATE OR REPLACE PIPE",
}
#: action -> alterPipeClause.
ALTER_CLAUSES = {"suspend": "SUSPEND", "resume": "RESUME", "retry": "RETRY ALL"}
# catalog/system/information/PipeFileSystemTable.java, the same on 3.3.5, 3.4.0, 3.5 and main.
PIPE_FILE_COLUMNS = (
    "DATABASE_NAME",
    "PIPE_ID",
    "PIPE_NAME",
    "FILE_NAME",
    "FILE_VERSION",
    "FILE_SIZE",
    "LAST_MODIFIED",
    "LOAD_STATE",
    "STAGED_TIME",
    "START_LOAD_TIME",
    "FINISH_LOAD_TIME",
    "ERROR_MSG",
)
# catalog/system/information/PipesSystemTable.java without PROPERTIES (same columns on every release).
PIPE_COLUMNS = (
    "DATABASE_NAME",
    "PIPE_ID",
    "PIPE_NAME",
    "STATE",
    "TABLE_NAME",
    "LOAD_STATUS",
    "LAST_ERROR",
    "CREATED_TIME",
)


def pipe_name(database: str, pipe: str) -> str:
    """
    Return the quoted ``db.pipe`` after checking both names (``FeNameFormat.checkCommonName("pipe", ...)``).

    :param database: the database.
    :param pipe: the pipe.
    """
    return qualified_name(validate_name(database, "database", "database"), validate_name(pipe, "pipe"))


def create_pipe(
    *,
    database: str,
    pipe: str,
    table: str,
    source: Statement,
    pipe_properties: Mapping[str, object] | None = None,
    if_exists: str = "error",
) -> Statement:
    """
    Build ``CREATE [OR REPLACE] PIPE [IF NOT EXISTS] db.pipe [PROPERTIES (...)] AS INSERT INTO db.t SELECT ... FROM FILES(...)``.

    :param database: the database of the pipe and of its target table.
    :param pipe: the pipe name.
    :param table: the target table.
    :param source: the pipe's ``SELECT ... FROM FILES(...)`` (:func:`.select_from_files`), with its redacted twin.
    :param pipe_properties: ``AUTO_INGEST``, ``POLL_INTERVAL``, ``BATCH_SIZE``, ``BATCH_FILES``...
    :param if_exists: ``error``, ``ignore`` (IF NOT EXISTS) or ``replace`` (OR REPLACE).
    """
    if if_exists not in CREATE_FORMS:
        raise StarRocksSqlValueError(
            f"if_exists {if_exists!r} is not supported: use one of {', '.join(CREATE_FORMS)}."
        )
    head = f"{CREATE_FORMS[if_exists]} {pipe_name(database, pipe)}"
    if pipe_properties:
        props_sql, _ = property_list(pipe_properties)
        head += f"\nPROPERTIES {props_sql}"
    target = qualified_name(database, validate_name(table, "table", "table"))
    return source.after(f"{head}\nAS INSERT INTO {target}\n")


def alter_pipe(database: str, pipe: str, action: str) -> Statement:
    """
    Build ``ALTER PIPE db.pipe SUSPEND | RESUME | RETRY ALL``.

    :param database: the database.
    :param pipe: the pipe.
    :param action: ``suspend``, ``resume`` or ``retry`` (every file in ERROR).
    """
    if action not in ALTER_CLAUSES:
        raise StarRocksSqlValueError(
            f"action {action!r} is not supported: use one of {', '.join(ALTER_CLAUSES)}."
        )
    sql = f"ALTER PIPE {pipe_name(database, pipe)} {ALTER_CLAUSES[action]}"
    return Statement(sql, sql)


def drop_pipe(database: str, pipe: str, if_exists: bool = False) -> Statement:
    """
    Build ``DROP PIPE [IF EXISTS] db.pipe``.

    :param database: the database.
    :param pipe: the pipe.
    :param if_exists: add ``IF EXISTS``.
    """
    sql = f"DROP PIPE {'IF EXISTS ' if if_exists else ''}{pipe_name(database, pipe)}"
    return Statement(sql, sql)


def _where(database: str, pipe: str) -> str:
    pipe_name(database, pipe)
    return (
        f"DATABASE_NAME = {quote_literal(database, 'database')} AND PIPE_NAME = {quote_literal(pipe, 'pipe')}"
    )


def pipe_files(database: str, pipe: str, files: Iterable[str] | None = None) -> Statement:
    """
    Build the ``information_schema.pipe_files`` query for one pipe's files (optionally only ``files``).

    :param database: the pipe's database.
    :param pipe: the pipe.
    :param files: full file names (``s3://...``) to restrict the answer to.
    """
    sql = f"SELECT {', '.join(PIPE_FILE_COLUMNS)} FROM information_schema.pipe_files WHERE {_where(database, pipe)}"
    names = sorted(set(files or ()))
    if names:
        sql += " AND FILE_NAME IN (" + ", ".join(quote_literal(n, "files") for n in names) + ")"
    return Statement(sql, sql)


def pipes(database: str, pipe: str) -> Statement:
    """
    Build the ``information_schema.pipes`` query for one pipe (PROPERTIES is never read).

    :param database: the pipe's database.
    :param pipe: the pipe.
    """
    sql = f"SELECT {', '.join(PIPE_COLUMNS)} FROM information_schema.pipes WHERE {_where(database, pipe)}"
    return Statement(sql, sql)
