"""Importing the operator, sensor and trigger modules (what a DAG parse pays) loads no heavy dependency."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import airflow_provider_starrocks.operators
import airflow_provider_starrocks.sensors
import airflow_provider_starrocks.triggers

HEAVY = ("pymysql", "aiomysql", "boto3", "botocore", "openlineage")
HOOK = "airflow_provider_starrocks.hooks.starrocks"

PROBE = """
import importlib, json, sys


def loaded(names):
    return sorted(n for n in names if n in sys.modules or any(m.startswith(n + ".") for m in sys.modules))


for name in {modules!r}:
    importlib.import_module(name)
parse_time = loaded({heavy!r} + ({hook!r},))
# The hook and the quoting core are imported by workers, not DAG files: still no driver or cloud SDK.
for name in ("airflow_provider_starrocks", {hook!r}, "airflow_provider_starrocks.utils.sql"):
    importlib.import_module(name)
print(json.dumps({{"parse_time": parse_time, "with_hook": loaded({heavy!r})}}))
"""


def parse_time_modules() -> list[str]:
    """Every module of operators/, sensors/ and triggers/, found on disk (new modules are checked unasked)."""
    packages = (
        airflow_provider_starrocks.operators,
        airflow_provider_starrocks.sensors,
        airflow_provider_starrocks.triggers,
    )
    return [
        info.name
        for package in packages
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")
    ]


def test_parse_time_modules_load_no_driver_sdk_lineage_or_hook():
    """In a fresh process (sys.modules, not timing: benchmarks/import_cost.py measures the milliseconds)."""
    modules = parse_time_modules()
    assert "airflow_provider_starrocks.operators.broker_load" in modules
    assert "airflow_provider_starrocks.triggers._poller" in modules
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=modules, heavy=HEAVY, hook=HOOK)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"parse_time": [], "with_hook": []}


BLOCKED_PROBE = """
import importlib.abc, json, sys, types


class NoOpenLineage(importlib.abc.MetaPathFinder):
    # As if the openlineage client were not installed (the provider's metadata stays: Airflow's provider
    # discovery reads it, and the provider's lineage classes cannot import without the client).
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "openlineage":
            raise ModuleNotFoundError("No module named " + repr(name), name=name)
        return None


sys.meta_path.insert(0, NoOpenLineage())
for name in {modules!r}:
    importlib.import_module(name)
from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator

ti = types.SimpleNamespace(
    dag_id="no_ol", task_id="t", run_id="manual__no_ol", map_index=-1, try_number=1, xcom_push=lambda **_: None
)
source = "s3://starrocks-test/sample/orders.parquet"
load = StarRocksS3BrokerLoadOperator(
    task_id="load", database="sales", table="orders", source=source, aws_conn_id="aws_iam_user", poll_interval=0.05
)
insert = StarRocksInsertFromFilesOperator(
    task_id="insert", database="sales", table="orders", source=source, format="parquet", aws_conn_id="aws_iam_user"
)
results = [load.execute({{"ti": ti}}), insert.execute({{"ti": ti}})]
print(json.dumps({{
    "rows": [results[0]["sink_rows"], results[1]["rows_inserted"]],
    "lineage": [repr(load.get_openlineage_facets_on_complete(None)), repr(insert.get_openlineage_facets_on_complete(None))],
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] == "openlineage" or ".openlineage.extractors" in m),
}}))
"""


def test_without_openlineage_operators_import_run_and_report_no_lineage(sales):
    import os

    env = {**os.environ, **sales.env()}
    out = subprocess.run(
        [sys.executable, "-c", BLOCKED_PROBE.format(modules=parse_time_modules())],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"rows": [100, 100], "lineage": ["None", "None"], "loaded": []}
