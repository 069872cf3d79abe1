"""FE settings and counters of the local stack, in process and out of process (``serve --control``)."""

from __future__ import annotations

import time

import pytest

from airflow_provider_starrocks.testing.stack import StarRocksStack


def run(stack, *statements):
    import pymysql

    conn = pymysql.connect(host=stack.fe_host, port=stack.fe_port, user=stack.user, password=stack.password)
    with conn, conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        return cursor.fetchall()


def load_and_wait(stack, label):
    run(
        stack,
        "CREATE DATABASE IF NOT EXISTS d",
        "CREATE TABLE IF NOT EXISTS d.t (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE)",
        f'LOAD LABEL d.{label} (DATA INFILE("s3://starrocks-test/sample/orders.parquet") INTO TABLE t) '
        'WITH BROKER ("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")',
    )
    for _ in range(3000):
        jobs = stack.stats()["jobs"]
        if jobs[label][1] == "FINISHED":
            return jobs[label]
        time.sleep(0.01)
    raise AssertionError(f"{label} did not finish")


def test_configure_and_stats_in_process(starrocks):
    starrocks.configure(loading_delay=0, loading_jitter=0.01)
    assert starrocks.fe.config.loading_jitter == 0.01
    with pytest.raises(ValueError, match="Unknown FE setting"):
        starrocks.configure(no_such_setting=1)
    database, state, finished = load_and_wait(starrocks, "in_proc")
    assert (database, state) == ("d", "FINISHED")
    assert isinstance(finished, float)
    stats = starrocks.stats()
    assert stats["statements"] == len(starrocks.statements)
    assert stats["status_queries"] == sum("SHOW LOAD" in s for s in starrocks.statements)


def test_configure_and_stats_out_of_process():
    with StarRocksStack(out_of_process=True) as stack:
        stack.configure(pending_delay=0, queueing_delay=0, loading_delay=0, prepared_delay=0)
        before = stack.stats()
        database, state, _ = load_and_wait(stack, "out_of_proc")
        assert (database, state) == ("d", "FINISHED")
        run(stack, 'SHOW LOAD FROM d WHERE LABEL = "out_of_proc"')
        after = stack.stats()
        assert after["statements"] - before["statements"] >= 4  # the client's own SET statements come on top
        assert after["status_queries"] - before["status_queries"] == 1
