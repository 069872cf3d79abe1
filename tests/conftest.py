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
