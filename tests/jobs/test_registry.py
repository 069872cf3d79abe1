"""The job-kind registry and the defaults every kind inherits."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.jobs import KINDS, get_kind
from airflow_provider_starrocks.jobs.load import LoadKind
from airflow_provider_starrocks.jobs.task_run import TaskRunKind
from airflow_provider_starrocks.utils.load_state import LoadState
from airflow_provider_starrocks.utils.task_run_state import TaskRunState


@pytest.mark.parametrize(
    ("name", "kind", "status", "cancellable"),
    [
        pytest.param("load", LoadKind, LoadState, True, id="load"),
        pytest.param("task_run", TaskRunKind, TaskRunState, False, id="task_run"),
    ],
)
def test_kinds_are_found_by_name(name, kind, status, cancellable):
    assert get_kind(name) is kind
    assert (kind.name, kind.status_type, kind.cancellable) == (name, status, cancellable)


@pytest.mark.parametrize("name", [pytest.param("x", id="unknown"), pytest.param(None, id="none")])
def test_unknown_kind_names_the_known_ones(name):
    with pytest.raises(ValueError, match=r"Unknown StarRocks job kind .*expected one of \['"):
        get_kind(name)


def test_every_registered_kind_imports_and_names_itself():
    for name in KINDS:
        assert get_kind(name).name == name


def test_missing_message_names_the_job_and_says_it_is_not_resubmitted():
    assert "'lbl'" in LoadKind("db", "lbl").missing_message()
    assert "label_keep_max_second" in LoadKind("db", "lbl").missing_message()
    assert "task_runs_ttl_second" in TaskRunKind("db", "t").missing_message()


def test_status_round_trips_through_a_trigger_event():
    state = LoadState(label="l", state="LOADING", job_id=3)
    assert LoadKind.status_type.from_dict(state.to_dict()) == state
    assert (state.is_cancellable, state.is_committed) == (True, False)
    assert LoadState(label="l", state="PREPARED").is_cancellable is False
