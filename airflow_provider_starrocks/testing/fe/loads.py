"""
Load jobs: submission checks, the life cycle, cancel and label retention.

PENDING -> QUEUEING -> LOADING -> PREPARED -> FINISHED, after ``LoadMgr`` / ``LoadJob`` / ``BrokerLoadJob``
(fe/fe-core/src/main/java/com/starrocks/load/loadv2/).
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_starrocks.testing.fe.config import LOAD_PHASES
from airflow_provider_starrocks.testing.fe.errors import StarRocksError, analysis_error
from airflow_provider_starrocks.testing.fe.load_exec import LoadFailure, run_data_desc
from airflow_provider_starrocks.testing.fe.load_props import JobProperties, check_label, check_properties

if TYPE_CHECKING:
    import pyarrow as pa

    from airflow_provider_starrocks.testing.fe.config import FeConfig
    from airflow_provider_starrocks.testing.fe.files import StorageGateway
    from airflow_provider_starrocks.testing.fe.load_parse import LoadStmt
    from airflow_provider_starrocks.testing.fe.store import Store, Table

TERMINAL = ("FINISHED", "CANCELLED", "UNKNOWN")
_TXN_DONE = ("PREPARED", "FINISHED", "CANCELLED")  # LoadJob.isTxnDone: COMMITTED shows as PREPARED
QUALITY_FAIL_MSG = "quality not good enough to cancel"  # LoadJob.QUALITY_FAIL_MSG
TIMEOUT_MSG = "loading timeout to cancel"  # LoadJob.processTimeout


@dataclass
class LoadJob:
    """One load job as SHOW LOAD and information_schema.loads show it."""

    id: int
    label: str
    db: str
    user: str
    type: str
    props: JobProperties
    stmt: LoadStmt | None
    tables: list[str]
    properties: dict[str, str] = field(default_factory=dict)
    db_id: int | None = None
    state: str = "PENDING"
    progress: int = 0
    scan_rows: int = 0
    scan_bytes: int = 0
    filtered_rows: int = 0
    unselected_rows: int = 0
    sink_rows: int = 0
    file_number: int = 0
    file_size: int = 0
    loaded: bool = False
    error_type: str | None = None
    error_msg: str | None = None
    create_time: float = field(default_factory=time.time)
    etl_start_time: float | None = None
    etl_finish_time: float | None = None
    load_start_time: float | None = None
    commit_time: float | None = None
    finish_time: float | None = None
    forced: tuple[str, str | None] | None = None
    pending_data: list[tuple[Table, pa.Table]] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.state in TERMINAL

    @property
    def error_text(self) -> str | None:
        if self.error_type is None:
            return None
        return f"type:{self.error_type}; msg:{self.error_msg}"


class LoadManager:
    """Keeps load jobs and drives each through its states in a worker thread.

    :param store: the metadata store.
    :param aws: the storage gateway.
    :param config: the emulator settings.
    """

    def __init__(self, store: Store, aws: StorageGateway, config: FeConfig) -> None:
        self.store = store
        self.aws = aws
        self.config = config
        self.lock = threading.RLock()
        #: Wakes waiting job threads when a job is cancelled or the manager resets or stops.
        self._changed = threading.Condition(self.lock)
        self.jobs: dict[int, LoadJob] = {}
        #: (database, label) -> its jobs: label look-ups stay O(1) with thousands of jobs.
        self._by_label: dict[tuple[str, str], list[LoadJob]] = {}
        #: No job was created before this (a lower bound on every finish time): retention skips its scan
        #: while no job can be old enough to expire.
        self._oldest_create = float("inf")
        self._ids = itertools.count(10001)
        self._txn_ids = itertools.count(1001)
        self._forced: tuple[str, str | None] | None = None
        self._stop = threading.Event()
        self._generation = 0

    def start(self) -> None:
        self._stop.clear()

    def stop(self) -> None:
        self._stop.set()
        with self.lock:
            self._changed.notify_all()

    def reset(self) -> None:
        with self.lock:
            self._generation += 1
            self.jobs.clear()
            self._by_label.clear()
            self._oldest_create = float("inf")
            self._forced = None
            self._changed.notify_all()

    def next_txn_id(self) -> int:
        """Return a new transaction id (the ``txn_id`` of INSERT error texts)."""
        return next(self._txn_ids)

    def force_next(self, state: str, error_msg: str | None) -> None:
        state = state.upper()
        if state not in ("FINISHED", "CANCELLED", "UNKNOWN", "TIMEOUT"):
            raise ValueError(f"force_next_load: unsupported state {state!r}")
        with self.lock:
            self._forced = (state, error_msg)

    # -- queries ---------------------------------------------------------------------------------------------

    def jobs_of(self, db: str, label: str | None = None) -> list[LoadJob]:
        """Return the jobs of a database in JobId order, only those of ``label`` when given.

        :param db: the database.
        :param label: an exact label, or None for every job.
        """
        self.clean()
        db_id = self.store.db_id(db)
        with self.lock:
            jobs = self.jobs.values() if label is None else self._by_label.get((db, label), ())
            return sorted((j for j in jobs if self._in_db(j, db, db_id)), key=lambda j: j.id)

    @staticmethod
    def _in_db(job: LoadJob, db: str, db_id: int | None) -> bool:
        # LoadMgr keys jobs by database id: a database dropped and created again has none of the old jobs.
        return job.db == db and (job.db_id is None or job.db_id == db_id)

    def all_jobs(self) -> list[LoadJob]:
        self.clean()
        with self.lock:
            return sorted(self.jobs.values(), key=lambda j: j.id)

    # -- submission ------------------------------------------------------------------------------------------

    def check_label_free(self, db: str, label: str) -> None:
        """Raise ``Label [x] has already been used.`` unless every job with this label is CANCELLED.

        :param db: the database.
        :param label: the label.
        """
        self.clean()
        db_id = self.store.db_id(db)
        with self.lock:
            for job in self._by_label.get((db, label), ()):
                # LoadMgr.checkLabelUsed looks in dbIdToLabelToLoadJobs.get(dbId).
                if self._in_db(job, db, db_id) and job.state != "CANCELLED":
                    # LabelAlreadyUsedException (fe/fe-core/src/main/java/com/starrocks/common/).
                    raise StarRocksError(f"Label [{label}] has already been used.")

    def submit(self, stmt: LoadStmt, db: str, user: str) -> LoadJob:
        """Check a LOAD LABEL statement and start its job.

        :param stmt: the parsed statement.
        :param db: the resolved database.
        :param user: the submitting user.
        """
        check_label(stmt.label)
        tables = self.store.require_db(db)
        for desc in stmt.data_descs:
            if desc.table not in tables:
                raise analysis_error(f"Unknown table '{desc.table}'")
            if tables[desc.table].engine != "olap":
                raise analysis_error(f"Table '{desc.table}' is not an OLAP table")
        props = check_properties(stmt.properties, self.config.release)
        with self.lock:
            self.check_label_free(db, stmt.label)
            job = LoadJob(
                id=next(self._ids),
                label=stmt.label,
                db=db,
                user=user,
                type="BROKER",
                props=props,
                stmt=stmt,
                tables=[d.table for d in stmt.data_descs],
                properties=dict(stmt.properties),
                db_id=self.store.db_id(db),
                forced=self._forced,
            )
            self._forced = None
            self._add(job)
            generation = self._generation
        threading.Thread(target=self._run, args=(job, generation), name=f"load-{job.id}", daemon=True).start()
        return job

    def record_insert(self, job: LoadJob) -> None:
        """Record a finished or failed INSERT job (FILES() loads).

        :param job: the job, already in its final state.
        """
        with self.lock:
            job.id = next(self._ids)
            if job.db_id is None:
                job.db_id = self.store.db_id(job.db)
            self._add(job)

    def _add(self, job: LoadJob) -> None:
        self.jobs[job.id] = job
        self._by_label.setdefault((job.db, job.label), []).append(job)
        self._oldest_create = min(self._oldest_create, job.create_time)

    def _drop(self, job: LoadJob) -> None:
        del self.jobs[job.id]
        same = self._by_label.get((job.db, job.label), [])
        if job in same:
            same.remove(job)
        if not same:
            self._by_label.pop((job.db, job.label), None)

    # -- cancel ------------------------------------------------------------------------------------------------

    def cancel(self, db: str, label: str) -> None:
        """Cancel the uncompleted job with this label, as ``LoadMgr.cancelLoadJob`` does.

        :param db: the database.
        :param label: the label.
        """
        # LoadMgr.cancelLoadJob (fe/fe-core/src/main/java/com/starrocks/load/loadv2/LoadMgr.java at each release
        # branch): the first job of the label that is not isTxnDone (COMMITTED/FINISHED/CANCELLED) is cancelled;
        # LoadJob.cancelJob checks only isTxnDone, so an UNKNOWN job is cancelled too.
        self.clean()
        db_id = self.store.db_id(db)
        with self.lock:
            matches = sorted(
                (j for j in self._by_label.get((db, label), ()) if self._in_db(j, db, db_id)),
                key=lambda j: j.id,
            )
            if not matches:
                raise StarRocksError("Load job does not exist")
            pending = [j for j in matches if j.state not in _TXN_DONE]
            if not pending:
                raise StarRocksError(f"There is no uncompleted job which label is {label}")
            self._finish_cancelled(pending[0], "USER_CANCEL", "user cancel")
            self._changed.notify_all()  # its thread ends now, not when its phase delay would

    # -- retention ---------------------------------------------------------------------------------------------

    def clean(self) -> None:
        """Drop completed jobs older than ``label_keep_max_second`` or beyond ``label_keep_max_num``."""
        now = time.time()
        with self.lock:
            # Every status query cleans first: with thousands of jobs the scan below would cost more than the
            # query itself, so it runs only when some job could be too old or there are too many.
            if (
                len(self.jobs) <= int(self.config.label_keep_max_num)
                and now - self._oldest_create <= self.config.label_keep_max_second
            ):
                return
            done = sorted((j for j in self.jobs.values() if j.completed), key=lambda j: j.finish_time or 0)
            expired = {j.id for j in done if now - (j.finish_time or now) > self.config.label_keep_max_second}
            done = [j for j in done if j.id not in expired]
            excess = len(self.jobs) - len(expired) - int(self.config.label_keep_max_num)
            for job in done[: max(0, excess)]:
                expired.add(job.id)
            for job_id in expired:
                self._drop(self.jobs[job_id])
            self._oldest_create = min((j.create_time for j in self.jobs.values()), default=float("inf"))

    def expire_all(self) -> None:
        with self.lock:
            for job in [j for j in self.jobs.values() if j.completed]:
                self._drop(job)
            self._oldest_create = min((j.create_time for j in self.jobs.values()), default=float("inf"))

    # -- life cycle ----------------------------------------------------------------------------------------------

    def _finish_cancelled(self, job: LoadJob, cancel_type: str, msg: str) -> None:
        job.state = "CANCELLED"
        job.error_type, job.error_msg = cancel_type, msg
        job.finish_time = time.time()
        job.pending_data.clear()

    def _alive(self, job: LoadJob, generation: int) -> bool:
        return generation == self._generation and not self._stop.is_set() and not job.completed

    def _wait(self, job: LoadJob, generation: int, state: str) -> bool:
        """Stay in ``state`` for its delay (and while held); return False when the job ended meanwhile."""
        deadline = time.monotonic() + self.config.delay(state)
        while True:
            with self.lock:
                if not self._alive(job, generation):
                    return False
                timeout_in = job.props.timeout - (time.time() - job.create_time)
                if state != "PREPARED" and timeout_in < 0:
                    self._finish_cancelled(job, "TIMEOUT", TIMEOUT_MSG)
                    return False
                held = self.config.hold_state is not None and self.config.hold_state.upper() == state
                now = time.monotonic()
                if not held and now >= deadline:
                    return True
                # An unheld job sleeps until its delay or timeout ends (a cancel, reset or stop wakes it):
                # thousands of waiting jobs must not keep the FE's CPU busy. A held one polls the setting.
                pause = 0.01 if held else min(deadline - now, timeout_in if state != "PREPARED" else math.inf)
                self._changed.wait(max(0.01, pause))

    def _enter(self, job: LoadJob, generation: int, state: str) -> bool:
        with self.lock:
            if not self._alive(job, generation):
                return False
            job.state = state
            now = time.time()
            if state == "LOADING":
                job.etl_start_time = job.etl_finish_time = job.load_start_time = now
            elif state == "PREPARED":
                job.commit_time = now
        return self._wait(job, generation, state)

    def _run(self, job: LoadJob, generation: int) -> None:
        try:
            for state in LOAD_PHASES:
                if not self._enter(job, generation, state):
                    return
                if state == "LOADING" and not self._load(job, generation):
                    return
            with self.lock:
                if not self._alive(job, generation):
                    return
                for table, data in job.pending_data:
                    if data.num_rows:
                        self.store.insert_arrow(table, data)
                job.pending_data.clear()
                job.state, job.progress, job.finish_time = "FINISHED", 100, time.time()
        except Exception as exc:  # never leave a job hanging in a non-terminal state
            with self.lock:
                if not job.completed:
                    self._finish_cancelled(job, "LOAD_RUN_FAIL", f"StarRocks emulator internal error: {exc}")

    def _load(self, job: LoadJob, generation: int) -> bool:
        """Read the files of every data description; apply a forced outcome or the quality check."""
        assert job.stmt is not None
        try:
            results = []
            for desc in job.stmt.data_descs:
                table = self.store.get_table(job.db, desc.table)
                results.append(
                    (
                        table,
                        run_data_desc(
                            self.store, self.aws, job.stmt.broker_props, desc, table, job.properties
                        ),
                    )
                )
        except LoadFailure as failure:
            with self.lock:
                if self._alive(job, generation):
                    self._finish_cancelled(job, failure.cancel_type, failure.msg)
            return False
        with self.lock:
            if not self._alive(job, generation):
                return False
            job.scan_rows = sum(r.scan_rows for _, r in results)
            job.filtered_rows = sum(r.filtered_rows for _, r in results)
            job.unselected_rows = sum(r.unselected_rows for _, r in results)
            job.sink_rows = sum(r.data.num_rows for _, r in results)
            job.file_number = sum(r.file_number for _, r in results)
            job.file_size = job.scan_bytes = sum(r.file_size for _, r in results)
            job.loaded, job.progress = True, 99
            job.pending_data = [(t, r.data) for t, r in results]
            return self._apply_outcome(job)

    def _apply_outcome(self, job: LoadJob) -> bool:
        if job.forced is not None:
            state, msg = job.forced
            if state == "TIMEOUT":
                self._finish_cancelled(job, "TIMEOUT", msg or TIMEOUT_MSG)
                return False
            if state == "CANCELLED":
                cancel_type, _, text = (msg or "type:LOAD_RUN_FAIL; msg:forced by the test").partition(
                    "; msg:"
                )
                self._finish_cancelled(job, cancel_type.removeprefix("type:"), text)
                return False
            if state == "UNKNOWN":
                job.state, job.finish_time = "UNKNOWN", time.time()
                if msg:
                    cancel_type, _, text = msg.partition("; msg:")
                    job.error_type, job.error_msg = cancel_type.removeprefix("type:"), text
                job.pending_data.clear()
                return False
        # LoadJob.checkDataQuality: filtered > (filtered + loaded) * max_filter_ratio.
        total = job.filtered_rows + job.sink_rows
        if total and job.filtered_rows > total * job.props.max_filter_ratio:
            self._finish_cancelled(job, "ETL_QUALITY_UNSATISFIED", QUALITY_FAIL_MSG)
            return False
        return True

    def describe(self) -> dict[int, str]:
        """Return a summary for debugging (job id -> state)."""
        with self.lock:
            return {j.id: j.state for j in self.jobs.values()}
