"""The FE emulator against StarRocks's own behaviour, release by release.

Each case of ``cases.json`` names the releases it holds for, the statements to run (``setup``, then ``sql``) and
what StarRocks answers (``error`` code and text, ``error_prefix`` / ``error_regex`` for texts with ids,
``columns``, ``rows``, ``row_count`` or ``cells`` of the first
row), and cites the StarRocks files it was copied from as ``path@commit`` of the ``pinterest/starrocks`` release
branches (``testing/fe/releases.py`` lists them). ``{creds}`` stands for the ``loader`` user's S3 keys and
``{write_creds}`` for the ``writer`` user's (S3 write rights, for INSERT INTO FILES()); setup lines starting with
``@`` drive the emulator (``@force_next_load STATE``, ``@wait LABEL STATE``, ``@wait_task NAME STATE``, ``@config NAME
VALUE`` sets an ``FeConfig`` field, ``@wait_pipe PIPE STATE``) or expect a failure (``@fails SQL``: a statement
StarRocks refuses, run for what it leaves behind).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, load_rows, query
from airflow_provider_starrocks.testing.fe.releases import DEFAULT_VERSIONS, RELEASE_NAMES

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "cases.json").read_text())


def _params() -> list[Any]:
    return [
        pytest.param(case, release, id=f"{case['area']}-{case['id']}-{release}")
        for case in CASES
        for release in RELEASE_NAMES
        if release in case["releases"]
    ]


def test_cases_cite_their_sources() -> None:
    for case in CASES:
        assert case["source"], case["id"]
        for source in case["source"]:
            path, _, commit = source.partition("@")
            assert path, (case["id"], source)
            assert len(commit) == 40, (case["id"], source)
        assert set(case["releases"]) <= set(RELEASE_NAMES), case["id"]
    assert len({c["id"] for c in CASES}) == len(CASES)


def _wait(conn: Any, label: str, state: str, deadline_s: float = 20.0) -> None:
    end = time.monotonic() + deadline_s
    while True:
        rows = load_rows(conn, label)
        if rows and rows[-1]["State"] == state:
            return
        assert time.monotonic() < end, f"{label} never reached {state}: {rows}"
        time.sleep(0.02)


def _wait_task(conn: Any, name: str, state: str, deadline_s: float = 20.0) -> None:
    end = time.monotonic() + deadline_s
    sql = f"SELECT STATE FROM information_schema.task_runs WHERE TASK_NAME = '{name}'"
    while True:
        rows, _ = query(conn, sql)
        if rows and rows[-1][0] == state:
            return
        assert time.monotonic() < end, f"task {name} never reached {state}: {rows}"
        time.sleep(0.02)


def _wait_pipe(conn: Any, pipe: str, state: str, deadline_s: float = 20.0) -> None:
    end = time.monotonic() + deadline_s
    while True:
        rows, _ = query(conn, f"SELECT STATE FROM information_schema.pipes WHERE PIPE_NAME = '{pipe}'")
        if rows and rows[0][0] == state:
            return
        assert time.monotonic() < end, f"pipe {pipe} never reached {state}: {rows}"
        time.sleep(0.02)


def _run(
    starrocks: Any, conn: Any, sql: str, creds: str, write_creds: str = ""
) -> tuple[list[tuple[Any, ...]], list[str]]:
    if sql.startswith("@config "):
        _, name, value = sql.split(maxsplit=2)
        current = getattr(starrocks.fe.config, name)
        setattr(starrocks.fe.config, name, type(current)(value) if current is not None else value)
        return [], []
    if sql.startswith("@wait_pipe "):
        _, pipe, state = sql.split()
        _wait_pipe(conn, pipe, state)
        return [], []
    if sql.startswith("@force_next_load "):
        starrocks.fe.force_next_load(sql.split()[1])
        return [], []
    if sql.startswith("@fails "):
        with pytest.raises(pymysql.err.MySQLError):
            query(conn, sql.removeprefix("@fails ").replace("{creds}", creds))
        return [], []
    if sql.startswith("@wait_task "):
        _, name, state = sql.split()
        _wait_task(conn, name, state)
        return [], []
    if sql.startswith("@wait "):
        _, label, state = sql.split()
        _wait(conn, label, state)
        return [], []
    return query(conn, sql.replace("{write_creds}", write_creds).replace("{creds}", creds))


def _plain(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


@pytest.mark.parametrize(("case", "release"), _params())
def test_conformance(starrocks: Any, case: dict[str, Any], release: str) -> None:
    starrocks.fe.config.version = DEFAULT_VERSIONS[release]
    key, secret = starrocks.aws.users["loader"]
    creds = f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'
    key, secret = starrocks.aws.users["writer"]
    write_creds = (
        f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'
    )
    conn = connect(starrocks.fe)
    try:
        for statement in case["setup"]:
            _run(starrocks, conn, statement, creds, write_creds)
        if "error" in case or "error_prefix" in case or "error_regex" in case:
            with pytest.raises(pymysql.err.MySQLError) as info:
                _run(starrocks, conn, case["sql"], creds, write_creds)
            code, text = info.value.args
            if "error" in case:
                assert [code, text] == case["error"]
            elif "error_prefix" in case:
                assert code == case["error_prefix"][0]
                assert text.startswith(case["error_prefix"][1]), text
            else:
                assert code == case["error_regex"][0]
                assert re.fullmatch(case["error_regex"][1], text), text
            return
        rows, columns = _run(starrocks, conn, case["sql"], creds, write_creds)
    finally:
        conn.close()
    if "columns" in case:
        assert columns == case["columns"]
    if "rows" in case:
        assert [[_plain(v) for v in row] for row in rows] == case["rows"]
    if "row_count" in case:
        assert len(rows) == case["row_count"]
    if "cells" in case:
        assert rows, "no row"
        first = dict(zip(columns, rows[0]))
        assert {k: _plain(first[k]) for k in case["cells"]} == case["cells"]
