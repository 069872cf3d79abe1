"""
Import cost of the provider's operator, sensor and trigger modules on top of ``import airflow.sdk``.

DAG files import operators on every parse, so this is what each parse pays. Every figure is the median, over
``--runs`` fresh processes, of the time one ``import`` takes inside the process right after ``import airflow.sdk``
(whole-process wall times vary by hundreds of milliseconds on a shared machine). Bytecode is warm: the first
round is dropped and a private ``PYTHONPYCACHEPREFIX`` is used, so ``PYTHONDONTWRITEBYTECODE`` cannot make every
run compile the project. Rounds are interleaved over the modules so that a noisy second hits all of them.

Printed, in one run: each public module of ``operators/``, ``sensors/`` and ``triggers/`` (found by globbing the
packages, so new modules are measured without editing this file), all of them together (private helpers too),
and the peers a DAG author compares with: common.sql's ``SQLExecuteQueryOperator``, amazon's
``S3ToRedshiftOperator`` and ``RedshiftDataOperator``, each with its ratio to the baseline and to the provider.
Targets (issue 13): each module at most 12 ms, all together under 30 ms. The exit code is 1 when one is missed.

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
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "airflow_provider_starrocks"
PARSE_TIME_PACKAGES = ("operators", "sensors", "triggers")
EACH_TARGET_MS = 12.0
ALL_TARGET_MS = 30.0
PEERS = {
    "common.sql SQLExecuteQueryOperator": "from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator",
    "amazon S3ToRedshiftOperator": "from airflow.providers.amazon.aws.transfers.s3_to_redshift import S3ToRedshiftOperator",
    "amazon RedshiftDataOperator": "from airflow.providers.amazon.aws.operators.redshift_data import RedshiftDataOperator",
}

PROBE = """
import time
t0 = time.perf_counter()
import airflow.sdk
t1 = time.perf_counter()
{statement}
t2 = time.perf_counter()
import json
print(json.dumps({{"baseline": t1 - t0, "added": t2 - t1}}))
"""


def parse_time_modules(*, public_only: bool) -> list[str]:
    """Return the dotted names of the modules in operators/, sensors/ and triggers/ (globbed, sorted).

    :param public_only: leave out private helpers (``_name.py``), which the public modules import.
    """
    names = []
    for package in PARSE_TIME_PACKAGES:
        for path in sorted((PACKAGE / package).glob("*.py")):
            if path.name == "__init__.py" or (public_only and path.name.startswith("_")):
                continue
            names.append(f"airflow_provider_starrocks.{package}.{path.stem}")
    return names


def _probe(statement: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(targets: dict[str, str], runs: int, env: dict[str, str]) -> dict[str, dict[str, float]]:
    """Median baseline and added milliseconds per target, rounds interleaved, the warm-up round dropped.

    :param targets: label -> the import statement to time.
    :param runs: fresh processes per target (after the warm-up).
    :param env: the processes' environment.
    """
    samples: dict[str, list[dict[str, float]]] = {label: [] for label in targets}
    for round_ in range(runs + 1):
        for label, statement in targets.items():
            result = _probe(statement, env)
            if round_:
                samples[label].append(result)
    return {
        label: {
            "baseline": statistics.median(r["baseline"] for r in results) * 1000,
            "added": statistics.median(r["added"] for r in results) * 1000,
        }
        for label, results in samples.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per module (default 7)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPYCACHEPREFIX": tempfile.mkdtemp(prefix="pycache-")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE.parent), env.get("PYTHONPATH")]))

    modules = parse_time_modules(public_only=True)
    every = parse_time_modules(public_only=False)
    targets = {name.removeprefix("airflow_provider_starrocks."): f"import {name}" for name in modules}
    targets["all provider modules"] = "\n".join(f"import {name}" for name in every)
    targets.update(PEERS)
    figures = measure(targets, args.runs, env)

    baseline = statistics.median(f["baseline"] for f in figures.values())
    provider = figures["all provider modules"]["added"]
    print(f"import airflow.sdk (baseline): {baseline:.1f} ms, median of {args.runs} fresh processes per row")
    print(f"{'module':<40} {'added ms':>9} {'/ baseline':>11} {'target':>8}  verdict")
    missed = []
    for label, figure in figures.items():
        added = figure["added"]
        if label in PEERS:
            target, verdict = "", f"provider all = {provider / added:.2f} x this" if added else ""
        else:
            limit = ALL_TARGET_MS if label == "all provider modules" else EACH_TARGET_MS
            target = f"{'<' if label == 'all provider modules' else '<='} {limit:.0f}"
            ok = added < limit if label == "all provider modules" else added <= limit
            verdict = "ok" if ok else "MISSED"
            if not ok:
                missed.append(label)
        print(f"{label:<40} {added:>9.1f} {added / baseline:>11.3f} {target:>8}  {verdict}")
    if args.json:
        print(json.dumps({"baseline_ms": baseline, "added_ms": {k: v["added"] for k, v in figures.items()}}))
    if missed:
        print(f"targets missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
