"""TaskRunState: information_schema.task_runs rows parsed by column name, the newest run chosen."""

from __future__ import annotations

import datetime

import pytest

from airflow_provider_starrocks.utils.task_run_state import TaskRunState, parse_task_runs

COLUMNS = ["QUERY_ID", "TASK_NAME", "CREATE_TIME", "FINISH_TIME", "STATE", "DATABASE", "ERROR_CODE",
           "ERROR_MESSAGE", "PROGRESS", "JOB_ID"]  # fmt: skip
T0 = datetime.datetime(2024, 1, 1, 10, 0, 0)


def row(state, *, created=T0, error=None, query_id="q1"):
    return [query_id, "t1", created, None, state, "sales", 0 if error is None else -1, error, "0%", None]


@pytest.mark.parametrize(
    ("state", "terminal", "success"),
    [
        pytest.param("PENDING", False, False, id="pending"),
        pytest.param("RUNNING", False, False, id="running"),
        pytest.param("SUCCESS", True, True, id="success"),
        pytest.param("FAILED", True, False, id="failed"),
        pytest.param("MERGED", False, False, id="merged_not_for_tasks"),
    ],
)
def test_states(state, terminal, success):
    (run,) = parse_task_runs([row(state)], COLUMNS)
    assert (run.is_terminal, run.is_success, run.is_cancellable) == (terminal, success, False)


def test_newest_run_wins_and_round_trips():
    older = row(
        "FAILED", error="No files were found matching the pattern(s) or path(s): 's3://b/x'", query_id="q0"
    )
    newer = row("RUNNING", created=T0 + datetime.timedelta(seconds=5), query_id="q2")
    (run,) = parse_task_runs([older, newer], [c.lower() for c in COLUMNS])
    assert (run.query_id, run.task_name, run.create_time) == ("q2", "t1", "2024-01-01 10:00:05")
    assert TaskRunState.from_dict(run.to_dict()) == run
    assert parse_task_runs([], COLUMNS) == []


@pytest.mark.parametrize(
    ("new_state", "expected"),
    [
        pytest.param("PENDING", "q2", id="in-flight-beats-failed"),
        pytest.param("RUNNING", "q2", id="running-beats-failed"),
        pytest.param("SUCCESS", "q2", id="success-beats-failed"),
    ],
)
def test_resubmitted_run_in_the_same_second_wins(new_state, expected):
    # DROP TASK keeps the FAILED run and CREATE_TIME has whole seconds: the new run must still be the one followed.
    failed, new = row("FAILED", error="boom", query_id="q1"), row(new_state, query_id="q2")
    for rows in ([failed, new], [new, failed]):
        (run,) = parse_task_runs(rows, COLUMNS)
        assert run.query_id == expected


def test_failure_message_names_task_and_starrocks_message():
    (run,) = parse_task_runs([row("FAILED", error="No files were found matching the pattern(s)")], COLUMNS)
    assert run.failure_message() == (
        "StarRocks task 't1' (run q1) FAILED; message: No files were found matching the pattern(s)."
    )
    assert run.is_fatal
