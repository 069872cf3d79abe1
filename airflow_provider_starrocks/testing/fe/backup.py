"""``BACKUP`` / ``RESTORE`` jobs, ``SHOW BACKUP`` / ``SHOW RESTORE``, ``CANCEL BACKUP`` / ``CANCEL RESTORE``.

After pinterest/starrocks at every emulated branch (``releases.BRANCH_COMMITS``), files under
``fe/fe-core/src/main/java/com/starrocks/``:

- grammar and analysis: ``backup_parse.py``;
- execution: ``backup/BackupHandler.java``: one job per database (``dbIdToBackupOrRestoreJob``): a second job of a
  database fails with ``Can only run one backup or restore job of a database at same time``, SHOW BACKUP / SHOW
  RESTORE show the one (latest) job of each database, of every database without FROM (qe/ShowExecutor.java);
- jobs: ``backup/BackupJob.java`` (PENDING, SNAPSHOTING, UPLOAD_SNAPSHOT, UPLOADING, SAVE_META, UPLOAD_INFO,
  FINISHED, CANCELLED; ``getInfo`` is the SHOW BACKUP row) and ``backup/RestoreJob.java`` (PENDING, SNAPSHOTING,
  DOWNLOAD, DOWNLOADING, COMMIT, COMMITTING, FINISHED, CANCELLED); SHOW BACKUP / SHOW RESTORE titles from
  ``sql/ast/ShowBackupStmt.java`` / ``ShowRestoreStmt.java`` (on main qe/ShowResultMetaFactory.java), the same
  at every emulated branch.

A failed upload or download (an identity without write rights) does not cancel the job: the BE reports the failed
task, ``finishSnapshotUploadTask`` keeps it unfinished with its error in TaskErrMsg, the task is sent again, and
the job ends CANCELLED with ``[TIMEOUT, msg: ]`` at its timeout (``backup_job_timeout`` shortens it here).

Emulated: tables of default_catalog, the whole table whatever PARTITION names are given (the emulator keeps no
partitions), data written as one Parquet file per table under the snapshot's ``__ss_content``. Not emulated:
views, materialized views, functions, external catalogs (3.4+ object kinds), temporary partitions.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.fe.backup_parse import (
    CANCEL_NEEDS_DB_RELEASES,
    DEFAULT_REPLICATION_NUM,
    OBJECT_GRAMMAR_RELEASES,
    RESTORE_READS_INFO_FIRST_RELEASES,
    BackupStatement,
    RestoreStatement,
    TableRef,
    backup_properties,
    parse_backup,
    parse_error,
    parse_restore,
    restore_properties,
)
from airflow_provider_starrocks.testing.fe.errors import StarRocksError, analysis_error, not_supported
from airflow_provider_starrocks.testing.fe.repositories import (
    Repository,
    RepositoryManager,
    StorageFailure,
    backup_timestamp,
    format_time,
)
from airflow_provider_starrocks.testing.fe.store import Column, Table, unknown_database

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.emulator import FeEmulator
    from airflow_provider_starrocks.testing.fe.session import FeSession
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

SHOW_BACKUP_COLUMNS = [
    "JobId", "SnapshotName", "DbName", "State", "BackupObjs", "CreateTime", "SnapshotFinishedTime",
    "UploadFinishedTime", "FinishedTime", "UnfinishedTasks", "Progress", "TaskErrMsg", "Status", "Timeout",
]  # fmt: skip
SHOW_RESTORE_COLUMNS = [
    "JobId", "Label", "Timestamp", "DbName", "State", "AllowLoad", "ReplicationNum", "RestoreObjs", "CreateTime",
    "MetaPreparedTime", "SnapshotFinishedTime", "DownloadFinishedTime", "FinishedTime", "UnfinishedTasks",
    "Progress", "TaskErrMsg", "Status", "Timeout",
]  # fmt: skip
BACKUP_STATES = ("PENDING", "SNAPSHOTING", "UPLOAD_SNAPSHOT", "UPLOADING", "SAVE_META", "UPLOAD_INFO")
RESTORE_STATES = ("PENDING", "SNAPSHOTING", "DOWNLOAD", "DOWNLOADING", "COMMIT", "COMMITTING")
DONE = ("FINISHED", "CANCELLED")
META_VERSION = 92  # FeConstants.META_VERSION of 3.3.5 (recorded in the job info file)
STARROCKS_META_VERSION = 4  # FeConstants.STARROCKS_META_VERSION
BACKEND_ID = 10001


@dataclass
class Job:
    """What BackupJob and RestoreJob share (AbstractJob)."""

    job_id: int
    kind: str  # "backup" | "restore"
    label: str
    db: str
    db_id: int
    repo: Repository = field(repr=False)
    timeout_s: int
    state: str = "PENDING"
    create_time: float = field(default_factory=time.time)
    finished_time: float | None = None
    snapshot_finished_time: float | None = None
    status_code: str = "OK"
    status_msg: str = ""
    unfinished: dict[int, int] = field(default_factory=dict)  # task signature -> backend id
    task_errors: dict[int, str] = field(default_factory=dict)
    generation: int = 0

    @property
    def done(self) -> bool:
        return self.state in DONE

    def status_text(self) -> str:
        # backup/Status.java toString: "[CODE]" or "[CODE, msg: text]".
        return (
            f"[{self.status_code}]"
            if self.status_code == "OK"
            else f"[{self.status_code}, msg: {self.status_msg}]"
        )

    def _tasks(self) -> tuple[str, str, str]:
        unfinished = ", ".join(f"{sig}={be}" for sig, be in self.unfinished.items())
        errors = ", ".join(f"[{sig}: {msg}]" for sig, msg in self.task_errors.items())
        return unfinished, "", errors


@dataclass
class BackupJob(Job):
    tables: list[TableRef] = field(default_factory=list)
    upload_finished_time: float | None = None
    snapshot: dict[str, Any] = field(default_factory=dict, repr=False)  # table -> (columns, Arrow table)

    def row(self) -> tuple[str, ...]:
        """BackupJob.getInfo."""
        unfinished, progress, errors = self._tasks()
        return (
            str(self.job_id), self.label, self.db, self.state,
            ", ".join(f"[{t.show(self.db)}]" for t in self.tables), format_time(self.create_time),
            format_time(self.snapshot_finished_time), format_time(self.upload_finished_time),
            format_time(self.finished_time), unfinished, progress, errors, self.status_text(), str(self.timeout_s),
        )  # fmt: skip


@dataclass
class RestoreJob(Job):
    timestamp: str = ""
    allow_load: bool = False
    replication_num: int = DEFAULT_REPLICATION_NUM
    info: dict[str, Any] = field(default_factory=dict, repr=False)
    meta: dict[str, Any] = field(default_factory=dict, repr=False)
    aliases: dict[str, str] = field(default_factory=dict)
    meta_prepared_time: float | None = None
    download_finished_time: float | None = None
    downloaded: dict[str, Any] = field(default_factory=dict, repr=False)

    def restore_objs(self) -> str:
        # BackupJobInfo.getInfo: each table, with " PARTITIONS [...]" for partitions not named as the table.
        objs = []
        for name, table in self.info["backup_objects"].items():
            parts = [p for p in table["partitions"] if p != name]
            objs.append(name + (f" PARTITIONS [{', '.join(parts)}]" if parts else ""))
        return ", ".join(objs)

    def row(self) -> tuple[str, ...]:
        """RestoreJob.getInfo."""
        unfinished, progress, errors = self._tasks()
        return (
            str(self.job_id), self.label, self.timestamp, self.db, self.state,
            "true" if self.allow_load else "false", str(self.replication_num), self.restore_objs(),
            format_time(self.create_time), format_time(self.meta_prepared_time),
            format_time(self.snapshot_finished_time), format_time(self.download_finished_time),
            format_time(self.finished_time), unfinished, progress, errors, self.status_text(), str(self.timeout_s),
        )  # fmt: skip


class BackupManager:
    """BackupHandler: repositories, and the current backup or restore job of each database.

    :param fe: the emulator.
    """

    def __init__(self, fe: FeEmulator) -> None:
        self.fe = fe
        self.lock = threading.RLock()
        self._ids = itertools.count(20001)
        self.repos = RepositoryManager(fe.aws, self.next_id)  # type: ignore[arg-type]
        self.jobs: dict[int, Job] = {}  # db id -> its latest job
        self._table_ids: dict[tuple[str, str], int] = {}
        self._generation = 0

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def reset(self) -> None:
        with self.lock:
            self._generation += 1
            self.jobs.clear()
            self.repos.reset()

    def expire_jobs(self) -> None:
        """Forget every finished or cancelled job now (BackupHandler.removeOldJobs, after 7 days in StarRocks)."""
        with self.lock:
            self.jobs = {db_id: job for db_id, job in self.jobs.items() if not job.done}

    def all_jobs(self) -> list[Job]:
        with self.lock:
            return list(self.jobs.values())

    def _table_id(self, db: str, table: str) -> int:
        with self.lock:
            key = (db, table)
            if key not in self._table_ids:
                # The table id; the next two ids are its partition and tablet (see _data_path).
                self._table_ids[key] = self.next_id()
                self.next_id()
                self.next_id()
            return self._table_ids[key]

    # -- submission ---------------------------------------------------------------------------------------

    def _repository(self, name: str) -> Repository:
        repo = self.repos.get(name)
        if repo is None:
            raise StarRocksError(f"Repository {name} does not exist")
        return repo

    def _snapshot_info(self, repo: Repository, label: str, timestamp: str) -> dict[str, Any]:
        """Repository.getSnapshotInfoFile, with BackupHandler's text around its failure."""
        try:
            info: dict[str, Any] = json.loads(
                self.repos.storage(repo).download(repo.info_path(label, timestamp))
            )
        except StorageFailure as exc:
            raise StarRocksError(
                f"Failed to get info of snapshot '{label}' because: {exc.msg}. Maybe specified wrong backup timestamp"
            ) from None
        return info

    def _begin(self, repo_name: str, db: str) -> tuple[Repository, int]:
        """BackupHandler.process: the repository, the database, then the one-job-per-database rule."""
        repo = self._repository(repo_name)
        db_id = self.fe.store.db_id(db)
        if db_id is None:
            raise unknown_database(db)
        current = self.jobs.get(db_id)
        if current is not None and not current.done:
            raise StarRocksError("Can only run one backup or restore job of a database at same time")
        return repo, db_id

    def submit_backup(self, stmt: BackupStatement, session_db: str | None) -> None:
        db = stmt.db or session_db or ""
        store = self.fe.store
        tables = dict(store.databases.get(db, {})) if store.db_id(db) is not None else None
        if tables is None:
            raise unknown_database(db)  # BackupRestoreAnalyzer.getDatabase
        if self.repos.get(stmt.repo) is None:
            raise analysis_error(f"Repository [{stmt.repo}] does not exist")  # analyzeLabelAndRepo
        refs = stmt.tables or [TableRef(name) for name in tables]
        seen: dict[str, TableRef] = {}
        for ref in refs:
            if ref.name not in tables:
                # ERR_WRONG_TABLE_NAME (analyzeTableRef).
                raise analysis_error(f"Incorrect table name '{ref.name}'")
            if ref.name in seen:
                raise analysis_error(f"Duplicated table: {ref.name}")
            seen[ref.name] = ref
        timeout_s, backup_type = backup_properties(stmt.properties)
        with self.lock:
            repo, db_id = self._begin(stmt.repo, db)
            if repo.read_only:
                raise StarRocksError(f"Repository {repo.name} is read only")
            for ref in seen.values():
                if tables[ref.name].engine != "olap":
                    # ErrorCode.ERR_NOT_OLAP_TABLE.
                    raise StarRocksError(f"Table '{ref.name}' is not a OLAP table")
            try:
                existing = self.repos.list_snapshots(repo)
            except StorageFailure as exc:
                raise StarRocksError(exc.msg) from None
            if stmt.label in existing:
                if backup_type == "FULL":
                    raise StarRocksError(f"Snapshot with name '{stmt.label}' already exist in repository")
                raise StarRocksError("Currently does not support incremental backup")
            job = BackupJob(
                self.next_id(), "backup", stmt.label, db, db_id, repo, timeout_s,
                tables=[seen[name] for name in sorted(seen)], generation=self._generation,
            )  # fmt: skip
            self.jobs[db_id] = job
        threading.Thread(
            target=self._run_backup, args=(job,), daemon=True, name=f"backup-{job.job_id}"
        ).start()

    def submit_restore(self, stmt: RestoreStatement, session_db: str | None) -> None:
        db = stmt.db or session_db or ""
        seen: dict[str, TableRef] = {}
        aliases: set[str] = set()
        for ref in stmt.tables:
            if ref.name in seen:
                raise analysis_error(f"Duplicated table: {ref.name}")
            seen[ref.name] = ref
            aliases.add(ref.name)
        for ref in stmt.tables:
            if ref.alias is not None:
                if ref.alias in aliases:
                    raise analysis_error(f"Duplicated alias name: {ref.alias}")
                aliases.add(ref.alias)
        options = restore_properties(stmt.properties)
        reads_info_first = self.fe.config.release.name in RESTORE_READS_INFO_FIRST_RELEASES
        if not stmt.db and not reads_info_first:
            # 3.1.4 / 3.3.5 look the database up by the statement's (missing) name.
            raise not_supported(
                "RESTORE SNAPSHOT without a database before 3.4 (write RESTORE SNAPSHOT db.name)"
            )
        with self.lock:
            timestamp = options["backup_timestamp"]
            if reads_info_first:
                # BackupHandler.process (3.4.0 on): the snapshot's info, then the target database (the snapshot's
                # own without a name), created when missing.
                repo = self._repository(stmt.repo)
                info = self._snapshot_info(repo, stmt.label, timestamp)
                db = stmt.db or info.get("database") or ""
                if self.fe.store.db_id(db) is None:
                    self.fe.store.create_database(db, if_not_exists=True)
                repo, db_id = self._begin(stmt.repo, db)
                if stmt.origin_db is not None and info.get("database") != stmt.origin_db:
                    raise StarRocksError(f"target database: {stmt.origin_db} is not existed in snapshot")
            else:
                repo, db_id = self._begin(stmt.repo, db)
                info = self._snapshot_info(repo, stmt.label, timestamp)
            storage = self.repos.storage(repo)
            objects = info["backup_objects"]
            if seen:
                for ref in seen.values():
                    if ref.name not in objects:
                        raise StarRocksError(f"Table {ref.name} does not exist in snapshot {stmt.label}")
                    for part in ref.partitions or []:
                        if part not in objects[ref.name]["partitions"]:
                            raise StarRocksError(
                                f"Partition {part} of table {ref.name} does not exist in snapshot {stmt.label}"
                            )
                # BackupJobInfo.retainTables / BackupTableInfo.retainPartitions.
                info["backup_objects"] = {name: objects[name] for name in sorted(seen)}
                for ref in seen.values():
                    if ref.partitions:
                        parts = objects[ref.name]["partitions"]
                        objects[ref.name]["partitions"] = {p: parts[p] for p in parts if p in ref.partitions}
            try:
                meta = json.loads(storage.download(repo.meta_path(stmt.label)))
            except StorageFailure:
                meta = {}  # downloadAndDeserializeMetaInfo: null; the job fails in PENDING
            job = RestoreJob(
                self.next_id(), "restore", stmt.label, db, db_id, repo, options["timeout"],
                timestamp=timestamp, allow_load=options["allow_load"], replication_num=options["replication_num"],
                info=info, meta=meta, aliases={r.name: r.alias for r in seen.values() if r.alias},
                generation=self._generation,
            )  # fmt: skip
            self.jobs[db_id] = job
        threading.Thread(
            target=self._run_restore, args=(job,), daemon=True, name=f"restore-{job.job_id}"
        ).start()

    # -- SHOW / CANCEL ------------------------------------------------------------------------------------

    def show(self, kind: str, db: str | None) -> tuple[list[tuple[Any, ...]], list[str]]:
        store = self.fe.store
        ids: list[int]
        if db is not None:
            db_id = store.db_id(db)
            if db_id is None:
                raise unknown_database(db)
            ids = [db_id]
        else:
            with store.lock:
                ids = sorted(store.db_ids.values())
        with self.lock:
            jobs = [self.jobs.get(i) for i in ids]
            rows = [j.row() for j in jobs if isinstance(j, BackupJob if kind == "backup" else RestoreJob)]
        return rows, list(SHOW_BACKUP_COLUMNS if kind == "backup" else SHOW_RESTORE_COLUMNS)

    def cancel(self, kind: str, db: str) -> None:
        """BackupHandler.cancel, then BackupJob.cancel / RestoreJob.cancel."""
        db_id = self.fe.store.db_id(db)
        if db_id is None:
            raise unknown_database(db)
        with self.lock:
            job = self.jobs.get(db_id)
            if job is None or job.kind != kind:
                # The parentheses of BackupHandler.cancel put " job" on the backup text only.
                raise StarRocksError(
                    "No restore is currently running"
                    if kind == "restore"
                    else "No backup job is currently running"
                )
            if job.done:
                raise StarRocksError(
                    f"Failed to cancel job: Job with label {job.label} can not be cancelled. state: {job.state}"
                )
            message = "user cancelled" if kind == "backup" else f"user cancelled, current state: {job.state}"
            self._cancel(job, "COMMON_ERROR", message)

    def running_repositories(self) -> set[str]:
        with self.lock:
            return {j.repo.name for j in self.jobs.values() if not j.done}

    # -- the job clock ------------------------------------------------------------------------------------

    def _cancel(self, job: Job, code: str, message: str) -> None:
        with self.lock:
            if job.done:
                return
            job.status_code, job.status_msg = code, message
            job.state, job.finished_time = "CANCELLED", time.time()
            job.unfinished.clear()

    def _alive(self, job: Job) -> bool:
        if job.generation != self._generation or job.done:
            return False
        config = self.fe.config
        timeout = config.backup_job_timeout if config.backup_job_timeout is not None else job.timeout_s
        if time.time() - job.create_time > timeout:
            if job.kind == "backup":
                self._cancel(job, "TIMEOUT", "")
            else:
                self._cancel(job, "TIMEOUT", f"restore job with label: {job.label}  timeout.")
            return False
        return True

    def _stay(self, job: Job, state: str) -> bool:
        """Keep ``job`` in ``state`` for the configured delay (longer while held); False once it ended."""
        with self.lock:
            if job.done:
                return False
            job.state = state
        config = self.fe.config
        if config.backup_fail_message is not None and (config.backup_fail_state or "").upper() == state:
            message, config.backup_fail_message = config.backup_fail_message, None
            self._cancel(job, "COMMON_ERROR", message)
            return False
        deadline = time.monotonic() + config.backup_state_delay
        while True:
            if not self._alive(job):
                return False
            held = (self.fe.config.backup_hold_state or "").upper() == state
            if not held and time.monotonic() >= deadline:
                return True
            time.sleep(0.01)

    def _retry(self, job: Job, step: Any) -> bool:
        """Run ``step`` until it succeeds (failed tasks are sent again), or the job ends (timeout, cancel)."""
        while True:
            if not self._alive(job):
                return False
            if step():
                return True
            time.sleep(max(self.fe.config.backup_state_delay, 0.05))

    def _run_backup(self, job: BackupJob) -> None:
        try:
            self._backup_steps(job)
        except Exception as exc:  # never leave a job running
            self._cancel(
                job, "COMMON_ERROR", f"StarRocks emulator internal error: {type(exc).__name__}: {exc}"
            )

    def _backup_steps(self, job: BackupJob) -> None:
        storage = self.repos.storage(job.repo)
        if not self._stay(job, "PENDING") or not self._stay(job, "SNAPSHOTING"):
            return
        store = self.fe.store
        snapshot = {}
        for ref in job.tables:
            try:
                table = store.get_table(job.db, ref.name)
            except StarRocksError:
                # BackupJob.prepareAndSendSnapshotTask.
                self._cancel(job, "NOT_FOUND", f"table {ref.name} does not exist")
                return
            with store.lock:
                data = store.cursor().sql(f'SELECT * FROM "{job.db}"."{ref.name}"').to_arrow_table()
            snapshot[ref.name] = (table.columns, data)
        with self.lock:
            job.snapshot = snapshot
            job.snapshot_finished_time = time.time()
        if not self._stay(job, "UPLOAD_SNAPSHOT"):
            return
        tasks = {self.next_id(): name for name in snapshot}
        with self.lock:
            job.unfinished = dict.fromkeys(tasks, BACKEND_ID)
        if not self._stay(job, "UPLOADING"):
            return

        def upload() -> bool:
            for signature, name in list(tasks.items()):
                try:
                    self._upload_tablet(
                        storage,
                        job.repo.content_path(job.label, self._data_path(job, name)),
                        snapshot[name][1],
                    )
                except StorageFailure as exc:
                    with self.lock:
                        job.task_errors[signature] = exc.msg
                    continue
                with self.lock:
                    job.unfinished.pop(signature, None)
                    job.task_errors.pop(signature, None)
                del tasks[signature]
            return not tasks

        if not self._retry(job, upload):
            return
        with self.lock:
            job.upload_finished_time = time.time()
        if not self._stay(job, "SAVE_META") or not self._stay(job, "UPLOAD_INFO"):
            return
        meta, info = self._backup_documents(job)

        def upload_info() -> bool:
            try:
                storage.upload(job.repo.meta_path(job.label), meta)
                storage.upload(job.repo.info_path(job.label, backup_timestamp(job.create_time)), info)
            except StorageFailure as exc:
                # BackupJob.run keeps retrying UPLOAD_INFO with the failure as its status.
                with self.lock:
                    job.status_code, job.status_msg = "COMMON_ERROR", exc.msg
                return False
            return True

        if not self._retry(job, upload_info):
            return
        with self.lock:
            if job.done:
                return
            job.status_code, job.status_msg = "OK", ""
            job.state, job.finished_time = "FINISHED", time.time()

    @staticmethod
    def _upload_tablet(storage: Any, path: str, data: Any) -> None:
        """SnapshotLoader::upload (be/src/runtime/snapshot_loader.cpp): write ``<file>.part``, rename to ``.<md5>``."""
        content = _parquet(data)
        final = f"{path}.{hashlib.md5(content, usedforsecurity=False).hexdigest()}"
        storage.put(f"{path}.part", content)
        storage.rename(f"{path}.part", final)

    def _data_path(self, job: Job, table: str) -> str:
        table_id = self._table_id(job.db, table)
        # Repository.assembleRemoteSnapshotPath: db, table, partition, index, tablet, schema hash; then the files.
        return f"__db_{job.db_id}/__tbl_{table_id}/__part_{table_id + 1}/__idx_{table_id}/__{table_id + 2}/__0/data.parquet"

    def _backup_documents(self, job: BackupJob) -> tuple[bytes, bytes]:
        objects: dict[str, Any] = {}
        tables: dict[str, Any] = {}
        for ref in job.tables:
            columns, _data = job.snapshot[ref.name]
            table_id = self._table_id(job.db, ref.name)
            partitions = ref.partitions or [ref.name]
            objects[ref.name] = {
                "id": table_id,
                "autoIncrementId": None,
                "partitions": {p: {"id": table_id + 1 + i} for i, p in enumerate(partitions)},
            }
            tables[ref.name] = {
                "columns": [
                    {"name": c.name, "type": c.sr_type, "duck_type": c.duck_type, "nullable": c.nullable}
                    for c in columns
                ],
                "data": self._data_path(job, ref.name),
            }
        # BackupJobInfo.toJson(true) (the info file) and the BackupMeta (__meta) with the tables' schemas.
        info = {
            "name": job.label,
            "database": job.db,
            "id": job.db_id,
            "backup_time": int(job.create_time * 1000),
            "backup_objects": objects,
            "meta_version": META_VERSION,
            "starrocks_meta_version": STARROCKS_META_VERSION,
        }
        return json.dumps({"tables": tables}).encode(), json.dumps(info).encode()

    def _run_restore(self, job: RestoreJob) -> None:
        try:
            self._restore_steps(job)
        except Exception as exc:  # never leave a job running
            self._cancel(
                job, "COMMON_ERROR", f"StarRocks emulator internal error: {type(exc).__name__}: {exc}"
            )

    def _restore_steps(self, job: RestoreJob) -> None:
        storage = self.repos.storage(job.repo)
        if not self._stay(job, "PENDING"):
            return
        if not job.meta:
            # RestoreJob.checkAndPrepareMeta without a backup meta.
            self._cancel(job, "COMMON_ERROR", "Failed to read backup meta from file")
            return
        store = self.fe.store
        for name in job.info["backup_objects"]:
            target = job.aliases.get(name, name)
            local = store.databases.get(job.db, {}).get(target)
            if local is None:
                continue
            if local.engine != "olap":
                self._cancel(job, "COMMON_ERROR", f"Only support retore olap table: {target}")
                return
            remote = [(c["name"], c["type"]) for c in job.meta["tables"][name]["columns"]]
            if [(c.name, c.sr_type) for c in local.columns] != remote:
                self._cancel(
                    job, "COMMON_ERROR",
                    f"Table {target} already exist but with different schema, errMsg: local schema "
                    f"{[(c.name, c.sr_type) for c in local.columns]}, remote schema {remote}",
                )  # fmt: skip
                return
        with self.lock:
            job.meta_prepared_time = time.time()
        if not self._stay(job, "SNAPSHOTING"):
            return
        with self.lock:
            job.snapshot_finished_time = time.time()
        tasks = {self.next_id(): name for name in job.info["backup_objects"]}
        with self.lock:
            job.unfinished = dict.fromkeys(tasks, BACKEND_ID)
        if not self._stay(job, "DOWNLOAD") or not self._stay(job, "DOWNLOADING"):
            return

        def download() -> bool:
            for signature, name in list(tasks.items()):
                path = job.repo.content_path(job.label, job.meta["tables"][name]["data"])
                try:
                    job.downloaded[name] = _read_parquet(storage.download(path))
                except StorageFailure as exc:
                    with self.lock:
                        job.task_errors[signature] = exc.msg
                    continue
                with self.lock:
                    job.unfinished.pop(signature, None)
                    job.task_errors.pop(signature, None)
                del tasks[signature]
            return not tasks

        if not self._retry(job, download):
            return
        with self.lock:
            job.download_finished_time = time.time()
        if not self._stay(job, "COMMIT"):
            return
        for name in job.info["backup_objects"]:
            target = job.aliases.get(name, name)
            columns = [
                Column(c["name"], c["type"], c["duck_type"], c["nullable"])
                for c in job.meta["tables"][name]["columns"]
            ]
            with store.lock:
                if target in store.databases.get(job.db, {}):
                    store.cursor().execute(f'DELETE FROM "{job.db}"."{target}"')
                    table = store.databases[job.db][target]
                else:
                    table = Table(job.db, target, columns)
                    store.add_table(table, if_not_exists=False)
                if job.downloaded[name].num_rows:
                    store.insert_arrow(table, job.downloaded[name])
        if not self._stay(job, "COMMITTING"):
            return
        with self.lock:
            if job.done:
                return
            job.state, job.finished_time = "FINISHED", time.time()


