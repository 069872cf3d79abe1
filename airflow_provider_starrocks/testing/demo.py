"""
``make demo``: run the main example DAG for real with ``airflow dags test`` and summarize what happened.

By default a local stack (FE emulator + moto, with the sample data on S3) is started in a subprocess and a
throw-away ``AIRFLOW_HOME`` under ``.demo/`` (SQLite, recreated each run) points at it through
``AIRFLOW_CONN_*`` environment variables. With ``STARROCKS_DEMO_REAL=1`` no stack is started: the
connections (``AIRFLOW_CONN_STARROCKS_DEFAULT``, ``AIRFLOW_CONN_AWS_IAM_USER``) and optionally
``AIRFLOW_VAR_STARROCKS_EXAMPLE_BUCKET`` / ``AIRFLOW_VAR_STARROCKS_EXAMPLE_DATABASE`` come from the caller's
environment. ``STARROCKS_DEMO_DATE`` picks the logical date (default ``2024-01-02``); ``STARROCKS_DEMO_DIR``
moves ``.demo/``; ``STARROCKS_DEMO_DAGS_FOLDER`` points at another copy of ``example_dags/``;
``STARROCKS_STACK_PASSWORD`` fixes the local stack's password; ``STARROCKS_DEMO_TIMEOUT`` bounds the DAG run
(default 900 s: the sensor would otherwise wait for a day without files until its own timeout).

Nothing secret is printed: environment values are never echoed, and only chosen log lines are shown (the
full ``airflow dags test`` output goes to ``.demo/dags-test.log``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from airflow_provider_starrocks.testing.stack import StarRocksStack

DAG_ID = "example_starrocks_s3_daily_ingestion"
LOAD_TASK = "load_day"
TABLE = "daily_orders"
DEFAULT_DATE = "2024-01-02"
REQUIRED_CONNECTIONS = ("starrocks_default", "aws_iam_user")
DEFAULT_TIMEOUT = 900.0
TIMED_OUT = -9
#: Log lines worth showing: the load's progress, or why an earlier load was reused.
_PROGRESS = re.compile(
    r"((?:Deferring while load|StarRocks load) label .*?rows)|(Label .*? already FINISHED.*?load\.)"
)
_LOAD_KEYS = (
    "label",
    "state",
    "job_id",
    "progress",
    "scan_rows",
    "filtered_rows",
    "unselected_rows",
    "sink_rows",
    "load_start_time",
    "load_finish_time",
)
_ERROR = re.compile(r"\[error\s*\]|\bERROR\b")
_MAX_ERROR_LINES = 5
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")


def _root() -> Path:
    # A source checkout: <root>/airflow_provider_starrocks/testing/demo.py next to <root>/example_dags.
    here = Path(__file__).resolve().parents[2]
    return here if (here / "example_dags").is_dir() else Path.cwd()


def _say(text: str = "") -> None:
    print(text, flush=True)


def _airflow_env(home: Path, dags_folder: Path, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(extra)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _run(
    command: Sequence[str], env: Mapping[str, str], log: Path, timeout: float | None = None
) -> tuple[int, str]:
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        try:
            proc = subprocess.run(
                command,
                env=dict(env),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            output = (
                exc.output.decode(errors="replace") if isinstance(exc.output, bytes) else exc.output or ""
            )
            out.write(output)
            return TIMED_OUT, output
        out.write(proc.stdout)
    return proc.returncode, proc.stdout


def _missing_connections(env: Mapping[str, str]) -> list[str]:
    return [conn for conn in REQUIRED_CONNECTIONS if not env.get(f"AIRFLOW_CONN_{conn.upper()}")]


def _run_outcome() -> tuple[str | None, list[tuple[str, str]], dict[str, Any]]:
    """Read the latest run of the DAG from the demo's metadata DB (its env must already be in ``os.environ``)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    from airflow_provider_starrocks.testing.dags import return_values

    with create_session() as session:
        runs = session.query(DagRun).filter(DagRun.dag_id == DAG_ID).all()
        if not runs:
            return None, [], {}
        run = max(runs, key=lambda r: r.id)
        tis = sorted(
            run.get_task_instances(session=session), key=lambda ti: (ti.start_date is None, ti.start_date)
        )
        states = [(ti.task_id, str(ti.state)) for ti in tis]
        run_state, run_id = str(run.state), run.run_id
    return run_state, states, return_values(DAG_ID, run_id)


def _query_table(database: str, day: str) -> tuple[int, list[tuple[Any, ...]]]:
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    hook = StarRocksHook(starrocks_conn_id="starrocks_default")
    table = f"`{database}`.`{TABLE}`"
    # main() checked day against _DATE and database against _NAME, so both are safe to inline.
    rows, _ = hook.query(f"SELECT count(*), sum(amount) FROM {table} WHERE dt = '{day}'")
    sample, _ = hook.query(f"SELECT id, name, amount, dt FROM {table} WHERE dt = '{day}' ORDER BY id LIMIT 3")
    return int(rows[0][0]), [tuple(r) for r in sample]


def _start_stack() -> StarRocksStack:
    from airflow_provider_starrocks.testing.stack import StarRocksStack

    return StarRocksStack(out_of_process=True, password=os.environ.get("STARROCKS_STACK_PASSWORD")).start()


