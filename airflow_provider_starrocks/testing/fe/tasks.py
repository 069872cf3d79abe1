"""``SUBMIT TASK name [PROPERTIES (...)] AS INSERT ...``, ``DROP TASK`` and ``information_schema.tasks`` / ``task_runs``.

After docs/en/sql-reference/sql-statements/loading_unloading/ETL/SUBMIT_TASK.md and
docs/en/sql-reference/information_schema/task_runs.md: a task run goes PENDING -> RUNNING -> SUCCESS | FAILED.

What StarRocks keeps, from pinterest/starrocks ``pinterest-release-3.3.5`` (7c653fb8f0) and the 3.4 / 3.5 branches:
- the task (``information_schema.tasks``, DEFINITION = the text after ``AS``, scheduler/TaskBuilder.java) until
  ``DROP TASK`` or ``Config.task_ttl_second`` (1 day) for a manual task;
- each run's status (``information_schema.task_runs``) with its own copy of the definition
  (scheduler/TaskRun.java ``status.setDefinition``), which ``DROP TASK`` leaves in place
  (TaskManager.dropTasks removes the task only; test/sql/test_task/R/test_drop still lists the run after the
  drop) until ``Config.task_runs_ttl_second`` (7 days);
- DEFINITION is shown redacted in both tables from 3.5.6 on (``redactor.py``).
``DROP TASK`` of an unknown name fails with ``Task <name> is not exist`` (qe/DDLStmtExecutor.java
visitDropTaskStmt, in the analyzer frame from 3.3.5, as "Unexpected exception: ..." on 3.1.4: test/sql/test_task/R/test_drop).
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
from airflow_provider_starrocks.testing.fe.redactor import redact, task_tables_redact

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

# catalog/system/information/TaskRunsSystemTable.java: JOB_ID and PROCESS_TIME came with #60054 (upstream main,
# 2025-06, so 4.0+); the 3.3 / 3.4 / 3.5 branches end at PROPERTIES.
TASK_RUN_COLUMNS = [
    "QUERY_ID", "TASK_NAME", "CREATE_TIME", "FINISH_TIME", "STATE", "CATALOG", "DATABASE", "DEFINITION",
    "EXPIRE_TIME", "ERROR_CODE", "ERROR_MESSAGE", "PROGRESS", "EXTRA_MESSAGE", "PROPERTIES", "JOB_ID",
    "PROCESS_TIME",
]  # fmt: skip
TASK_RUN_COLUMNS_BEFORE_4 = TASK_RUN_COLUMNS[:14]
# catalog/system/information/TasksSystemTable.java (the same on 3.3.5 ... main).
TASK_COLUMNS = [
    "TASK_NAME", "CREATE_TIME", "SCHEDULE", "CATALOG", "DATABASE", "DEFINITION", "EXPIRE_TIME", "PROPERTIES",
    "CREATOR",
]  # fmt: skip
TASK_RUNS_TTL_S = 86400 * 7  # Config.task_runs_ttl_second
TASK_TTL_S = 86400  # Config.task_ttl_second (manual tasks)


def _ts(value: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value).replace(microsecond=0) if value else None


@dataclass
class Task:
    """A submitted task: what ``information_schema.tasks`` lists until ``DROP TASK``."""

    name: str
    database: str | None
    definition: str
    properties: dict[str, str]
    creator: str
    create_time: float = field(default_factory=time.time)

    def row(self, redacting: bool) -> list[Any]:
        properties = "(" + ",".join(f"'{k}'='{v}'" for k, v in self.properties.items()) + ")"
        return [
            self.name, _ts(self.create_time), "MANUAL", "default_catalog", self.database,
            redact(self.definition) if redacting else self.definition, _ts(self.create_time + TASK_TTL_S),
            properties, f"'{self.creator}'@'%'",
        ]  # fmt: skip


@dataclass
class TaskRun:
    """One run of a submitted task (kept after ``DROP TASK``)."""

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

    def row(self, redacting: bool, newest: bool) -> list[Any]:
        expire = self.create_time + TASK_RUNS_TTL_S
        row = [
            self.query_id, self.task_name, _ts(self.create_time), _ts(self.finish_time), self.state,
            "default_catalog", self.database, redact(self.definition) if redacting else self.definition,
            _ts(expire), self.error_code, self.error_message, "100%" if self.state == "SUCCESS" else "0%",
            self.extra, json.dumps(self.properties),
        ]  # fmt: skip
        return [*row, self.job_id, _ts(self.process_time)] if newest else row


class TaskManager:
    """Submitted tasks and their runs.

    :param fe: the emulator (runs the INSERT through its FILES() path).
    """

    def __init__(self, fe: FeContext) -> None:
        self.fe = fe
        self.lock = threading.RLock()
        self.tasks: dict[str, Task] = {}
        self.runs: list[TaskRun] = []
        self._generation = 0

    def reset(self) -> None:
        with self.lock:
            self._generation += 1
            self.tasks.clear()
            self.runs.clear()

    def expire_runs(self) -> None:
        """Forget every finished run now, as the history cleaner does after ``task_runs_ttl_second``."""
        with self.lock:
            self.runs = [r for r in self.runs if r.state not in ("SUCCESS", "FAILED")]

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
            if name in self.tasks:
                # TaskManager.createTask's DdlException, sent as is (scheduler/TaskManager.java, every release).
                raise StarRocksError(f"Task [{name}] already exists")
            self.tasks[name] = Task(name, database, definition, properties, user)
            run = TaskRun(str(uuid.uuid4()), name, database, definition, properties)
            self.runs.append(run)
            generation = self._generation
        threading.Thread(target=self._run, args=(run, generation, user), daemon=True).start()
        return [(name, "SUBMITTED")], ["TaskName", "Status"]

    def drop(self, name: str, if_exists: bool) -> None:
        with self.lock:
            if name not in self.tasks:
                if if_exists:
                    return
                raise StarRocksError(self.fe.config.release.drop_task_missing_text.format(name=name))
            del self.tasks[name]
            for run in self.runs:  # TaskManager.dropTasks -> killTask: an unfinished run ends FAILED
                if run.task_name == name and run.state in ("PENDING", "RUNNING"):
                    run.state, run.error_code, run.error_message = "FAILED", -1, "kill TaskRun"
                    run.finish_time = time.time()

    def snapshot(self) -> pa.Table:
        """Return the ``information_schema.task_runs`` rows of the emulated release."""
        version = self.fe.config.release_tuple()
        redacting, newest = task_tables_redact(version), version >= (4, 0, 0)
        names = TASK_RUN_COLUMNS if newest else TASK_RUN_COLUMNS_BEFORE_4
        with self.lock:
            rows = [r.row(redacting, newest) for r in self.runs]
        # The release's layout (releases.py, TaskRunsSystemTable.java): no CATALOG on 3.1, JOB_ID and
        # PROCESS_TIME only on the newest.
        shown = self.fe.config.release.task_runs_columns
        keep = [i for i, name in enumerate(names) if name in shown]
        return _table([names[i] for i in keep], [[row[i] for i in keep] for row in rows])

    def tasks_snapshot(self) -> pa.Table:
        """Return the ``information_schema.tasks`` rows of the emulated release."""
        redacting = task_tables_redact(self.fe.config.release_tuple())
        with self.lock:
            rows = [t.row(redacting) for t in self.tasks.values()]
        return _table(TASK_COLUMNS, rows)

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
        from airflow_provider_starrocks.testing.fe.files_select import uses_files
        from airflow_provider_starrocks.testing.fe.insert_jobs import run_insert

        if not self._hold(run, generation, "PENDING", self.fe.config.pending_delay):
            return
        with self.lock:
            run.state, run.process_time = "RUNNING", time.time()
        if not self._hold(run, generation, "RUNNING", self.fe.config.loading_delay):
            return
        try:
            if uses_files(run.definition):
                job_id: int | None = run_files_insert(self.fe, run.definition, run.database, user).id
            else:  # INSERT INTO t SELECT * FROM other (test/sql/test_task/R/test_submit_task_with_properties)
                job_id = run_insert(self.fe, run.definition, run.database, user)
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
            run.state, run.job_id, run.finish_time = "SUCCESS", job_id, time.time()


def _table(names: list[str], rows: list[list[Any]]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [() for _ in names]
    kinds: dict[str, pa.DataType] = {"ERROR_CODE": pa.int64(), "JOB_ID": pa.int64()}
    for name in ("CREATE_TIME", "FINISH_TIME", "EXPIRE_TIME", "PROCESS_TIME"):
        kinds[name] = pa.timestamp("s")
    return pa.table({n: pa.array(list(c), type=kinds.get(n, pa.string())) for n, c in zip(names, columns)})
