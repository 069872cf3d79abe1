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

PROBE = """
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))))
"""


def parse_time_modules() -> list[str]:
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


def test_operator_sensor_and_trigger_modules_load_no_heavy_module():
    modules = parse_time_modules()
    assert "airflow_provider_starrocks.operators.broker_load" in modules
    assert "airflow_provider_starrocks.triggers._poller" in modules
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=modules, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
