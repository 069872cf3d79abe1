"""
Snapshot statuses parsed by column name, and what the snapshot kind reports.

Rows are shaped as ``Repository.getSnapshotInfo`` builds them (pinterest-release-3.3.5 7c653fb8); the parser is
pure, so these tests use rows and a hook that answers them (the I/O boundary).
"""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.jobs.snapshot import SnapshotKind, SnapshotStatus, parse_snapshot_rows


class FakeHook:
    """Answers ``_fetch`` with fixed (rows, columns) per statement: the hook boundary of a pure kind test."""

    def __init__(self, answers):
        self.answers = answers

    def _fetch(self, conn, statement):
        return self.answers.get(statement.sql, ([], []))


SNAPSHOT_COLUMNS = ["Snapshot", "Timestamp", "Status"]


@pytest.mark.parametrize(
    ("row", "state", "newest"),
    [
        pytest.param(
            ["snap1", "2024-01-31-02-00-00-125\n2024-02-01-02-00-00-007", "OK"],
            "PRESENT",
            "2024-02-01-02-00-00-007",
            id="two",
        ),
        pytest.param(["snap1", "", "ERROR: no snapshot"], "ABSENT", None, id="none"),
        pytest.param(["snap1", "NULL", "ERROR: Failed to get info: denied"], "ABSENT", None, id="list_error"),
        pytest.param(["snap1", "Invalid: __info_x.part", "OK"], "ABSENT", None, id="only_invalid"),
    ],
)
def test_snapshot_rows(row, state, newest):
    (status,) = parse_snapshot_rows([row], SNAPSHOT_COLUMNS, "nightly")
    assert status.state == state
    assert status.newest == newest
    assert SnapshotStatus.from_dict(status.to_dict()) == status


def test_snapshot_kind_reports_nothing_until_present():
    sql = 'SHOW SNAPSHOT ON `nightly` WHERE SNAPSHOT = "snap1"'
    absent = FakeHook({sql: ([["snap1", "", "ERROR: no snapshot"]], SNAPSHOT_COLUMNS)})
    assert SnapshotKind("nightly", "snap1").fetch(absent, None) == []
    present = FakeHook({sql: ([["snap1", "2024-01-31-02-00-00-125", "OK"]], SNAPSHOT_COLUMNS)})
    (status,) = SnapshotKind("nightly", "snap1").fetch(present, None)
    assert status.is_terminal
    assert status.is_success
