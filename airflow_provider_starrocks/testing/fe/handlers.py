"""Statement handlers, one function per leading keyword; ``DISPATCH`` maps the keyword to its handler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.fe import (
    backup,
    catalogs,
    file_tables,
    files_insert,
    files_select,
    insert_jobs,
    selects,
    unload,
)
from airflow_provider_starrocks.testing.fe.ddl import parse_create_table, split_table_name
from airflow_provider_starrocks.testing.fe.errors import (
    ERR_BAD_DB,
    ERR_NO_DB,
    FilteredRows,
    StarRocksError,
    analysis_error,
    not_supported,
)
from airflow_provider_starrocks.testing.fe.load_parse import parse_load
from airflow_provider_starrocks.testing.fe.show_load import (
    CANCEL_WHERE_ERROR,
    parse_show_load,
    render_show_load,
    require_db,
)
from airflow_provider_starrocks.testing.fe.store import DEFAULT_CATALOG, SYSTEM_DATABASES, Table

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_starrocks.testing.fe.ddl import CreateTable
    from airflow_provider_starrocks.testing.fe.session import FeSession
    from airflow_provider_starrocks.testing.fe.store import Store
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

Result = Any


def _current_db(session: FeSession, explicit: str | None = None) -> str:
    db = explicit or session.database
    if not db:
        raise StarRocksError("No database selected", ERR_NO_DB)
    return db


def _ok(ts: TokenStream) -> None:
    ts.advance()
    ts.accept_kw("WORK")
    ts.end()


def handle_use(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    parts = ts.qualified_name()
    ts.end()
    if len(parts) == 2:
        catalogs.require_catalog(session.fe.store, parts[0])
        session.catalog, db = parts
        if parts[0] != DEFAULT_CATALOG:
            session.database = db
            return None
    elif len(parts) != 1:
        ts.fail("expecting [catalog.]database")
    db = parts[-1]
    if session.catalog == DEFAULT_CATALOG:
        session.fe.store.require_db(db)
    session.database = db
    return None


def handle_show(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    store = session.fe.store
    if backup.claims_show(ts):
        return backup.handle_show(session, ts)
    if ts.accept_kw("DATABASES") or ts.accept_kw("SCHEMAS"):
        catalog = ts.identifier() if ts.accept_kw("FROM") or ts.accept_kw("IN") else session.catalog
        ts.end()
        if catalog != DEFAULT_CATALOG:
            return [(n,) for n in catalogs.list_databases(session.fe, catalog)], ["Database"]
        with store.lock:
            names = sorted([*store.databases, *SYSTEM_DATABASES])
        return [(n,) for n in names], ["Database"]
    if ts.accept_kw("FULL", "TABLES") or ts.accept_kw("TABLES"):
        db = ts.identifier() if ts.accept_kw("FROM") or ts.accept_kw("IN") else None
        ts.end()
        db = _current_db(session, db)
        if session.catalog != DEFAULT_CATALOG:
            raise not_supported("SHOW TABLES in an external catalog")
        tables = store.require_db(db)
        return [(n,) for n in sorted(tables)], [f"Tables_in_{db}"]
    if ts.accept_kw("LOAD"):
        stmt = parse_show_load(ts, session.fe.config)
        db = require_db(stmt.db or session.database)
        store.require_db(db)
        exact = None if stmt.where.like else stmt.where.label  # one label: its index, not every job
        rows, columns = render_show_load(stmt, session.fe.loads.jobs_of(db, exact), session.fe.config)
        return [tuple(r) for r in rows], columns
    if ts.at_kw("PIPES"):
        return session.fe.pipes.handle_show(session, ts)
    if ts.accept_kw("CATALOGS"):
        ts.end()
        return catalogs.show_catalogs(store)
    if ts.accept_kw("CREATE", "CATALOG"):
        name = ts.identifier()
        ts.end()
        return catalogs.show_create_catalog(store, name)
    if ts.accept_kw("CREATE", "TABLE"):
        table_catalog, explicit_db, table_name = split_table_name(ts.qualified_name())
        ts.end()
        _require_default_catalog(session, table_catalog, "SHOW CREATE TABLE")
        return file_tables.show_create_table(store.get_table(_current_db(session, explicit_db), table_name))
    if (
        ts.accept_kw("VARIABLES")
        or ts.accept_kw("SESSION", "VARIABLES")
        or ts.accept_kw("GLOBAL", "VARIABLES")
    ):
        # showVariablesStatement: SHOW varType? VARIABLES (LIKE pattern)? (StarRocks.g4); SQLAlchemy's MySQL
        # dialect sends SHOW VARIABLES LIKE 'sql_mode' on connect. WHERE is not emulated.
        pattern = ts.string() if ts.accept_kw("LIKE") else None
        ts.end()
        return selects.show_variables(session, pattern)
    raise not_supported(f"SHOW statement {ts.rest_text()!r}")


def handle_create(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    store = session.fe.store
    if backup.claims_repository(ts):
        return backup.handle_create_repository(session, ts)
    if ts.accept_kw("DATABASE") or ts.accept_kw("SCHEMA"):
        if_not_exists = ts.accept_kw("IF", "NOT", "EXISTS")
        parts = ts.qualified_name()
        if ts.accept_kw("PROPERTIES"):
            ts.property_list()
        ts.end()
        if len(parts) == 2 and parts[0] != DEFAULT_CATALOG:
            raise not_supported("CREATE DATABASE in an external catalog")
        store.create_database(parts[-1], if_not_exists)
        return None
    if ts.at_kw("PIPE") or ts.at_kw("OR", "REPLACE", "PIPE"):
        session.fe.pipes.handle_create(session, ts)
        return None
    if ts.at_kw("EXTERNAL", "CATALOG"):
        ts.advance()
        ts.advance()
        catalogs.create_catalog(store, ts)
        return None
    stmt = parse_create_table(ts)
    catalog = stmt.catalog or session.catalog
    if stmt.catalog is not None:
        catalogs.require_catalog(store, stmt.catalog)
    if catalog != DEFAULT_CATALOG:
        _create_in_external_catalog(store, stmt, catalog)
    db = _current_db(session, stmt.db)
    store.require_db(db)
    if stmt.engine == "file":
        table = file_tables.make_file_table(stmt, db, session.fe.config.release)
    elif stmt.external:
        raise not_supported(f"CREATE EXTERNAL TABLE with ENGINE={stmt.engine}")
    elif stmt.engine != "olap":
        raise not_supported(f"ENGINE={stmt.engine}")
    else:
        table = Table(db, stmt.name, stmt.columns)
    store.add_table(table, stmt.if_not_exists)
    return None


def _create_in_external_catalog(store: Store, stmt: CreateTable, catalog: str) -> None:
    """Refuse CREATE TABLE in an external catalog as ``CreateTableAnalyzer.analyzeEngineName`` does.

    fe/fe-core/src/main/java/com/starrocks/sql/analyzer/CreateTableAnalyzer.java (commit 0017eb09): an ENGINE that
    differs from the catalog's type fails with "Can't create %s table in the %s catalog" (so ENGINE=file, which must
    live in default_catalog, fails there); a unified catalog requires an ENGINE clause. StarRocks resolves the
    database in the catalog (``MetaUtils.getDatabase``) before this check; the emulator does not reach external
    metastores, so it checks the engine first. Tables the catalog itself would create are not emulated.
    """
    catalog_type = store.catalogs[catalog].type
    if catalog_type == "unified" and not stmt.engine_given:
        raise analysis_error("Create table in unified catalog requires engine clause (ENGINE = ENGINE_NAME)")
    if stmt.engine_given and catalog_type != "unified" and stmt.engine.lower() != catalog_type.lower():
        raise analysis_error(f"Can't create {stmt.engine} table in the {catalog_type} catalog")
    raise not_supported(f"CREATE TABLE in an external catalog ({catalog_type})")


def handle_drop(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    store = session.fe.store
    if backup.claims_repository(ts):
        return backup.handle_drop_repository(session, ts)
    if ts.accept_kw("DATABASE") or ts.accept_kw("SCHEMA"):
        if_exists = ts.accept_kw("IF", "EXISTS")
        name = ts.qualified_name()[-1]
        ts.accept_kw("FORCE")
        ts.end()
        store.drop_database(name, if_exists)
        return None
    if ts.accept_kw("CATALOG"):
        if_exists = ts.accept_kw("IF", "EXISTS")
        name = ts.identifier_or_string()
        ts.end()
        catalogs.drop_catalog(store, name, if_exists)
        return None
    if ts.at_kw("PIPE"):
        session.fe.pipes.handle_drop(session, ts)
        return None
    if ts.accept_kw("TASK"):
        if_exists = ts.accept_kw("IF", "EXISTS")
        name = ts.identifier()
        ts.end()
        session.fe.tasks.drop(name, if_exists)
        return None
    if ts.accept_kw("TABLE"):
        if_exists = ts.accept_kw("IF", "EXISTS")
        catalog, explicit_db, name = split_table_name(ts.qualified_name())
        ts.accept_kw("FORCE")
        ts.end()
        _require_default_catalog(session, catalog, "DROP TABLE")
        db = _current_db(session, explicit_db)
        try:
            store.drop_table(db, name, if_exists)
        except StarRocksError as exc:
            if exc.code == ERR_BAD_DB and if_exists:
                return None
            raise
        return None
    raise not_supported(f"DROP statement {ts.rest_text()!r}")


def _require_default_catalog(session: FeSession, catalog: str | None, what: str) -> None:
    """Check an explicit catalog exists (``Unknown catalog``) and refuse statements on external catalog tables.

    :param session: the session.
    :param catalog: the catalog written in ``catalog.db.table``, or None.
    :param what: the statement kind, for the not-supported message.
    """
    if catalog is not None:
        catalogs.require_catalog(session.fe.store, catalog)
    effective = catalog or session.catalog
    if effective != DEFAULT_CATALOG:
        raise not_supported(f"{what} on a table of external catalog {effective}")


def handle_set(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    if ts.accept_kw("CATALOG"):
        name = ts.identifier_or_string()
        ts.end()
        catalogs.require_catalog(session.fe.store, name)
        session.catalog = name
        session.database = None
        return None
    selects.apply_set(session, ts)
    return None


def handle_load(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    stmt = parse_load(ts)
    db = _current_db(session, stmt.db)
    session.fe.loads.submit(stmt, db, session.username or "root")
    return None


def handle_cancel(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    if backup.claims_cancel(ts):
        return backup.handle_cancel(session, ts)
    if not ts.accept_kw("LOAD"):
        raise not_supported(f"CANCEL statement {ts.rest_text()!r}")
    db = ts.identifier() if ts.accept_kw("FROM") else None
    label = _cancel_label(ts)
    db = _current_db(session, db)  # analyzeDbName runs before analyzeWhereClause
    if label is None:
        raise analysis_error(CANCEL_WHERE_ERROR)
    if session.fe.store.databases.get(db) is None:
        # LoadMgr.cancelLoadJob.
        raise StarRocksError(f"Db does not exist. name: {db}")
    session.fe.loads.cancel(db, label)
    return None


def _cancel_label(ts: TokenStream) -> str | None:
    """Return the label of ``WHERE LABEL = "x"``, the only WHERE clause CancelLoadStmtAnalyzer accepts, or None.

    CancelLoadStmtAnalyzer.analyzeWhereClause (fe/fe-core/src/main/java/com/starrocks/sql/analyzer/, the same at
    every emulated release): a missing WHERE, another operator or column, a compound predicate or an empty label
    all fail with one text.
    """
    if not ts.accept_kw("WHERE"):
        ts.end()
        return None
    name = ts.identifier().upper() if ts.tok.kind in ("ident", "qident") else ""
    if name != "LABEL" or not ts.accept_sym("=") or ts.tok.kind != "string":
        return None
    label = ts.string()
    if not label or not (ts.tok.kind == "eof" or (ts.tok.kind == "symbol" and ts.tok.value == ";")):
        return None
    ts.end()
    return label


def handle_select(session: FeSession, ts: TokenStream) -> Result:
    return selects.run_select(session, ts)


def handle_insert(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    into = ts.accept_kw("INTO")
    into or ts.accept_kw("OVERWRITE")
    if unload.is_unload(ts):
        session.affected_rows = unload.run_unload(session, ts)
        return None
    catalog, _db, _name = split_table_name(ts.qualified_name())
    _require_default_catalog(session, catalog, "INSERT")
    if files_insert.uses_files(ts):
        files_insert.run_files_insert(session.fe, ts.sql, session.database, session.username or "root")
        return None
    if into:
        # Recorded as a load job of type INSERT, as StarRocks does (insert_jobs.py).
        insert_jobs.run_insert(
            session.fe, ts.sql, session.database, session.username or "root", session.catalog
        )
        return None
    if ts.at_kw("WITH", "LABEL"):
        raise not_supported("INSERT OVERWRITE ... WITH LABEL without FILES()")
    try:
        return selects.runner(session).run(ts.sql, session.database, current_catalog=session.catalog)
    except FilteredRows:
        # No load job is recorded for INSERT ... VALUES / SELECT here: the tracking job id is not emulated.
        release = session.fe.config.release
        raise StarRocksError(
            release.insert_filtered_text.format(txn_id=session.fe.loads.next_txn_id(), tracking_sql="")
        ) from None


def handle_submit(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    return session.fe.tasks.submit(ts, session.database, session.username or "root")


def handle_admin(session: FeSession, ts: TokenStream) -> Result:
    # adminShowConfigStatement: ADMIN SHOW FRONTEND CONFIG (LIKE pattern)? (StarRocks.g4); the StarRocks
    # SQLAlchemy dialect asks for run_mode when it first connects. Other ADMIN statements are not emulated.
    ts.advance()
    if not ts.accept_kw("SHOW", "FRONTEND", "CONFIG"):
        raise not_supported(f"ADMIN statement {ts.rest_text()!r}")
    pattern = ts.string() if ts.accept_kw("LIKE") else None
    ts.end()
    return selects.frontend_config(session, pattern)


def handle_describe(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    if ts.at_kw("FILES") and ts.peek(1).value == "(":
        return files_select.describe_files(session, ts)
    raise not_supported(f"DESC statement {ts.rest_text()!r}")


def handle_alter(session: FeSession, ts: TokenStream) -> Result:
    ts.advance()
    if not ts.at_kw("PIPE"):
        raise not_supported(f"ALTER statement {ts.rest_text()!r}")
    session.fe.pipes.handle_alter(session, ts)
    return None


def handle_noop(session: FeSession, ts: TokenStream) -> Result:
    _ok(ts)
    return None


DISPATCH: dict[str, Callable[[FeSession, TokenStream], Result]] = {
    "SELECT": handle_select,
    "WITH": handle_select,
    "SHOW": handle_show,
    "USE": handle_use,
    "SET": handle_set,
    "CREATE": handle_create,
    "DROP": handle_drop,
    "LOAD": handle_load,
    "CANCEL": handle_cancel,
    "INSERT": handle_insert,
    "SUBMIT": handle_submit,
    "BACKUP": backup.handle_backup,
    "RESTORE": backup.handle_restore,
    "ADMIN": handle_admin,
    "DESC": handle_describe,
    "DESCRIBE": handle_describe,
    "ALTER": handle_alter,
    "COMMIT": handle_noop,
    "ROLLBACK": handle_noop,
    "BEGIN": handle_noop,
}
