"""Guard: every error the emulator answers is in a StarRocks frame or says "not supported by the StarRocks emulator".

The statements are the conformance cases' own plus mutated variants (truncated, a property misspelled, a value
replaced, a keyword dropped); no DuckDB, pyarrow or Python text may reach the client on any release.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pymysql
import pytest

from airflow_provider_starrocks.testing.fe.client import connect, query
from airflow_provider_starrocks.testing.fe.releases import DEFAULT_VERSIONS, RELEASE_NAMES

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "cases.json").read_text())
# Texts of the emulator's own engines and of Python, never StarRocks's.
FOREIGN = re.compile(
    r"(Binder|Catalog|Conversion|Constraint|Parser|Invalid Input|Not implemented|Out of Range) Error"
    r"|invalid literal for|Traceback|object has no attribute|KeyError|IndexError|TypeError|ArrowInvalid"
    r"|internal error"
)


def _mutations(sql: str) -> list[str]:
    out = [sql, sql[: len(sql) // 2], sql.replace('"format"', '"fromat"'), sql.replace("WHERE", "")]
    out.append(re.sub(r'= "[^"]*"', '= "1x"', sql, count=1))
    out.append(re.sub(r"\bSELECT \*", "SELECT nosuch_column", sql))
    return list(dict.fromkeys(out))


def _statements() -> list[str]:
    seen: dict[str, None] = {}
    for case in CASES:
        if any(s.startswith("@") for s in case["setup"]):
            continue
        for statement in _mutations(case["sql"]):
            seen[statement] = None
    return list(seen)


@pytest.mark.parametrize("release", [pytest.param(r, id=r) for r in RELEASE_NAMES])
def test_no_foreign_error_text(starrocks: Any, release: str) -> None:
    starrocks.fe.config.version = DEFAULT_VERSIONS[release]
    key, secret = starrocks.aws.users["loader"]
    creds = f'"aws.s3.access_key" = "{key}", "aws.s3.secret_key" = "{secret}", "aws.s3.region" = "us-west-2"'
    conn = connect(starrocks.fe)
    foreign: list[tuple[str, str]] = []
    try:
        query(conn, "CREATE DATABASE d")
        query(conn, "USE d")
        query(conn, "CREATE TABLE t (id BIGINT NOT NULL, name VARCHAR(20), amount DOUBLE, dt DATE)")
        for statement in _statements():
            try:
                query(conn, statement.replace("{creds}", creds))
            except pymysql.err.MySQLError as exc:
                text = str(exc.args[-1])
                if FOREIGN.search(text):
                    foreign.append((statement[:120], text[:200]))
            query(conn, "DROP TABLE IF EXISTS d.ft")
    finally:
        conn.close()
    assert foreign == []
