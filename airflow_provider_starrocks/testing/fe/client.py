"""Small pymysql helpers for talking to the emulator in tests and scripts."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.emulator import FeEmulator


def connect(
    fe: FeEmulator, *, database: str | None = None, password: str | None = None, **kwargs: Any
) -> Any:
    """Open a pymysql connection to the emulator (TLS off, autocommit on).

    :param fe: the emulator.
    :param database: the initial database.
    :param password: override the password (to test refusals).
    :param kwargs: more ``pymysql.connect`` arguments.
    """
    import pymysql

    return pymysql.connect(
        host=fe.host,
        port=fe.port,
        user=kwargs.pop("user", fe.user),
        password=fe.password if password is None else password,
        database=database,
        autocommit=True,
        ssl_disabled=True,
        **kwargs,
    )


def query(conn: Any, sql: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Run one statement and return ``(rows, column names)``.

    :param conn: a pymysql connection.
    :param sql: the statement.
    """
    with conn.cursor() as cur:
        cur.execute(sql)
        columns = [d[0] for d in cur.description or []]
        return [tuple(r) for r in cur.fetchall()], columns


def load_rows(conn: Any, label: str, db: str | None = None) -> list[dict[str, Any]]:
    """Return the SHOW LOAD rows of a label as dicts.

    :param conn: a pymysql connection.
    :param label: the label.
    :param db: the database (FROM db), or the current one.
    """
    source = f" FROM `{db}`" if db else ""
    rows, columns = query(conn, f"SHOW LOAD{source} WHERE LABEL = '{label}'")
    return [dict(zip(columns, r)) for r in rows]


def wait_for_state(
    conn: Any, label: str, states: tuple[str, ...], db: str | None = None, deadline_s: float = 30.0
) -> dict[str, Any]:
    """Poll SHOW LOAD until the newest job of a label reaches one of ``states``; return its row.

    :param conn: a pymysql connection.
    :param label: the label.
    :param states: the awaited states.
    :param db: the database.
    :param deadline_s: give up after this long (a safety net, not an assertion on timing).
    """
    end = time.monotonic() + deadline_s
    while True:
        rows = load_rows(conn, label, db)
        if rows and rows[-1]["State"] in states:
            return rows[-1]
        if time.monotonic() > end:
            raise TimeoutError(f"label {label} never reached {states}: {rows[-1:] or 'no job'}")
        time.sleep(0.01)
