"""Pipes: ``CREATE / ALTER / DROP PIPE``, ``SHOW PIPES``, ``information_schema.pipes`` and ``pipe_files``.

After pinterest/starrocks ``fe/fe-core/src/main/java/com/starrocks/load/pipe/`` (Pipe.java, FilePipeSource.java,
PipeManager.java, PipeTaskDesc.java, filelist/RepoAccessor.java), ``sql/analyzer/PipeAnalyzer.java``,
``sql/ast/pipe/ShowPipeStmt.java``, ``qe/ShowExecutor.java`` and ``catalog/system/information/PipesSystemTable.java``
/ ``PipeFileSystemTable.java`` (commits in ``releases.py``; ``releases.PIPES`` holds what differs):

- A pipe starts RUNNING. Every ``POLL_INTERVAL`` seconds (default ``Config.pipe_default_poll_interval_s`` = 300)
  it lists its FILES() path, when no file is UNLOADED, and stages the files it has not seen (by name and ETag) as
  UNLOADED; with ``AUTO_INGEST`` false it lists once. It loads one piece at a time: up to ``BATCH_FILES`` UNLOADED
  files, stopping once ``BATCH_SIZE`` bytes are reached, as ``INSERT INTO <t> WITH LABEL pipe-<pipe>-task-<id>-<n>
  SELECT ... FROM FILES(<the pipe's properties, path = the piece's files>)`` (a load job of type INSERT under that
  label). Files go UNLOADED -> LOADING -> FINISHED | ERROR (``FileListRepo.PipeFileState``; SKIPPED exists but
  nothing sets it).
- A failed INSERT is retried under ``...-<n+1>``; after ``FAILED_TASK_THRESHOLD`` (5) retries its files are ERROR
  with ``execution failed: <the INSERT's error>``, and the sixth failure since the last RESUME turns the pipe to ERROR.
  A pipe that listed once and has nothing left is FINISHED, or ERROR ("leave some unfinished files") when a file
  failed. States: RUNNING, SUSPEND (not "SUSPENDED"), FINISHED, ERROR.
- ``ALTER PIPE p SUSPEND`` (RUNNING -> SUSPEND), ``RESUME`` (SUSPEND / ERROR -> RUNNING, failure count reset),
  ``RETRY ALL`` / ``RETRY FILE '<file name>'`` (ERROR files -> UNLOADED, keeping their ERROR_MSG; a SUSPEND / ERROR
  pipe -> RUNNING), ``SET (...)``. ``DROP PIPE`` removes the pipe and its ``pipe_files`` rows.
- ``SHOW PIPES`` lists the pipes of one database ordered by the first column; its LIKE and WHERE are parsed and
  ignored by ``ShowExecutor.visitShowPipeStatement`` at every release.

Emulator clock: a pipe's seconds last ``FeConfig.pipe_clock_scale`` real seconds (the first listing comes one
listener round, 1 s, after CREATE); ``hold_state = "LOADING"`` keeps
pieces LOADING. Task runs of the pipe's INSERTs are not listed in ``information_schema.task_runs``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from airflow_provider_starrocks.testing.aws_errors import StorageAccessError
from airflow_provider_starrocks.testing.fe.errors import StarRocksError, analysis_error, not_supported
from airflow_provider_starrocks.testing.fe.files import storage_error_text
from airflow_provider_starrocks.testing.fe.files_insert import check_files_properties, no_files_found

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.session import FeSession
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

MAX_POLL_INTERVAL = 3600  # Pipe.MAX_POLL_INTERVAL
DEFAULT_POLL_INTERVAL = 300  # Config.pipe_default_poll_interval_s
DEFAULT_BATCH_SIZE = 1 << 30  # Pipe.DEFAULT_BATCH_SIZE
DEFAULT_BATCH_FILES = 256  # Pipe.DEFAULT_BATCH_FILES
FAILED_TASK_THRESHOLD = 5  # Pipe.FAILED_TASK_THRESHOLD (also each task's error limit)
LISTENER_INTERVAL_S = 1.0  # Config.pipe_listener_interval_millis
SUPPORTED_PROPERTIES = ("auto_ingest", "poll_interval", "batch_size", "batch_files", "warehouse")
# ShowPipeStmt.META_DATA
SHOW_PIPES_COLUMNS = [
    "DATABASE_NAME", "PIPE_ID", "PIPE_NAME", "STATE", "TABLE_NAME", "LOAD_STATUS", "LAST_ERROR", "CREATED_TIME",
]  # fmt: skip
# PipesSystemTable / PipeFileSystemTable (the same on 3.3.5 ... main)
PIPES_COLUMNS = [
    "DATABASE_NAME", "PIPE_ID", "PIPE_NAME", "PROPERTIES", "STATE", "TABLE_NAME", "LOAD_STATUS", "LAST_ERROR",
    "CREATED_TIME",
]  # fmt: skip
PIPE_FILES_COLUMNS = [
    "DATABASE_NAME", "PIPE_ID", "PIPE_NAME", "FILE_NAME", "FILE_VERSION", "FILE_SIZE", "LAST_MODIFIED",
    "LOAD_STATE", "STAGED_TIME", "START_LOAD_TIME", "FINISH_LOAD_TIME", "ERROR_MSG",
]  # fmt: skip
_DATA_VOLUME_UNITS = {"B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30,
                      "T": 1 << 40, "TB": 1 << 40, "P": 1 << 50, "PB": 1 << 50}  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _text(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


def _bad_pipe(detail: str) -> StarRocksError:
    # ErrorCode.ERR_BAD_PIPE_STATEMENT(6010, "Bad pipe statement: '%s'")
    return analysis_error(f"Bad pipe statement: '{detail}'")


def _invalid(detail: str) -> StarRocksError:
    # ErrorCode.ERR_INVALID_PARAMETER(6013, "Invalid parameter %s")
    return analysis_error(f"Invalid parameter {detail}")


def parse_data_volume(text: str) -> int:
    r"""``ParseUtil.analyzeDataVolume``: ``(\d+)(\D*)`` with B, K(B), M(B), G(B), T(B), P(B); raises ValueError."""
    match = re.fullmatch(r"(\d+)(\D*)", text)
    if not match:
        raise ValueError(f"invalid data volume expression:{text}")
    value = int(match.group(1))
    if value <= 0:
        raise ValueError("Data volume must larger than 0")
    unit = match.group(2).upper() or "B"
    if unit not in _DATA_VOLUME_UNITS:
        raise ValueError(f"invalid unit:{match.group(2)}")
    return value * _DATA_VOLUME_UNITS[unit]


def parse_boolean(value: str, name: str) -> bool:
    """``ParseUtil.parseBooleanValue``."""
    if value.lower() in ("on", "true", "1"):
        return True
    if value.lower() in ("off", "false", "0"):
        return False
    # ErrorCode.ERR_INVALID_VALUE "Invalid %s: '%s'. Expected values should be %s"
    raise analysis_error(
        f"Invalid {name}: '{value}'. Expected values should be 1, 0, on, off, true, or false (case insensitive)"
    )


def _java_int(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) and -(2**31) <= int(text) < 2**31 else None


def check_properties(props: dict[str, str]) -> None:
    """``PipeAnalyzer.analyzeProperties``.

    :param props: the PROPERTIES of CREATE PIPE or ALTER PIPE SET.
    """
    for name, value in props.items():
        lowered = name.lower()
        if lowered.startswith("task."):
            raise not_supported("pipe task.* execution variables")
        if lowered not in SUPPORTED_PROPERTIES:
            # ErrorCode.ERR_UNKNOWN_PROPERTY(6013, "Unknown property %s")
            raise analysis_error(f"Unknown property {name}")
        if lowered == "poll_interval":
            number = _java_int(value)
            if number is None or not 1 <= number <= MAX_POLL_INTERVAL:
                raise _invalid(f"poll_interval should in [1, {MAX_POLL_INTERVAL}]")
        elif lowered == "batch_size":
            try:
                parse_data_volume(value)
            except ValueError:
                raise _invalid("batch_size should be greater than 0") from None
        elif lowered == "batch_files":
            number = _java_int(value)
            if number is None or not 1 <= number <= 1024:
                raise _invalid("batch_files should in [1, 1024]")
        elif lowered == "auto_ingest":
            parse_boolean(value, "auto_ingest")
        elif lowered == "warehouse" and value != "default_warehouse":
            # WarehouseManager.getWarehouse(name) (ErrorCode.ERR_UNKNOWN_WAREHOUSE)
            raise StarRocksError(f"Warehouse name: {value} not exist.")


@dataclass
class PipeFile:
    """One row of the file list (``_statistics_.pipe_file_list``)."""

    name: str
    version: str
    size: int
    last_modified: dt.datetime | None
    state: str = "UNLOADED"
    staged_time: dt.datetime = field(default_factory=_now)
    start_load_time: dt.datetime | None = None
    finish_load_time: dt.datetime | None = None
    error_msg: str | None = None
    insert_label: str | None = None


@dataclass
class PipeTask:
    """A piece being loaded (``PipeTaskDesc``)."""

    id: int
    files: list[PipeFile]
    retry: int = 0
    error_count: int = 0
    error_msg: str | None = None
    state: str = "RUNNABLE"  # RUNNABLE, ERROR, FINISHED


@dataclass
class Pipe:
    """A pipe and its file list."""

    id: int
    db: str
    db_id: int | None
    name: str
    table: str
    insert_sql: str
    files_props: dict[str, str]
    files_span: tuple[int, int]
    label_at: int
    properties: dict[str, str] = field(default_factory=dict)
    state: str = "RUNNING"
    created: dt.datetime = field(default_factory=_now)
    poll_interval: int = DEFAULT_POLL_INTERVAL
    auto_ingest: bool = True
    batch_size: int = DEFAULT_BATCH_SIZE
    batch_files: int = DEFAULT_BATCH_FILES
    eos: bool = False
    last_polled: float = float("-inf")
    #: PipeListener polls every Config.pipe_listener_interval_millis (1 s): not before the first round
    first_poll_at: float = field(default_factory=time.monotonic)
    files: list[PipeFile] = field(default_factory=list)
    task: PipeTask | None = None
    failed_tasks: int = 0
    loaded_files: int = 0
    loaded_bytes: int = 0
    loading_files: int = 0
    last_loaded: dt.datetime | None = None
    last_error: str | None = None
    last_error_time: dt.datetime | None = None

    @property
    def path(self) -> str:
        return self.files_props.get("path", "")

    def set_properties(self, props: dict[str, str], lower_keys: bool) -> None:
        """``Pipe.processProperties`` (values already checked)."""
        for key, value in props.items():
            lowered = key.lower()
            if lowered == "poll_interval":
                self.poll_interval = int(value)
            elif lowered == "auto_ingest":
                self.auto_ingest = parse_boolean(value, "auto_ingest")
            elif lowered == "batch_size":
                self.batch_size = parse_data_volume(value)
            elif lowered == "batch_files":
                self.batch_files = int(value)
            # 3.3.5 keeps keys as written in a case-insensitive TreeMap; 3.4+ lower-cases them.
            existing = next((k for k in self.properties if k.lower() == lowered), None)
            if existing is not None:
                self.properties[existing] = value
            else:
                self.properties[lowered if lower_keys else key] = value

    def properties_text(self) -> str:
        # PropertyAnalyzer.stringifyProperties over a case-insensitive TreeMap.
        if not self.properties:
            return ""
        items = sorted(self.properties.items(), key=lambda kv: kv[0].lower())
        return "(" + ",".join(f"'{k}'='{v}'" for k, v in items) + ")"

    def load_status(self) -> str:
        # Pipe.LoadStatus through DateUtils.GSON_PRINTER: declaration order, null fields left out.
        status: dict[str, Any] = {
            "loadedFiles": self.loaded_files, "loadedBytes": self.loaded_bytes, "loadingFiles": self.loading_files,
        }  # fmt: skip
        if self.last_loaded is not None:
            status["lastLoadedTime"] = _text(self.last_loaded)
        status["loadRows"] = 0  # FilePipePiece rows are not counted ("TODO: account loaded rows")
        return json.dumps(status, separators=(",", ":"))

    def last_error_json(self) -> str | None:
        if not self.last_error:
            return None
        return json.dumps(
            {"errorMessage": self.last_error, "errorTime": _text(self.last_error_time)},
            separators=(",", ":"),
            ensure_ascii=False,
        )

    def record_error(self, message: str) -> None:
        self.last_error, self.last_error_time = message, _now()


@dataclass
class CreatePipe:
    """A parsed CREATE PIPE."""

    db: str | None
    name: str
    or_replace: bool
    if_not_exists: bool
    properties: dict[str, str]
    insert_sql: str


def _pipe_name(ts: TokenStream) -> tuple[str | None, str]:
    parts = ts.qualified_name()
    if len(parts) > 2:
        ts.fail("expecting [db.]pipe")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def _require_release(session: FeSession, ts: TokenStream) -> None:
    if not session.fe.config.release.pipes.supported:
        # 3.1.4's StarRocks.g4 has no PIPE statements: PIPE / PIPES is an unexpected identifier there.
        ts.fail("the most similar input is {a legal identifier}")


class PipeManager:
    """Every pipe of the emulated cluster, and the scheduler thread that polls and loads them.

    :param fe: the emulator (its AWS side, store and FILES() load path).
    """

    def __init__(self, fe: FeContext) -> None:
        self.fe = fe
        self.lock = threading.RLock()
        self._idle = threading.Condition(self.lock)
        self._inserting = 0
        self.pipes: dict[tuple[str, str], Pipe] = {}
        self._next_id = 20000
        self._next_task = 30000
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="starrocks-fe-pipes", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def reset(self) -> None:
        with self.lock:
            self._generation += 1
            self.pipes.clear()
            # An INSERT of a forgotten pipe still running would land in the next test's table of the same name.
            self._idle.wait_for(lambda: self._inserting == 0, timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(0.02):
            with self.lock:
                pipes = list(self.pipes.values())
                generation = self._generation
            for pipe in pipes:
                try:
                    self._tick(pipe, generation)
                except Exception as exc:  # never let one pipe end the scheduler
                    with self.lock:
                        pipe.record_error(f"StarRocks emulator internal error: {exc}")

    # -- statements --------------------------------------------------------------------------------------------

    def handle_create(self, session: FeSession, ts: TokenStream) -> None:
        """``CREATE [OR REPLACE] PIPE [IF NOT EXISTS] [db.]name [PROPERTIES (...)] AS INSERT ...`` after CREATE."""
        or_replace = ts.accept_kw("OR", "REPLACE")
        _require_release(session, ts)
        ts.expect_kw("PIPE")
        if_not_exists = ts.accept_kw("IF", "NOT", "EXISTS")
        db, name = _pipe_name(ts)
        properties = ts.property_list() if ts.accept_kw("PROPERTIES") else {}
        ts.expect_kw("AS")
        if not ts.at_kw("INSERT"):
            ts.fail("expecting INSERT")
        stmt = CreatePipe(db, name, or_replace, if_not_exists, properties, ts.rest_text())
        self.create(session, stmt)

    def create(self, session: FeSession, stmt: CreatePipe) -> None:
        from airflow_provider_starrocks.testing.fe.ddl import split_table_name
        from airflow_provider_starrocks.testing.fe.stream import TokenStream as Stream

        check_properties(stmt.properties)
        ins = Stream(stmt.insert_sql)
        ins.expect_kw("INSERT")
        overwrite = ins.accept_kw("OVERWRITE")
        if not overwrite:
            ins.expect_kw("INTO")
        if ins.at_kw("FILES") or ins.at_kw("BLACKHOLE"):
            raise not_supported("CREATE PIPE AS INSERT INTO FILES() / BLACKHOLE()")
        catalog, table_db, table = split_table_name(ins.qualified_name())
        label_at = ins.tokens[ins.i - 1].end
        has_label = False
        while True:
            if ins.accept_kw("WITH", "LABEL"):
                ins.identifier()
                has_label = True
            elif ins.at_sym("(") and ins.peek(1).upper not in ("SELECT", "WITH", "("):
                ins.identifier_list()
            else:
                break
        table_db = table_db or session.database
        if not table_db:
            raise StarRocksError("No database selected", 1046)
        if catalog is not None and catalog != "default_catalog":
            raise not_supported("CREATE PIPE into an external catalog table")
        self.fe.store.get_table(table_db, table)  # InsertAnalyzer: Unknown table
        files_props, span = self._files_of(ins, stmt.insert_sql)
        db = stmt.db or table_db
        if db.lower() != table_db.lower():
            raise _bad_pipe(
                f"pipe's database [{db}] and target table's database [{table_db}] should be the same"
            )
        if has_label:
            raise _bad_pipe("INSERT INTO cannot with label")
        if overwrite:
            raise _bad_pipe("INSERT INTO cannot be OVERWRITE")
        self._check_source(files_props)
        db_id = self.fe.store.db_id(db)
        rules = self.fe.config.release.pipes
        with self.lock:
            key = (db, stmt.name)
            if key in self.pipes and self.pipes[key].db_id == db_id:
                if stmt.if_not_exists:
                    return
                if not stmt.or_replace:
                    raise analysis_error("Pipe exists")  # ErrorCode.ERR_PIPE_EXISTS
                del self.pipes[key]
            self._next_id += 1
            pipe = Pipe(
                id=self._next_id, db=db, db_id=db_id, name=stmt.name, table=table, insert_sql=stmt.insert_sql,
                files_props=files_props, files_span=span, label_at=label_at,
            )  # fmt: skip
            pipe.set_properties(stmt.properties, rules.lower_case_property_keys)
            pipe.first_poll_at += LISTENER_INTERVAL_S * max(0.0, float(self.fe.config.pipe_clock_scale))
            self.pipes[key] = pipe
        self._ensure_thread()

    @staticmethod
    def _files_of(ins: TokenStream, sql: str) -> tuple[dict[str, str], tuple[int, int]]:
        """Find ``SELECT ... FROM FILES(...)``: the properties and the text span of the property list."""
        if not (ins.at_kw("SELECT") or ins.at_kw("WITH") or ins.at_sym("(")):
            raise _bad_pipe("must be select statement")
        toks = ins.tokens
        depth, skip_until = 0, -1
        found: tuple[dict[str, str], tuple[int, int]] | None = None
        for index in range(ins.i, len(toks)):
            tok = toks[index]
            if index < skip_until:
                continue
            if tok.kind == "symbol" and tok.value in ("(", ")"):
                depth += 1 if tok.value == "(" else -1
            if depth == 0 and tok.kind == "ident" and tok.upper in ("GROUP", "ORDER", "LIMIT", "UNION"):
                raise _bad_pipe(
                    "must be a vanilla select statement. Aggregation, order by clause, limit clause are not "
                    "supported yet."
                )
            if (
                found is None
                and tok.upper == "FILES"
                and index + 1 < len(toks)
                and toks[index + 1].value == "("
            ):
                ins.i = index + 1
                start = ins.tok.pos
                props = ins.property_list()
                found = (props, (start, toks[ins.i - 1].end))
                skip_until = ins.i
        if found is None:
            raise _bad_pipe("only support FileTableFunction")
        return found

    def _check_source(self, props: dict[str, str]) -> None:
        """Check the FILES() properties, then that files exist, as ``new TableFunctionTable(properties)`` does."""
        check_files_properties(props, self.fe.config.release)
        found = 0
        for piece in [p.strip() for p in props["path"].split(",") if p.strip()]:
            try:
                found += len(self.fe.aws.list_objects(props, piece))
            except ValueError as exc:
                raise StarRocksError(f"Invalid path {piece}: {exc}") from None
            except StorageAccessError as exc:
                raise StarRocksError(storage_error_text(exc)) from None
        if not found:
            raise no_files_found(props["path"])

    def _get(self, session: FeSession, db: str | None, name: str) -> tuple[str, Pipe | None]:
        db = db or session.database
        if not db:
            raise analysis_error("No database selected")  # PipeAnalyzer.analyzePipeName: ERR_NO_DB_ERROR
        db_id = self.fe.store.db_id(db)
        if db_id is None:
            raise analysis_error("No database selected")  # PipeManager.resolvePipeNameUnlock: ERR_NO_DB_ERROR
        pipe = self.pipes.get((db, name))
        return db, pipe if pipe is not None and pipe.db_id == db_id else None

    def handle_drop(self, session: FeSession, ts: TokenStream) -> None:
        """``DROP PIPE [IF EXISTS] [db.]name`` (the stream is at PIPE)."""
        _require_release(session, ts)
        ts.expect_kw("PIPE")
        if_exists = ts.accept_kw("IF", "EXISTS")
        db, name = _pipe_name(ts)
        ts.end()
        with self.lock:
            db, pipe = self._get(session, db, name)
            if pipe is None:
                if if_exists:
                    return
                raise analysis_error(f"Unknown pipe '{db}.{name}'")  # ErrorCode.ERR_UNKNOWN_PIPE
            del self.pipes[(db, name)]

    def handle_alter(self, session: FeSession, ts: TokenStream) -> None:
        """``ALTER PIPE name SUSPEND | RESUME | RETRY ALL | RETRY FILE 'f' | SET (...)`` (the stream is at PIPE)."""
        _require_release(session, ts)
        ts.expect_kw("PIPE")
        db, name = _pipe_name(ts)
        action: str
        argument: Any = None
        if ts.accept_kw("SUSPEND"):
            action = "suspend"
        elif ts.accept_kw("RESUME"):
            action = "resume"
        elif ts.accept_kw("RETRY", "ALL"):
            action = "retry_all"
        elif ts.accept_kw("RETRY", "FILE"):
            action, argument = "retry_file", ts.string()
        elif ts.accept_kw("SET"):
            action, argument = "set", ts.property_list()
            check_properties(argument)
        else:
            ts.fail("expecting SUSPEND, RESUME, RETRY or SET")
            raise AssertionError  # unreachable
        ts.end()
        with self.lock:
            db, pipe = self._get(session, db, name)
            if pipe is None:
                raise StarRocksError(f"pipe-{name} not exists")  # DdlException.requireNotNull
            if action == "suspend" and pipe.state == "RUNNING":
                pipe.state = "SUSPEND"
                pipe.loading_files = 0
                if pipe.task is not None and pipe.task.state == "RUNNING":
                    pipe.task.state = "RUNNABLE"
            elif action == "resume" and pipe.state in ("SUSPEND", "ERROR"):
                pipe.state, pipe.failed_tasks = "RUNNING", 0
            elif action in ("retry_all", "retry_file"):
                for file in pipe.files:
                    if file.state == "ERROR" and (action == "retry_all" or file.name == argument):
                        file.state = "UNLOADED"  # error_info kept (RepoAccessor.buildSqlUpdateState)
                if pipe.state in ("SUSPEND", "ERROR"):
                    pipe.state = "RUNNING"
            elif action == "set":
                pipe.set_properties(argument, self.fe.config.release.pipes.lower_case_property_keys)
        self._ensure_thread()

    def handle_show(self, session: FeSession, ts: TokenStream) -> tuple[list[tuple[Any, ...]], list[str]]:
        """``SHOW PIPES [LIKE 'p' | WHERE expr | FROM db] [ORDER BY col [ASC|DESC], ...] [LIMIT [o,] n]``."""
        _require_release(session, ts)
        ts.expect_kw("PIPES")
        db = session.database
        if ts.accept_kw("LIKE"):
            ts.string()  # parsed and ignored by ShowExecutor
        elif ts.accept_kw("WHERE"):
            while ts.tok.kind != "eof" and not ts.at_kw("ORDER", "BY") and not ts.at_kw("LIMIT"):
                ts.advance()  # parsed and ignored by ShowExecutor
        elif ts.accept_kw("FROM"):
            db = ts.qualified_name()[-1]
        order: list[tuple[int, bool]] = []
        if ts.accept_kw("ORDER", "BY"):
            while True:
                column = ts.identifier().upper()
                if column not in SHOW_PIPES_COLUMNS:
                    raise not_supported(f"SHOW PIPES ORDER BY {column}")
                descending = ts.accept_kw("DESC")
                if not descending:
                    ts.accept_kw("ASC")
                order.append((SHOW_PIPES_COLUMNS.index(column), descending))
                if not ts.accept_sym(","):
                    break
        offset, limit = 0, None
        if ts.accept_kw("LIMIT"):
            limit = ts.integer()
            if ts.accept_sym(","):
                offset, limit = limit, ts.integer()
            elif ts.accept_kw("OFFSET"):
                offset = ts.integer()
        ts.end()
        if not db:
            raise analysis_error("No database selected")
        db_id = self.fe.store.db_id(db)
        if db_id is None:
            raise analysis_error(f"Unknown database '{db}'")  # ErrorCode.ERR_BAD_DB_ERROR
        with self.lock:
            pipes = sorted((p for p in self.pipes.values() if p.db_id == db_id), key=lambda p: p.id)
            rows = [
                (p.db, p.id, p.name, p.state, f"{p.db}.{p.table}", p.load_status(), p.last_error_json(),
                 p.created)
                for p in pipes
            ]  # fmt: skip
        for index, descending in reversed(order or [(0, False)]):
            rows.sort(key=lambda row: (row[index] is None, str(row[index])), reverse=descending)  # noqa: B023
        rows = rows[offset:] if limit is None else rows[offset : offset + limit]
        return rows, list(SHOW_PIPES_COLUMNS)

    # -- information_schema ------------------------------------------------------------------------------------

    def query(self, session: FeSession, sql: str, name: str) -> tuple[list[tuple[Any, ...]], list[str]]:
        """Run a SELECT on ``information_schema.pipes`` or ``pipe_files``.

        :param session: the session.
        :param sql: the SELECT text.
        :param name: ``pipes`` or ``pipe_files``.
        """
        from airflow_provider_starrocks.testing.fe.info_schema import query_snapshot

        if not self.fe.config.release.pipes.supported:
            # 3.1.4 has no PipesSystemTable / PipeFileSystemTable.
            raise analysis_error(f"Unknown table 'information_schema.{name}'")
        snapshot = self.pipes_snapshot() if name == "pipes" else self.files_snapshot()
        return query_snapshot(self.fe.store, sql, name, snapshot)

    def _visible(self) -> list[Pipe]:
        return sorted(
            (p for p in self.pipes.values() if p.db_id is not None and self.fe.store.db_id(p.db) == p.db_id),
            key=lambda p: p.id,
        )

    def pipes_snapshot(self) -> pa.Table:
        """``information_schema.pipes`` rows."""
        with self.lock:
            rows = [
                [p.db, p.id, p.name, p.properties_text(), p.state, f"{p.db}.{p.table}", p.load_status(),
                 p.last_error_json(), p.created]
                for p in self._visible()
            ]  # fmt: skip
        return _table(PIPES_COLUMNS, rows)

    def files_snapshot(self) -> pa.Table:
        """``information_schema.pipe_files`` rows."""
        with self.lock:
            rows = [
                [p.db, p.id, p.name, f.name, f.version, f.size, _text(f.last_modified), f.state,
                 _text(f.staged_time), _text(f.start_load_time), _text(f.finish_load_time), f.error_msg]
                for p in self._visible()
                for f in p.files
            ]  # fmt: skip
        return _table(PIPE_FILES_COLUMNS, rows)

    # -- scheduling --------------------------------------------------------------------------------------------

    def _tick(self, pipe: Pipe, generation: int) -> None:
        with self.lock:
            if generation != self._generation or self.pipes.get((pipe.db, pipe.name)) is not pipe:
                return
            if self.fe.store.db_id(pipe.db) != pipe.db_id:
                del self.pipes[(pipe.db, pipe.name)]  # PipeManager.dropPipesOfDb on DROP DATABASE
                return
            if pipe.state != "RUNNING":
                return
        self._poll(pipe)
        self._schedule(pipe, generation)

    def _poll(self, pipe: Pipe) -> None:
        """``Pipe.poll`` / ``FilePipeSource.poll``."""
        scale = max(0.0, float(self.fe.config.pipe_clock_scale))
        now = time.monotonic()
        with self.lock:
            if pipe.eos or now < pipe.first_poll_at or now < pipe.last_polled + pipe.poll_interval * scale:
                return
            pipe.last_polled = now
            if any(f.state == "UNLOADED" for f in pipe.files):
                return
            props = dict(pipe.files_props)
        try:
            listed = self.fe.aws.list_object_versions(props, pipe.path)
        except (StorageAccessError, ValueError) as exc:
            text = storage_error_text(exc) if isinstance(exc, StorageAccessError) else str(exc)
            rules = self.fe.config.release.pipes
            with self.lock:
                # The S3A exception text after "Fail to get file status: " is the emulator's storage error text.
                pipe.record_error(
                    f"poll from source failed: {rules.user_exception}: Fail to get file status: {text}"
                )
                if rules.poll_error_stops_pipe:
                    pipe.state = "ERROR"
            return
        bucket = re.match(r"^(s3a?://[^/]+/)", pipe.path)
        with self.lock:
            known = {(f.name, f.version) for f in pipe.files}
            for key, size, etag, modified in listed:
                name = (bucket.group(1) if bucket else "") + key
                if (name, etag) not in known:
                    pipe.files.append(PipeFile(name, etag, size, modified))
            if not pipe.auto_ingest:
                pipe.eos = True

    def _schedule(self, pipe: Pipe, generation: int) -> None:
        """``Pipe.schedule``: build a task from UNLOADED files, run it, finalize it."""
        with self.lock:
            if generation != self._generation or pipe.state != "RUNNING":
                return
            if pipe.task is None:
                piece: list[PipeFile] = []
                total = 0
                for file in [f for f in pipe.files if f.state == "UNLOADED"][: pipe.batch_files]:
                    piece.append(file)
                    total += file.size
                    if total >= pipe.batch_size:
                        break
                if not piece:
                    if pipe.eos:
                        if any(f.state in ("ERROR", "UNLOADED") for f in pipe.files):
                            pipe.record_error("leave some unfinished files")
                            pipe.state = "ERROR"
                        else:
                            pipe.state = "FINISHED"
                    return
                self._next_task += 1
                pipe.task = PipeTask(self._next_task, piece)
                label = self._label(pipe, pipe.task)
                for file in piece:
                    file.state, file.start_load_time, file.insert_label = "LOADING", _now(), label
                pipe.loading_files += len(piece)
            task = pipe.task
            hold = self.fe.config.hold_state
            if task.state == "ERROR":
                task.retry += 1  # PipeTaskDesc.onRetry: a new task name / label
                task.state = "RUNNABLE"
                return
            if hold is not None and hold.upper() == "LOADING":
                return
            sql = self._piece_sql(pipe, task)
            db = pipe.db
            self._inserting += 1
        error: str | None = None
        try:
            from airflow_provider_starrocks.testing.fe.files_insert import run_files_insert

            run_files_insert(self.fe, sql, db, self.fe.user)
        except StarRocksError as exc:
            error = f"execution failed: {exc.msg}"
        finally:
            with self.lock:
                self._inserting -= 1
                self._idle.notify_all()
        with self.lock:
            if generation != self._generation or pipe.task is not task:
                return
            if error is None:
                task.state = "FINISHED"
            else:
                task.state, task.error_count, task.error_msg = "ERROR", task.error_count + 1, error
                pipe.record_error(error)
            self._finalize(pipe, task)

    def _finalize(self, pipe: Pipe, task: PipeTask) -> None:
        """``Pipe.finalizeTasks`` / ``FilePipeSource.finishPiece``."""
        too_many = task.state == "ERROR" and task.error_count > FAILED_TASK_THRESHOLD
        if task.state == "FINISHED" or too_many:
            for file in task.files:
                if too_many:
                    file.state, file.error_msg = "ERROR", task.error_msg
                else:
                    file.state, file.finish_load_time = "FINISHED", _now()
            pipe.loading_files = max(0, pipe.loading_files - len(task.files))
            pipe.task = None
        if task.state == "ERROR":
            pipe.failed_tasks += 1
            if pipe.failed_tasks > FAILED_TASK_THRESHOLD:
                pipe.state = "ERROR"
        if task.state == "FINISHED":
            pipe.loaded_files += len(task.files)
            pipe.loaded_bytes += sum(f.size for f in task.files)
            pipe.last_loaded = _now()

    @staticmethod
    def _label(pipe: Pipe, task: PipeTask) -> str:
        return f"pipe-{pipe.name}-task-{task.id}-{task.retry}"  # PipeTaskDesc.genUniqueTaskName

    def _piece_sql(self, pipe: Pipe, task: PipeTask) -> str:
        """``FilePipeSource.buildInsertSql``: the pipe's INSERT with the piece's files as path, and the task label."""
        props = {**pipe.files_props, "path": ",".join(f.name for f in task.files)}
        rendered = "(" + ", ".join(f"{_quote(k)} = {_quote(v)}" for k, v in props.items()) + ")"
        start, end = pipe.files_span
        sql = pipe.insert_sql
        with_files = sql[:start] + rendered + sql[end:]
        label = f" WITH LABEL `{self._label(pipe, task)}`"
        return with_files[: pipe.label_at] + label + with_files[pipe.label_at :]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table(names: list[str], rows: list[list[Any]]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [() for _ in names]
    kinds: dict[str, pa.DataType] = {
        "PIPE_ID": pa.int64(),
        "FILE_SIZE": pa.int64(),
        "CREATED_TIME": pa.timestamp("s"),
    }
    return pa.table({n: pa.array(list(c), type=kinds.get(n, pa.string())) for n, c in zip(names, columns)})
