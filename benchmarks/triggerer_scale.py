"""
Many deferred broker loads in one triggerer event loop: FE statements per poll cycle, the longest event-loop
block, FINISHED-to-event latency and memory per trigger, shared poller against one query per trigger.

The local stack runs out of process, so the FE emulator's work does not count as loop blocking. For each mode a
fresh child process submits ``--triggers`` loads that stay LOADING for ``--load-seconds`` plus a random part of
``--spread`` seconds, then runs one ``StarRocksLoadTrigger`` per load in one event loop. ``naive`` is the same
trigger with the shared poller off (its own connection and ``SHOW LOAD`` per poll, with backoff and jitter).
Latency is the event time minus the FE's FINISHED time (same clock). Targets for ``shared``: statements per
cycle <= databases (1 here), loop block < 0.1 s, p99 latency <= one poll interval.

Run: ``.venv/bin/python benchmarks/triggerer_scale.py [--triggers 500] [--poll-interval 1] [--spread 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-triggerer-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

SOURCE = "s3://starrocks-test/sample/orders.parquet"
DATABASE = "bench"
MODES = ("naive", "shared")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fe_connection():
    import pymysql

    conn = json.loads(os.environ["AIRFLOW_CONN_STARROCKS_DEFAULT"])
    return pymysql.connect(
        host=conn["host"], port=conn["port"], user=conn["login"], password=conn["password"], autocommit=True
    )


def submit(mode: str, count: int) -> dict[str, int]:
    aws = json.loads(os.environ["AIRFLOW_CONN_AWS_IAM_USER"])
    conn = fe_connection()
    with conn.cursor() as cursor:
        for index in range(count):
            cursor.execute(
                f'LOAD LABEL {DATABASE}.{mode}_{index} (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
                f'("aws.s3.access_key" = "{aws["login"]}", "aws.s3.secret_key" = "{aws["password"]}", '
                '"aws.s3.region" = "us-west-2")'
            )
        cursor.execute(f"SHOW LOAD FROM {DATABASE}")
        ids = {row[1]: int(row[0]) for row in cursor.fetchall()}
    conn.close()
    return {label: job for label, job in ids.items() if label.startswith(f"{mode}_")}


async def watch(stop: asyncio.Event, out: dict) -> None:
    """Measure how late a 10 ms sleep wakes up (the loop's longest block), peak RSS and the pollers seen."""
    from airflow_provider_starrocks.triggers._poller import active_pollers

    loop = asyncio.get_running_loop()
    pollers: set = set()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(0.01)
        out["max_block"] = max(out["max_block"], loop.time() - start - 0.01)
        out["rss_peak"] = max(out["rss_peak"], rss())
        pollers.update(active_pollers())
    out["cycles"] = sum(p.cycles for p in pollers)
    out["query_mean"] = sum(p.query_seconds for p in pollers) / max(out["cycles"], 1)
    out["query_max"] = max((p.query_seconds_max for p in pollers), default=0.0)


async def run_triggers(mode: str, jobs: dict[str, int], poll_interval: float) -> dict:
    from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

    class NaiveTrigger(StarRocksLoadTrigger):
        shared_polling = False

    cls = NaiveTrigger if mode == "naive" else StarRocksLoadTrigger
    out: dict = {"max_block": 0.0, "rss_before": rss(), "rss_peak": 0, "events": {}, "failed": 0}
    deadline = time.time() + 3600

    async def follow(label: str, job_id: int) -> None:
        trigger = cls(
            starrocks_conn_id="starrocks_default",
            database=DATABASE,
            label=label,
            job_id=job_id,
            poll_interval=poll_interval,
            deadline=deadline,
        )
        async for event in trigger.run():
            out["events"][label] = time.time()
            out["failed"] += event.payload["status"] != "success"

    stop = asyncio.Event()
    watcher = asyncio.ensure_future(watch(stop, out))
    started = time.time()
    await asyncio.gather(*(follow(label, job_id) for label, job_id in jobs.items()))
    out["duration"] = time.time() - started
    stop.set()
    await watcher
    return out


def child(mode: str, count: int, poll_interval: float) -> None:
    # Imports a triggerer pays once per process, not per trigger: out of the measurement.
    import aiomysql  # noqa: F401

    import airflow_provider_starrocks.hooks.starrocks
    import airflow_provider_starrocks.triggers._poller
    import airflow_provider_starrocks.triggers.load  # noqa: F401

    jobs = submit(mode, count)
    print("SUBMITTED", flush=True)
    sys.stdin.readline()  # the parent reads the FE counters, then says go
    result = asyncio.run(run_triggers(mode, jobs, poll_interval))
    print("RESULT " + json.dumps(result), flush=True)


def prepare(stack, args: argparse.Namespace) -> None:
    """Start each mode from an empty FE (the same number of jobs to scan) with the same phase timings."""
    stack.reset()
    conn = fe_connection()
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {DATABASE}")
        cursor.execute(
            f"CREATE TABLE {DATABASE}.orders (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE)"
        )
    conn.close()
    stack.configure(
        pending_delay=0,
        queueing_delay=0,
        prepared_delay=0,
        loading_delay=args.load_seconds,
        loading_jitter=args.spread,
        label_keep_max_num=10 * args.triggers,
    )


def measure(stack, mode: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--triggers", str(args.triggers)]
    command += ["--poll-interval", str(args.poll_interval)]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None
    assert proc.stdout is not None
    while proc.stdout.readline().strip() != "SUBMITTED":
        pass
    before = stack.stats()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    while not (line := proc.stdout.readline()).startswith("RESULT "):
        if not line:
            raise RuntimeError(f"the {mode} child exited with {proc.wait()}")
    result = json.loads(line[len("RESULT ") :])
    proc.wait()
    after = stack.stats()
    finished = {label: job[2] for label, job in after["jobs"].items() if label in result["events"]}
    latencies = sorted(result["events"][label] - at for label, at in finished.items() if at)
    status = after["status_queries"] - before["status_queries"]
    intervals = result["duration"] / args.poll_interval
    return {
        "per_interval": status / intervals,
        "per_cycle": status / result["cycles"] if result["cycles"] else status / intervals,
        "block": result["max_block"],
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "kib": (result["rss_peak"] - result["rss_before"]) / len(result["events"]) / 1024,
        "events": len(result["events"]),
        "failed": result["failed"],
        "duration": result["duration"],
        "query_mean": result["query_mean"],
        "query_max": result["query_max"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triggers", type=int, default=500)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--load-seconds", type=float, default=2.0, help="shortest LOADING stay")
    parser.add_argument("--spread", type=float, default=30.0, help="random extra LOADING stay, up to")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.triggers, args.poll_interval)
        return 0

    from airflow_provider_starrocks.testing.stack import StarRocksStack

    stack = StarRocksStack(out_of_process=True).start()
    try:
        os.environ.update(stack.env())
        rows = {}
        for mode in MODES:
            prepare(stack, args)
            rows[mode] = measure(stack, mode, args)
    finally:
        stack.stop()

    base = rows["naive"]
    print(
        f"{args.triggers} triggers, 1 database, poll_interval {args.poll_interval}s, loads end "
        f"{args.load_seconds}-{args.load_seconds + args.spread}s after submission"
    )
    header = (
        "mode",
        "stmts/interval",
        "stmts/cycle",
        "max block s",
        "p50 s",
        "p99 s",
        "KiB/trigger",
        "events",
    )
    print("{:<8}{:>15}{:>12}{:>13}{:>8}{:>8}{:>13}{:>8}".format(*header))
    for mode, row in rows.items():
        print(
            f"{mode:<8}{row['per_interval']:>15.1f}{row['per_cycle']:>12.2f}{row['block']:>13.3f}"
            f"{row['p50']:>8.3f}{row['p99']:>8.3f}{row['kib']:>13.1f}{row['events'] - row['failed']:>5}/{row['events']}"
        )
    shared = rows["shared"]
    print(
        f"shared vs naive: statements {shared['per_interval'] / base['per_interval']:.3f}x, "
        f"max block {shared['block'] / base['block']:.2f}x, p99 {shared['p99'] / base['p99']:.2f}x, "
        f"memory {shared['kib'] / base['kib']:.2f}x"
    )
    answer = shared["query_mean"]
    print(
        f"shared poller status query: mean {answer:.3f} s, max {shared['query_max']:.3f} s "
        "(the FE's answer time, part of the latency)"
    )
    checks = {
        "statements/cycle <= 1": shared["per_cycle"] <= 1,
        "max block < 0.1 s": shared["block"] < 0.1,
        f"p99 <= poll interval + mean answer ({args.poll_interval + answer:.3f} s)": shared["p99"]
        <= args.poll_interval + answer,
    }
    print("targets: " + "; ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in checks.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
