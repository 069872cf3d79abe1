"""
Import cost of the provider's operator, sensor and trigger modules on top of ``import airflow.sdk``.

DAG files import operators on every parse, so this is what each parse pays. Each measurement is taken inside a
fresh process (whole-process wall times vary by hundreds of milliseconds here), after bytecode is warm, and the
median of several runs is printed as added milliseconds and as a ratio to the baseline (``import airflow.sdk``).
Target: under 50 ms added.

Run: ``.venv/bin/python benchmarks/import_cost.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

MODULES = [
    "airflow_provider_starrocks.operators.catalog",
    "airflow_provider_starrocks.operators.file_table",
    "airflow_provider_starrocks.operators.broker_load",
    "airflow_provider_starrocks.operators.files",
    "airflow_provider_starrocks.sensors.load",
    "airflow_provider_starrocks.triggers.load",
]
HEAVY = ["pymysql", "aiomysql", "boto3", "botocore", "openlineage"]

PROBE = """
import importlib, json, sys, time
t0 = time.perf_counter()
import airflow.sdk
t1 = time.perf_counter()
for name in {modules!r}:
    importlib.import_module(name)
t2 = time.perf_counter()
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))
print(json.dumps({{"baseline": t1 - t0, "added": t2 - t1, "heavy": heavy}}))
"""


def measure(modules: list[str], runs: int, env: dict[str, str]) -> list[dict]:
    code = PROBE.format(modules=modules, heavy=HEAVY)
    results = []
    for _ in range(runs + 1):  # the first run warms bytecode caches and is dropped
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="pycache-")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    modules = [m for m in MODULES if _exists(m)]
    results = measure(modules, args.runs, env)
    baseline = statistics.median(r["baseline"] for r in results) * 1000
    added = statistics.median(r["added"] for r in results) * 1000
    print(f"modules: {', '.join(m.rsplit('.', 2)[-2] + '.' + m.rsplit('.', 1)[-1] for m in modules)}")
    print(f"import airflow.sdk (baseline): {baseline:.1f} ms median of {args.runs}")
    print(
        f"added by the provider modules: {added:.1f} ms  (ratio to baseline {added / baseline:.3f}; target < 50 ms)"
    )
    print(f"heavy modules loaded: {results[-1]['heavy'] or 'none'}")


def _exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
