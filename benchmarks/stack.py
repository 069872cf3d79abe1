"""
Local stack speed: start time, SHOW LOAD round trip, and a 100k-row Parquet broker load.

Each figure is printed next to a baseline measured in the same process, with the ratio:
- stack start vs. starting moto's server alone;
- SHOW LOAD round trip vs. ``SELECT 1`` on the same open connection (median of 200);
- the 100k-row load (submit to FINISHED, phase delays set to 0) vs. pyarrow reading the same file from bytes.
Targets (issue #3): start < 3 s, round trip < 5 ms median, 100k rows < 1 s.

Run: ``.venv/bin/python benchmarks/stack.py``
"""

from __future__ import annotations

import io
import statistics
import time
import urllib.request

import pyarrow as pa
import pyarrow.parquet as pq
import pymysql

from airflow_provider_starrocks.testing.aws import AwsEmulator
from airflow_provider_starrocks.testing.sample_data import sample_objects
from airflow_provider_starrocks.testing.stack import StarRocksStack

ROWS = 100_000
KEY = "bench/orders_100k.parquet"


def _parquet_100k() -> bytes:
    table = pa.table(
        {
            "id": pa.array(range(ROWS), pa.int64()),
            "name": pa.array([f"name-{i % 1000}" for i in range(ROWS)]),
            "amount": pa.array([i * 0.5 for i in range(ROWS)]),
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _median_ms(cursor: pymysql.cursors.Cursor, sql: str, n: int = 200) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _row(label: str, value: float, unit: str, baseline: float, baseline_name: str, target: str) -> None:
    print(
        f"{label:<28} {value:9.2f} {unit}   baseline {baseline_name}: {baseline:8.2f} {unit}   "
        f"ratio {value / baseline:6.2f}   target {target}"
    )


def main() -> None:
    from moto.server import ThreadedMotoServer

    t0 = time.perf_counter()
    moto_only = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    moto_only.start()
    host, port = moto_only.get_host_and_port()
    urllib.request.urlopen(f"http://{host}:{port}/moto-api/data.json").read()
    moto_start = time.perf_counter() - t0
    moto_only.stop()

    body = _parquet_100k()
    aws = AwsEmulator(objects={**sample_objects(), KEY: body})
    t0 = time.perf_counter()
    stack = StarRocksStack(aws=aws)
    aws.start()
    stack.start()
    stack_start = time.perf_counter() - t0
    try:
        for phase in ("pending", "queueing", "loading", "prepared"):
            setattr(stack.fe.config, f"{phase}_delay", 0.0)
        conn = pymysql.connect(
            host=stack.fe_host, port=stack.fe_port, user=stack.user, password=stack.password
        )
        cur = conn.cursor()
        cur.execute("CREATE DATABASE bench")
        cur.execute("USE bench")
        cur.execute(
            "CREATE TABLE orders (id BIGINT, name VARCHAR(64), amount DOUBLE) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)"
        )
        select_1 = _median_ms(cur, "SELECT 1")
        show_load = _median_ms(cur, 'SHOW LOAD WHERE LABEL = "none"')

        t0 = time.perf_counter()
        pq.read_table(io.BytesIO(body))
        arrow_read = time.perf_counter() - t0

        key, secret = aws.users["loader"]
        t0 = time.perf_counter()
        cur.execute(
            f'LOAD LABEL bench.bench_100k (DATA INFILE("s3://starrocks-test/{KEY}") INTO TABLE orders '
            f'FORMAT AS "parquet") WITH BROKER ("aws.s3.use_instance_profile" = "false", '
            f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2")'
        )
        while True:
            cur.execute('SHOW LOAD WHERE LABEL = "bench_100k"')
            columns = [c[0] for c in cur.description]
            job = dict(zip(columns, cur.fetchall()[-1]))
            state = job["State"]
            if state in ("FINISHED", "CANCELLED"):
                break
            time.sleep(0.005)
        load = time.perf_counter() - t0
        cur.execute("SELECT count(*) FROM orders")
        loaded = cur.fetchone()[0]
        conn.close()
    finally:
        stack.stop()
        aws.stop()

    print(f"StarRocks FE emulator + moto, {ROWS} rows, load state {state}, rows loaded {loaded}")
    if state != "FINISHED":
        raise SystemExit(f"load did not finish: {job['ErrorMsg']}")
    _row("stack start", stack_start, "s ", moto_start, "moto server alone", "< 3 s")
    _row("SHOW LOAD round trip", show_load, "ms", select_1, "SELECT 1", "< 5 ms median")
    _row("100k-row Parquet load", load, "s ", arrow_read, "pyarrow read", "< 1 s")


if __name__ == "__main__":
    main()
