"""The wait policy on a clock of its own: every deadline rule without a server or a sleep."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.load_state import (
    LoadState,
    StarRocksLoadFatalError,
    UnreadableStatusError,
)
from airflow_provider_starrocks.utils.wait_policy import (
    CANCEL_CONFIRM_SECONDS,
    COMMITTED_GRACE_SECONDS,
    PROGRESS_LOG_SECONDS,
    WaitPolicy,
)

T0 = 1_000_000.0
DEADLINE = T0 + 100


def policy(**kwargs):
    args = {"poll_interval": 1.0, "deadline": DEADLINE, "started": T0, "may_cancel": True}
    return WaitPolicy("l1", **{**args, **kwargs})


def job(state, **kwargs):
    return [LoadState(label="l1", state=state, job_id=7, **kwargs)]


def test_in_flight_before_the_deadline_waits_within_it():
    step = policy().decide(job("LOADING"), DEADLINE - 0.5)
    assert step.action == "wait"
    assert step.delay <= 0.5


@pytest.mark.parametrize("state", ["LOADING", "PENDING", "COMMITTING", "SOMETHING_NEW"])
def test_in_flight_or_unknown_name_is_cancelled_at_the_deadline(state):
    assert policy().decide(job(state), DEADLINE).action == "cancel"


def test_after_cancel_a_job_that_committed_first_succeeds():
    p = policy()
    assert p.decide(job("LOADING"), DEADLINE).action == "cancel"
    p.cancel_sent(DEADLINE)
    assert p.decide(job("PREPARED"), DEADLINE + 1).action == "wait"
    step = p.decide(job("FINISHED", sink_rows=100), DEADLINE + 2)
    assert step.action == "succeed"
    assert "committed before the cancel took effect" in step.message


def test_after_cancel_a_cancelled_job_fails_as_the_deadline_s():
    p = policy()
    p.decide(job("LOADING"), DEADLINE)
    p.cancel_sent(DEADLINE)
    step = p.decide(job("CANCELLED", error_msg="type:USER_CANCEL; msg:user cancel"), DEADLINE + 1)
    assert (step.action, step.timeout, step.fatal) == ("fail", True, False)
    assert step.failure().startswith(
        "Passed its deadline and cancelled: StarRocks load 'l1' (job 7) CANCELLED"
    )


def test_after_cancel_a_job_still_running_fails_clearly_without_lying():
    p = policy()
    p.decide(job("LOADING"), DEADLINE)
    p.cancel_sent(DEADLINE)
    assert p.decide(job("LOADING"), DEADLINE + CANCEL_CONFIRM_SECONDS - 1).action == "wait"
    step = p.decide(job("LOADING"), DEADLINE + CANCEL_CONFIRM_SECONDS)
    assert step.action == "fail"
    assert "was cancelled at its deadline but is still LOADING" in step.message


def test_committed_job_is_followed_past_the_deadline_but_not_for_ever():
    p = policy()
    first = p.decide(job("PREPARED"), DEADLINE)
    assert first.action == "wait"
    assert "committed, so it cannot be cancelled" in first.warning
    assert p.decide(job("PREPARED"), DEADLINE + 1).warning is None  # warned once
    step = p.decide(job("PREPARED"), DEADLINE + COMMITTED_GRACE_SECONDS)
    assert (step.action, step.timeout) == ("fail", True)
    assert "still PREPARED (committed, not yet visible)" in step.message


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        pytest.param(
            {"may_cancel": False, "no_cancel_reason": "cancel_on_kill=False"},
            "cancel_on_kill=False",
            id="off",
        ),
        pytest.param(
            {"may_cancel": False, "no_cancel_reason": "this task attached to a load it did not submit"},
            "did not submit",
            id="attached",
        ),
    ],
)
def test_a_task_that_may_not_cancel_stops_waiting_and_says_why(kwargs, reason):
    step = policy(**kwargs).decide(job("LOADING"), DEADLINE)
    assert (step.action, step.timeout) == ("fail", True)
    assert reason in step.message


def test_a_cancel_this_task_did_not_send_is_retryable():
    step = policy().decide(job("CANCELLED", error_msg="type:USER_CANCEL; msg:user cancel"), T0 + 1)
    assert (step.action, step.fatal) == ("fail", False)


def test_quality_failure_is_fatal():
    step = policy().decide(job("CANCELLED", error_msg="type:ETL_QUALITY_UNSATISFIED; msg:quality"), T0 + 1)
    assert (step.action, step.fatal) == ("fail", True)


def test_progress_is_logged_on_change_and_at_a_cadence_while_quiet():
    p = policy(deadline=T0 + 10_000)
    assert p.decide(job("LOADING", scan_rows=5), T0 + 1).log.startswith("StarRocks label 'l1' job 7: LOADING")
    assert p.decide(job("LOADING", scan_rows=5), T0 + 2).log is None
    quiet = p.decide(job("LOADING", scan_rows=5), T0 + 1 + PROGRESS_LOG_SECONDS)
    assert quiet.log.startswith("StarRocks job 'l1' still LOADING after 5m01s: ")
    assert "scanned 5" in quiet.log


def test_final_step_carries_the_one_finished_line():
    step = policy().decide(job("FINISHED", sink_rows=3), T0 + 1)
    assert step.action == "succeed"
    assert step.log is None  # logged once, by the caller, from the message
    assert "FINISHED" in step.message


def test_label_that_vanished_after_submit_is_state_unknown():
    with pytest.raises(StarRocksLoadFatalError, match="state unknown"):
        policy().decide([], T0 + 1)


def test_sensor_waits_for_a_label_then_times_out():
    p = policy(submitted=False, may_cancel=False)
    assert p.decide([], T0 + 1).action == "wait"
    step = p.decide([], DEADLINE)
    assert (step.action, step.timeout) == ("fail", True)


@pytest.mark.parametrize("state", [None, "", "  ", "NULL"])
def test_blank_state_is_an_unreadable_row_not_unknown(state):
    with pytest.raises(UnreadableStatusError, match="without a State"):
        LoadState.from_row({"Label": "l1", "JobId": 7, "State": state})