def _parquet(data: Any) -> bytes:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(data, sink)
    return sink.getvalue()


def _read_parquet(data: bytes) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data))


# -- statement entry points (called from handlers.py) ---------------------------------------------------------


def handle_backup(session: FeSession, ts: TokenStream) -> None:
    ts.advance()
    stmt = parse_backup(ts, session.fe.config.release.name)
    session.fe.backups.submit_backup(stmt, session.database)


def handle_restore(session: FeSession, ts: TokenStream) -> None:
    ts.advance()
    stmt = parse_restore(ts, session.fe.config.release.name)
    session.fe.backups.submit_restore(stmt, session.database)


SHOW_WORDS = ("BACKUP", "RESTORE", "SNAPSHOT", "REPOSITORIES")


def claims_show(ts: TokenStream) -> bool:
    """Whether a SHOW statement (stream after SHOW) is one of this module's."""
    return any(ts.at_kw(word) for word in SHOW_WORDS)


def handle_show(session: FeSession, ts: TokenStream) -> tuple[list[tuple[Any, ...]], list[str]]:
    backups = session.fe.backups
    if ts.accept_kw("REPOSITORIES"):
        ts.end()
        return backups.repos.show()
    if ts.accept_kw("SNAPSHOT"):
        return backups.repos.show_snapshot(ts)
    kind = "backup" if ts.accept_kw("BACKUP") else "restore"
    if kind == "restore":
        ts.expect_kw("RESTORE")
    db = ts.identifier() if ts.accept_kw("FROM") or ts.accept_kw("IN") else None
    if kind == "restore" and ts.accept_kw("WHERE"):
        # ShowRestoreStmt keeps the expression; ShowExecutor never reads it.
        while ts.tok.kind != "eof" and not ts.at_sym(";"):
            ts.advance()
    ts.end()
    return backups.show(kind, db)


