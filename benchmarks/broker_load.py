"""
Broker load overhead against the local stack: FE statements per load and per poll, and the wall time added
between the job reaching FINISHED and the task succeeding, for the sync and deferrable paths.

Both are compared with a naive baseline measured in the same process: a PythonOperator that sends the LOAD with
pymysql and polls ``SHOW LOAD`` every ``poll_interval`` with ``time.sleep`` (the pattern of StarRocks's own
Airflow docs). The added wall time includes ``dag.test()``'s bookkeeping after the task, the same for all three.

Run: ``.venv/bin/python benchmarks/broker_load.py [--runs 5] [--poll-interval 0.5] [--load-seconds 2]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="bench-broker-load-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", os.path.join(os.environ["AIRFLOW_HOME"], "dags"))

SOURCE = "s3://starrocks-test/sample/orders.parquet"
START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def naive_load(stack, label, poll_interval):
    import pymysql

    conn = pymysql.connect(host=stack.fe_host, port=stack.fe_port, user=stack.user, password=stack.password)
    access, secret = stack.aws.users["loader"]
    with conn.cursor() as cursor:
        cursor.execute(
            f'LOAD LABEL bench.{label} (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
            f'("aws.s3.access_key" = "{access}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2")'
        )
        while True:
            time.sleep(poll_interval)
            cursor.execute(f"SHOW LOAD FROM bench WHERE LABEL = '{label}'")
            state = cursor.fetchall()[0][2]
            if state in ("FINISHED", "CANCELLED"):
                return state


def build(mode, index, stack, poll_interval):
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG

    from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

    with DAG(f"bench_{mode}", schedule=None, start_date=START, catchup=False) as dag:
        if mode == "naive":
            PythonOperator(
                task_id="load", python_callable=naive_load, op_args=[stack, f"naive_{index}", poll_interval]
            )
        else:
            StarRocksS3BrokerLoadOperator(
                task_id="load",
                database="bench",
                table="orders",
                source=SOURCE,
                aws_conn_id="aws_iam_user",
                poll_interval=poll_interval,
                deferrable=mode == "deferrable",
            )
    return dag


def measure(stack, mode, runs, poll_interval):
    from airflow_provider_starrocks.testing.dags import run_dag

    per_load, per_poll, added = [], [], []
    for index in range(runs):
        before = len(stack.statements)
        result = run_dag(build(mode, index, stack, poll_interval))
        done = time.time()
        assert result.state == "success", result
        sent = [s for s in stack.statements[before:] if not s.startswith("SET ")]
        # Per-label SHOW LOAD (worker, naive) or the shared poller's batched information_schema.loads (trigger).
        polls = sum(s.startswith("SHOW LOAD") or "information_schema.loads" in s for s in sent)
        job = max(stack.fe.loads.all_jobs(), key=lambda j: j.id)
        per_load.append(len(sent))
        per_poll.append(polls)
        added.append(done - job.finish_time)
    return statistics.median(per_load), statistics.median(per_poll), statistics.median(added)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--poll-interval", type=float, default=0.5)
    parser.add_argument("--load-seconds", type=float, default=2.0)
    args = parser.parse_args()

    from airflow_provider_starrocks.testing.dags import prepare_airflow_db
    from airflow_provider_starrocks.testing.stack import StarRocksStack

    prepare_airflow_db()
    stack = StarRocksStack().start()
    try:
        os.environ.update(stack.env())
        import pymysql

        conn = pymysql.connect(
            host=stack.fe_host, port=stack.fe_port, user=stack.user, password=stack.password
        )
        with conn.cursor() as cursor:
            cursor.execute("CREATE DATABASE bench")
            cursor.execute("CREATE TABLE bench.orders (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE)")
        conn.close()
        stack.fe.config.loading_delay = args.load_seconds
        measure(
            stack, "sync", 1, args.poll_interval
        )  # warm-up: the first dag.test() starts the execution API
        rows = {
            mode: measure(stack, mode, args.runs, args.poll_interval)
            for mode in ("naive", "sync", "deferrable")
        }
    finally:
        stack.stop()

    base_load, base_polls, base_added = rows["naive"]
    print(f"load phase {args.load_seconds}s, poll_interval {args.poll_interval}s, median of {args.runs} runs")
    print(f"{'path':<11}{'statements':>11}{'polls':>7}{'stmts/poll':>12}{'added s':>9}{'x naive':>9}")
    for mode, (load, polls, added) in rows.items():
        print(
            f"{mode:<11}{load:>11.0f}{polls:>7.0f}{(load - 1) / max(polls, 1):>12.2f}{added:>9.3f}"
            f"{added / base_added:>9.2f}"
        )
    print(
        f"statements vs naive: sync {rows['sync'][0] / base_load:.2f}x, deferrable {rows['deferrable'][0] / base_load:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
