"""
Many deferred broker loads in one triggerer event loop: FE statements per poll cycle, the longest event-loop
block, FINISHED-to-event latency, wall time and memory per trigger, shared poller against one query per trigger.

The local stack runs out of process, so the FE emulator's work does not count as loop blocking. For each count
of ``--triggers`` (500 and 5,000 by default, side by side) and each mode a fresh child process submits that many
loads that stay LOADING for ``--load-seconds`` plus a random part of ``--spread`` seconds, then runs one
``StarRocksLoadTrigger`` per load in one event loop. ``naive`` is the same trigger with the shared poller off
(its own connection and ``SHOW LOAD`` per poll, with backoff and jitter); a naive run still going after
``--naive-budget`` seconds is stopped and reported as not finished (the baseline then stands at the smaller
counts). Latency is the event time minus the FE's FINISHED time (same clock). Targets for ``shared``: at most one
status statement per (connection, database, kind) and cycle (one key here), loop block < 0.1 s, p99 latency
<= one poll interval plus the longest cycle's answer time (FE answer and row parsing).

Run: ``.venv/bin/python benchmarks/triggerer_scale.py [--triggers 500 5000] [--poll-interval 1] [--spread 30]``
(about 7 minutes on 2 cores, most of it submitting 5,000 loads to the emulator twice).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
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
    out["keys"] = len({(p.connection.conn_id, p.database, p.kind) for p in pollers})
    out["query_mean"] = sum(p.query_seconds for p in pollers) / max(out["cycles"], 1)
    out["query_max"] = max((p.query_seconds_max for p in pollers), default=0.0)


async def run_triggers(mode: str, jobs: dict[str, int], poll_interval: float, budget: float) -> dict:
    from airflow_provider_starrocks.triggers.load import StarRocksLoadTrigger

    class NaiveTrigger(StarRocksLoadTrigger):
        shared_polling = False

    cls = NaiveTrigger if mode == "naive" else StarRocksLoadTrigger
    out: dict = {
        "max_block": 0.0,
        "rss_before": rss(),
        "rss_peak": 0,
        "events": {},
        "started": {},
        "failed": 0,
    }
    deadline = time.time() + 3600

    async def follow(label: str, job_id: int) -> None:
        out["started"][label] = time.time()
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
    followers = []
    for label, job_id in jobs.items():
        # As Airflow's TriggerRunner.create_triggers does: yield to the loop after creating each trigger.
        followers.append(asyncio.ensure_future(follow(label, job_id)))
        await asyncio.sleep(0)
    _, pending = await asyncio.wait(followers, timeout=budget)
    out["finished"] = not pending
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    out["duration"] = time.time() - started
    stop.set()
    await watcher
    return out


def child(mode: str, count: int, poll_interval: float, budget: float) -> None:
    # Imports a triggerer pays once per process, not per trigger: out of the measurement.
    import aiomysql  # noqa: F401

    import airflow_provider_starrocks.hooks.starrocks
    import airflow_provider_starrocks.triggers._poller
    import airflow_provider_starrocks.triggers.load  # noqa: F401
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    StarRocksHook.get_connection("starrocks_default")  # the first lookup's lazy imports, also paid once
    # One INFO progress line per trigger and state change costs about 0.5 ms on a console handler: with 5,000
    # triggers that is the triggers' logging, not polling, so it is off here (--log-info turns it on).
    if not os.environ.get("BENCH_LOG_INFO"):
        logging.getLogger("airflow_provider_starrocks").setLevel(logging.WARNING)

    started = time.time()
    # Freeze the start-up heap (Airflow's imports, about 250 MB): a full collection over it pauses the loop
    # 0.1-0.35 s whatever the triggers do. A triggerer can do the same after start-up.
    gc.collect()
    gc.freeze()
    jobs = submit(mode, count)
    submitted = time.time() - started
    print("SUBMITTED", flush=True)
    sys.stdin.readline()  # the parent reads the FE counters, then says go
    result = asyncio.run(run_triggers(mode, jobs, poll_interval, budget))
    result["submit"] = submitted
    print("RESULT " + json.dumps(result), flush=True)


def prepare(stack, args: argparse.Namespace, count: int) -> None:
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
        label_keep_max_num=10 * count,
    )


def measure(stack, mode: str, count: int, args: argparse.Namespace) -> dict:
    budget = args.naive_budget if mode == "naive" else 3600
    command = [sys.executable, __file__, "--child", mode, "--triggers", str(count)]
    command += ["--poll-interval", str(args.poll_interval), "--naive-budget", str(budget)]
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
    # A load that ended before its trigger started (submitting 5,000 takes a while) counts from the start.
    latencies = [
        result["events"][label] - max(at, result["started"][label]) for label, at in finished.items() if at
    ]
    latencies = sorted(latencies) or [math.nan]
    status = after["status_queries"] - before["status_queries"]
    # Where the triggers without an event stand at the FE (a run stopped at its budget).
    missing = [
        job[1]
        for label, job in after["jobs"].items()
        if label.startswith(f"{mode}_") and label not in result["events"]
    ]
    intervals = result["duration"] / args.poll_interval
    return {
        "per_interval": status / intervals,
        "per_cycle": status / result["cycles"] if result["cycles"] else status / intervals,
        # cycles are summed over the pollers, one per (connection, database, kind): statements per key and cycle
        "per_key_cycle": status / result["cycles"] if result["cycles"] else math.nan,
        "block": result["max_block"],
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "kib": (result["rss_peak"] - result["rss_before"]) / max(len(result["events"]), 1) / 1024,
        "events": len(result["events"]),
        "count": count,
        "finished": result["finished"],
        "missing": {state: missing.count(state) for state in sorted(set(missing))},
        "submit": result["submit"],
        "failed": result["failed"],
        "duration": result["duration"],
        "query_mean": result["query_mean"],
        "query_max": result["query_max"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triggers", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--load-seconds", type=float, default=2.0, help="shortest LOADING stay")
    parser.add_argument("--spread", type=float, default=30.0, help="random extra LOADING stay, up to")
    parser.add_argument(
        "--naive-budget", type=float, default=120.0, help="seconds after which a naive run is stopped"
    )
    parser.add_argument("--log-info", action="store_true", help="keep the triggers' INFO progress lines")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.triggers[0], args.poll_interval, args.naive_budget)
        return 0

    from airflow_provider_starrocks.testing.stack import StarRocksStack

    if args.log_info:
        os.environ["BENCH_LOG_INFO"] = "1"

    stack = StarRocksStack(out_of_process=True).start()
    rows: dict[tuple[int, str], dict] = {}
    try:
        os.environ.update(stack.env())
        for count in args.triggers:
            for mode in MODES:
                prepare(stack, args, count)
                rows[count, mode] = measure(stack, mode, count, args)
                print(
                    f"... {count} {mode}: {rows[count, mode]['duration']:.0f} s", file=sys.stderr, flush=True
                )
    finally:
        stack.stop()
    report(rows, args)
    return 0


def report(rows: dict[tuple[int, str], dict], args: argparse.Namespace) -> None:
    print(
        f"1 database, poll_interval {args.poll_interval}s, loads end {args.load_seconds}-"
        f"{args.load_seconds + args.spread}s after submission; stack out of process"
    )
    header = ("triggers", "mode", "stmts/interval", "stmts/cycle/key", "max block s", "p50 s", "p99 s")
    header += ("wall s", "submit s", "KiB/trigger", "events")
    print("{:<9}{:<7}{:>15}{:>16}{:>12}{:>8}{:>8}{:>8}{:>9}{:>12}{:>12}".format(*header))
    for (count, mode), row in rows.items():
        events = f"{row['events'] - row['failed']}/{count}"
        print(
            f"{count:<9}{mode:<7}{row['per_interval']:>15.1f}{row['per_key_cycle']:>16.2f}{row['block']:>12.3f}"
            f"{row['p50']:>8.3f}{row['p99']:>8.3f}{row['duration']:>8.0f}{row['submit']:>9.1f}"
            f"{row['kib']:>12.1f}{events:>12}" + ("" if row["finished"] else "  NOT FINISHED")
        )
    baseline = max((c for (c, m), r in rows.items() if m == "naive" and r["finished"]), default=None)
    for count in sorted({c for c, _ in rows}):
        shared = rows[count, "shared"]
        naive = rows[count, "naive"]
        if not naive["finished"]:
            print(
                f"{count}: the naive baseline did not finish within {args.naive_budget:.0f} s "
                f"({naive['events']}/{count} events; the FE states of the others: {naive['missing']}); "
                f"it is compared at {baseline} only."
            )
        else:
            print(
                f"{count}: shared vs naive: statements {shared['per_interval'] / naive['per_interval']:.3f}x, "
                f"max block {shared['block'] / naive['block']:.2f}x, p99 {shared['p99'] / naive['p99']:.2f}x, "
                f"wall {shared['duration'] / naive['duration']:.2f}x, memory {shared['kib'] / naive['kib']:.2f}x"
            )
        answer = shared["query_mean"]
        checks = {
            "statements/cycle/(conn,db,kind) <= 1": shared["per_key_cycle"] <= 1,
            "max block < 0.1 s": shared["block"] < 0.1,
            # A trigger waits for the answer of the cycle that serves it: with thousands of labels that is the
            # longest one (FE answer plus parsing), not the mean over the later, smaller cycles.
            f"p99 <= poll interval + longest answer ({args.poll_interval + shared['query_max']:.3f} s)": shared[
                "p99"
            ]
            <= args.poll_interval + shared["query_max"],
            "every trigger got its event": shared["finished"] and shared["events"] == count,
        }
        print(
            f"{count}: shared status query mean {answer:.3f} s, max {shared['query_max']:.3f} s; targets: "
            + "; ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in checks.items())
        )


if __name__ == "__main__":
    sys.exit(main())
