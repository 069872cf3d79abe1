"""The emulator rejects every statement of tests/data/rejected_statements.json exactly as StarRocks does."""

from __future__ import annotations

import json
from pathlib import Path

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, query, wait_for_state

TABLE = Path(__file__).parents[1] / "data" / "rejected_statements.json"
CASES = json.loads(TABLE.read_text())["cases"]


def test_every_case_names_its_source():
    assert all(case["source"] and case["match"] in ("exact", "contains", "prefix") for case in CASES)
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [pytest.param(case, id=case["id"]) for case in CASES])
def test_rejected(starrocks, case):
    key, secret = starrocks.aws.users["loader"]
    broker = f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'
    conn = connect(starrocks.fe)
    try:
        query(conn, "CREATE DATABASE d")
        query(conn, "CREATE TABLE d.t (id BIGINT, name VARCHAR(20), amount DOUBLE, dt DATE)")
        if case.get("use_db", True):
            query(conn, "USE d")
        for statement in case.get("setup", []):
            query(conn, statement.replace("{broker}", broker))
        for label in case.get("wait", []):
            wait_for_state(conn, label, ("FINISHED",), db="d")
        with pytest.raises(pymysql.err.MySQLError) as info:
            query(conn, case["sql"].replace("{broker}", broker))
    finally:
        conn.close()
    message = info.value.args[1]
    if case["match"] == "exact":
        assert message == case["error"]
    elif case["match"] == "prefix":
        assert message.startswith(case["error"])
    else:
        assert case["error"] in message