def _summarize(output: str, code: int, seconds: float, database: str, day: str) -> bool:
    """Print the run's outcome, the load's progress and metrics and the loaded rows; return whether all is well."""
    run_state, states, xcom = _run_outcome()
    ok = code == 0 and run_state == "success" and bool(states)
    _say()
    _say(f"DAG run: {run_state or 'not found'} (airflow dags test exit {code}, {seconds:.1f} s)")
    if run_state and not states:
        _say("  no task ran: is the date before the DAG's start_date (2024-01-01)?")
    for task_id, state in states:
        _say(f"  {task_id:<20} {state}")
        ok = ok and state == "success"
    if not ok:
        errors = [line.strip()[:300] for line in output.splitlines() if _ERROR.search(line)]
        for line in errors[-_MAX_ERROR_LINES:]:
            _say(f"  ! {line}")

    progress = [m.group(0) for m in _PROGRESS.finditer(output)]
    if progress:
        _say(f"Load progress (from the {LOAD_TASK} task's log):")
        for line in dict.fromkeys(progress):
            _say(f"  {line}")
    load = xcom.get(LOAD_TASK)
    if isinstance(load, dict):
        _say(f"Load result (XCom of {LOAD_TASK}):")
        for key in _LOAD_KEYS:
            _say(f"  {key:<17} {load.get(key)}")

    count = 0
    try:
        count, sample = _query_table(database, day)
    except Exception as exc:  # the table may be missing when an earlier task failed
        _say(f"Query of {database}.{TABLE} failed: {type(exc).__name__}: {str(exc)[:300]}")
        ok = False
    else:
        _say(f"Query: SELECT count(*) FROM {database}.{TABLE} WHERE dt = '{day}' -> {count} rows")
        for row in sample:
            _say("  " + "  ".join(str(value) for value in row))
        ok = ok and count > 0
    _say()
    _say(f"Loaded rows: {count}")
    return ok


def main() -> int:
    """Run the demo; return the process exit code (0 when every task succeeded and rows arrived)."""
    started = time.monotonic()
    root = _root()
    dags_folder = Path(os.environ.get("STARROCKS_DEMO_DAGS_FOLDER") or root / "example_dags")
    day = os.environ.get("STARROCKS_DEMO_DATE") or DEFAULT_DATE
    real = os.environ.get("STARROCKS_DEMO_REAL", "") not in ("", "0", "false", "False")
    if not _DATE.match(day):
        _say(f"STARROCKS_DEMO_DATE must look like 2024-01-02, got {day!r}.")
        return 2
    if not (dags_folder / f"{DAG_ID}.py").is_file():
        _say(
            f"{DAG_ID}.py not found in {dags_folder}: run from a source checkout or set STARROCKS_DEMO_DAGS_FOLDER."
        )
        return 2
    demo_dir = Path(os.environ.get("STARROCKS_DEMO_DIR") or root / ".demo")
    shutil.rmtree(demo_dir, ignore_errors=True)
    home = demo_dir / "airflow"
    home.mkdir(parents=True)
    log = demo_dir / "dags-test.log"

    stack: StarRocksStack | None = None
    try:
        if real:
            missing = _missing_connections(os.environ)
            if missing:
                names = ", ".join(f"AIRFLOW_CONN_{c.upper()}" for c in missing)
                _say(f"STARROCKS_DEMO_REAL=1 needs these environment variables: {names}.")
                return 2
            _say("Target: the StarRocks cluster and S3 of your AIRFLOW_CONN_* variables (no local stack).")
            extra: dict[str, str] = {}
        else:
            _say(
                "Starting the local stack (StarRocks FE emulator + moto S3/STS/IAM/Glue, sample data on S3)..."
            )
            stack = _start_stack()
            extra = stack.env()
            _say(f"  StarRocks FE on 127.0.0.1:{stack.fe_port}, AWS endpoint {stack.aws.endpoint}")
        env = _airflow_env(home, dags_folder, extra)
        bucket = env.get("AIRFLOW_VAR_STARROCKS_EXAMPLE_BUCKET", "starrocks-test")
        database = env.get("AIRFLOW_VAR_STARROCKS_EXAMPLE_DATABASE", "example_db")
        if not _NAME.match(database):
            _say(
                f"AIRFLOW_VAR_STARROCKS_EXAMPLE_DATABASE must be a plain name (letters, digits, _), got {database!r}."
            )
            return 2
        _say(f"AIRFLOW_HOME={home} (SQLite), dags folder {dags_folder}")

        _say("Creating the Airflow metadata DB (airflow db migrate)...")
        code, _ = _run([sys.executable, "-m", "airflow", "db", "migrate"], env, log)
        if code != 0:
            _say(f"airflow db migrate failed (exit {code}); see {log}")
            return 1

        _say(f"Running: airflow dags test {DAG_ID} {day}  (files s3://{bucket}/daily/{day}/*.parquet)")
        test_started = time.monotonic()
        timeout = float(os.environ.get("STARROCKS_DEMO_TIMEOUT") or DEFAULT_TIMEOUT)
        code, output = _run(
            [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, day], env, log, timeout=timeout
        )
        if code == TIMED_OUT:
            # The sensor waits (reschedule mode) until the day's files exist; a wrong date never ends.
            _say(
                f"airflow dags test did not end within {timeout:.0f} s (STARROCKS_DEMO_TIMEOUT): stopped it."
            )
        test_seconds = time.monotonic() - test_started

        os.environ.update(env)
        # This process only reads the results; the hook's INFO statement lines would repeat the summary.
        os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
        ok = _summarize(output, code, test_seconds, database, day)
        _say(
            f"{'SUCCESS' if ok else 'FAILED'}: demo took {time.monotonic() - started:.1f} s; full log: {log}"
        )
        return 0 if ok else 1
    finally:
        if stack is not None:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
