"""``SUBMIT TASK name [PROPERTIES (...)] AS INSERT ...``, ``DROP TASK`` and ``information_schema.task_runs``.

After docs/en/sql-reference/sql-statements/loading_unloading/ETL/SUBMIT_TASK.md and
docs/en/sql-reference/information_schema/task_runs.md: a task run goes PENDING -> RUNNING -> SUCCESS | FAILED.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from airflow_provider_starrocks.testing.fe.errors import StarRocksError, not_supported

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.emulator import FeEmulator
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

TASK_RUN_COLUMNS = [
    "QUERY_ID", "TASK_NAME", "CREATE_TIME", "FINISH_TIME", "STATE", "CATALOG", "DATABASE", "DEFINITION",
    "EXPIRE_TIME", "ERROR_CODE", "ERROR_MESSAGE", "PROGRESS", "EXTRA_MESSAGE", "PROPERTIES", "JOB_ID",
    "PROCESS_TIME",
]  # fmt: skip
TASK_RUNS_TTL_S = 86400  # Config.task_runs_ttl_second


@dataclass
class TaskRun:
    """One run of a submitted task."""

    query_id: str
    task_name: str
    database: str | None
    definition: str
    properties: dict[str, str]
    state: str = "PENDING"
    create_time: float = field(default_factory=time.time)
    process_time: float | None = None
    finish_time: float | None = None
    error_code: int = 0
    error_message: str | None = None
    job_id: int | None = None
    extra: str = ""

    def row(self) -> list[Any]:
        def ts(value: float | None) -> dt.datetime | None:
            return dt.datetime.fromtimestamp(value).replace(microsecond=0) if value else None

        expire = self.create_time + TASK_RUNS_TTL_S
        return [
            self.query_id, self.task_name, ts(self.create_time), ts(self.finish_time), self.state,
            "default_catalog", self.database, self.definition, ts(expire), self.error_code, self.error_message,
            "100%" if self.state == "SUCCESS" else "0%", self.extra, json.dumps(self.properties), self.job_id,
            ts(self.process_time),
        ]  # fmt: skip


class TaskManager:
    """Submitted tasks and their runs.

    :param fe: the emulator (runs the INSERT through its FILES() path).
    """

    def __init__(self, fe: FeEmulator) -> None:
        self.fe = fe
        self.lock = threading.RLock()
        self.runs: dict[str, TaskRun] = {}
        self._generation = 0

    def reset(self) -> None:
        with self.lock:
            self._generation += 1
            self.runs.clear()

    def submit(
        self, ts: TokenStream, database: str | None, user: str
    ) -> tuple[list[tuple[Any, ...]], list[str]]:
        """Handle ``SUBMIT TASK ...`` (the stream is after SUBMIT).

        :param ts: the token stream.
        :param database: the session's database.
        :param user: the user.
        """
        ts.expect_kw("TASK")
        name = (
            f"task_{uuid.uuid4().hex[:16]}" if ts.at_kw("AS") or ts.at_kw("PROPERTIES") else ts.identifier()
        )
        if ts.at_kw("SCHEDULE"):
            raise not_supported("SUBMIT TASK ... SCHEDULE")
        properties = ts.property_list() if ts.accept_kw("PROPERTIES") else {}
        ts.expect_kw("AS")
        if not ts.at_kw("INSERT"):
            raise not_supported("SUBMIT TASK AS anything but INSERT")
        definition = ts.rest_text()
        with self.lock:
            if name in self.runs:
                raise StarRocksError(f"Task {name} already exists")
            run = TaskRun(str(uuid.uuid4()), name, database, definition, properties)
            self.runs[name] = run
            generation = self._generation
        threading.Thread(target=self._run, args=(run, generation, user), daemon=True).start()
        return [(name, "SUBMITTED")], ["TaskName", "Status"]

    def drop(self, name: str, if_exists: bool) -> None:
        with self.lock:
            if name not in self.runs:
                if if_exists:
                    return
                raise StarRocksError(f"Task {name} is not exist")
            del self.runs[name]

    def snapshot(self) -> pa.Table:
        with self.lock:
            rows = [r.row() for r in self.runs.values()]
        columns = list(zip(*rows)) if rows else [() for _ in TASK_RUN_COLUMNS]
        kinds: dict[str, pa.DataType] = {"ERROR_CODE": pa.int64(), "JOB_ID": pa.int64()}
        for name in ("CREATE_TIME", "FINISH_TIME", "EXPIRE_TIME", "PROCESS_TIME"):
            kinds[name] = pa.timestamp("s")
        # The release's layout (releases.py, TaskRunsSystemTable.java): no CATALOG on 3.1, JOB_ID and
        # PROCESS_TIME only on the newest.
        shown = self.fe.config.release.task_runs_columns
        return pa.table(
            {
                n: pa.array(list(c), type=kinds.get(n, pa.string()))
                for n, c in zip(TASK_RUN_COLUMNS, columns)
                if n in shown
            }
        )

    def _hold(self, run: TaskRun, generation: int, state: str, delay: float) -> bool:
        deadline = time.monotonic() + delay
        while True:
            config = self.fe.config
            held = config.hold_state is not None and config.hold_state.upper() == state
            if generation != self._generation:
                return False
            if not held and time.monotonic() >= deadline:
                return True
            time.sleep(0.01)

    def _run(self, run: TaskRun, generation: int, user: str) -> None:
        from airflow_provider_starrocks.testing.fe.files_insert import run_files_insert

        if not self._hold(run, generation, "PENDING", self.fe.config.pending_delay):
            return
        with self.lock:
            run.state, run.process_time = "RUNNING", time.time()
        if not self._hold(run, generation, "RUNNING", self.fe.config.loading_delay):
            return
        try:
            job = run_files_insert(self.fe, run.definition, run.database, user)
        except StarRocksError as exc:
            with self.lock:
                run.state, run.error_code, run.error_message = "FAILED", -1, exc.msg
                run.finish_time = time.time()
            return
        except Exception as exc:  # never leave a run RUNNING
            with self.lock:
                run.state, run.error_code = "FAILED", -1
                run.error_message = f"StarRocks emulator internal error: {exc}"
                run.finish_time = time.time()
            return
        with self.lock:
            run.state, run.job_id, run.finish_time = "SUCCESS", job.id, time.time()