def claims_cancel(ts: TokenStream) -> bool:
    return ts.at_kw("BACKUP") or ts.at_kw("RESTORE")


def handle_cancel(session: FeSession, ts: TokenStream) -> None:
    """``CANCEL BACKUP [FROM db]`` / ``CANCEL RESTORE [FROM db]`` (stream after CANCEL)."""
    kind = "backup" if ts.accept_kw("BACKUP") else "restore"
    if kind == "restore":
        ts.expect_kw("RESTORE")
    release = session.fe.config.release.name
    db = None
    if ts.accept_kw("FROM") or ts.accept_kw("IN"):
        db = ts.identifier()
    elif release in OBJECT_GRAMMAR_RELEASES and ts.at_kw("FOR", "EXTERNAL", "CATALOG"):
        raise not_supported("CANCEL ... FOR EXTERNAL CATALOG")
    ts.end()
    if db is None:
        if release in CANCEL_NEEDS_DB_RELEASES:
            raise parse_error("No selected database for cancel BACKUP/RESTORE", 0)
        raise not_supported(
            "CANCEL BACKUP / RESTORE without FROM on 3.1 (AstBuilder dereferences the missing name)"
        )
    session.fe.backups.cancel(kind, db)


def claims_repository(ts: TokenStream) -> bool:
    """Whether CREATE / DROP (stream after it) is about a repository."""
    return ts.at_kw("REPOSITORY") or ts.at_kw("READ", "ONLY", "REPOSITORY")


def handle_create_repository(session: FeSession, ts: TokenStream) -> None:
    read_only = ts.accept_kw("READ", "ONLY")
    ts.expect_kw("REPOSITORY")
    session.fe.backups.repos.create(ts, read_only)


def handle_drop_repository(session: FeSession, ts: TokenStream) -> None:
    ts.expect_kw("REPOSITORY")
    backups = session.fe.backups
    backups.repos.drop(ts, backups.running_repositories())
