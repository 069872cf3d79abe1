"""Test session setup: a private AIRFLOW_HOME with a SQLite metadata DB, created once per session."""

from __future__ import annotations

import os
import tempfile
from importlib.metadata import version

# Set before Airflow is imported anywhere in the session.
_HOME = tempfile.mkdtemp(prefix="airflow-provider-starrocks-tests-")
os.environ["AIRFLOW_HOME"] = _HOME
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", os.path.join(_HOME, "dags"))
if int(version("apache-airflow").split(".")[0]) < 3:
    # Airflow 2's default LocalExecutor refuses SQLite, which dag.test() with a sensor trips over.
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def airflow_db():
    """Create the metadata DB once; tests that run DAGs with ``dag.test()`` depend on it."""
    from airflow_provider_starrocks.testing.dags import prepare_airflow_db

    prepare_airflow_db()


@pytest.fixture
def run_dag(airflow_db):
    """Run a DAG with ``dag.test()`` and return a :class:`DagRunResult`."""
    from airflow_provider_starrocks.testing.dags import run_dag as _run_dag

    return _run_dag


@pytest.fixture(autouse=True)
def _airflow2_logs_to_stdout():
    """Airflow 3 logs tasks through structlog to stdout; make Airflow 2's stdlib task logs land there too."""
    import logging
    import sys

    from airflow_provider_starrocks.testing.dags import AIRFLOW_3

    if AIRFLOW_3:
        yield
        return

    class _CurrentStdout:  # resolved at each write, so pytest's per-test capture sees it
        def write(self, text: str) -> None:
            sys.stdout.write(text)

        def flush(self) -> None:
            sys.stdout.flush()

    handler = logging.StreamHandler(_CurrentStdout())
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(name)s: %(message)s"))
    loggers = [logging.getLogger("airflow.task"), logging.getLogger("airflow_provider_starrocks")]
    for logger in loggers:
        logger.addHandler(handler)
    yield
    for logger in loggers:
        logger.removeHandler(handler)


ORDERS_DDL = (
    "CREATE TABLE sales.{name} (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE) DUPLICATE KEY(id)"
)


@pytest.fixture
def sales(starrocks):
    """The local stack with database ``sales`` and table ``orders``; its statement log emptied."""
    starrocks.sql("CREATE DATABASE sales", ORDERS_DDL.format(name="orders"))
    starrocks.statements.clear()
    return starrocks


@pytest.fixture
def openlineage_events(tmp_path):
    """
    Enable the openlineage provider's listener with a file transport; return a reader of the events emitted.

    Configured as a user would (``[openlineage] transport`` as an environment variable), plus
    ``execute_in_thread`` so that emission does not fork the test process. The provider reads its config once
    (cached) and its plugin decides at import whether to register the listener: the caches are cleared, the
    listener added to the listener manager that ``dag.test()`` calls, and both undone afterwards.
    """
    pytest.importorskip("airflow.providers.openlineage", reason="the openlineage provider is not installed")
    from airflow_provider_starrocks.testing.dags import AIRFLOW_3

    if not AIRFLOW_3:
        # Airflow 2.11's listener emits DAG-run events through a forked ProcessPoolExecutor, which deadlocks in
        # this multi-threaded test process (stack threads, triggers); the lineage code itself is shared.
        pytest.skip("OpenLineage events are tested on Airflow 3 (2.11's listener forks a process pool)")
    import json

    from airflow.providers.openlineage import conf as ol_conf
    from airflow.providers.openlineage.plugins.listener import get_openlineage_listener

    try:  # Airflow 3: tasks call the task SDK's listener manager
        from airflow.sdk.listener import get_listener_manager
    except ImportError:
        from airflow.listeners.listener import get_listener_manager  # type: ignore[no-redef]

    def clear_caches() -> None:
        for value in vars(ol_conf).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()

    manager = get_listener_manager()  # plugins integrated before the transport is set: listener not yet on
    path = tmp_path / "openlineage.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(
            "AIRFLOW__OPENLINEAGE__TRANSPORT",
            json.dumps({"type": "file", "log_file_path": str(path), "append": True}),
        )
        mp.setenv("AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD", "True")
        mp.setenv("AIRFLOW__OPENLINEAGE__NAMESPACE", "starrocks-tests")
        clear_caches()
        listener = get_openlineage_listener()
        listener.adapter._client = None  # built again from the transport above
        registered = manager.pm.is_registered(listener)
        manager.add_listener(listener)

        def read() -> list[dict]:
            if not path.exists():
                return []
            return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

        try:
            yield read
        finally:
            if not registered:
                manager.pm.unregister(listener)
            listener.adapter._client = None
    clear_caches()


# -- pipes: Parquet objects in moto, written as the emulated cluster's instance role (which may write under unload/)
PIPE_SOURCE = "s3://starrocks-test/unload/pipe_src"
_PIPE_WRITER = {"aws.s3.use_instance_profile": "true", "aws.s3.region": "us-west-2"}


class PipeSourceFiles:
    """Write day files under ``PIPE_SOURCE/<day>/`` for pipe tests."""

    source = PIPE_SOURCE

    def __init__(self, stack):
        self.stack = stack

    def put_day(self, day, first_id=1, count=3, name="part-0.parquet"):
        """Write one day's Parquet file and return its s3:// name."""
        import datetime
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        date = datetime.date.fromisoformat(day)
        ids = list(range(first_id, first_id + count))
        table = pa.table(
            {
                "id": pa.array(ids, pa.int64()),
                "name": pa.array([f"n{i}" for i in ids], pa.string()),
                "amount": pa.array([1.5 * i for i in ids], pa.float64()),
                "dt": pa.array([date] * count, pa.date32()),
            }
        )
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        uri = f"{PIPE_SOURCE}/{day}/{name}"
        self.stack.aws.write_object(_PIPE_WRITER, uri, buffer.getvalue())
        return uri

    def put_bad(self, day, name="broken.parquet"):
        """Write a file that is not Parquet and return its s3:// name."""
        uri = f"{PIPE_SOURCE}/{day}/{name}"
        self.stack.aws.write_object(_PIPE_WRITER, uri, b"not a parquet file")
        return uri


@pytest.fixture
def pipe_source(sales):
    """Write pipe source files into moto for the ``sales`` stack."""
    return PipeSourceFiles(sales)
