from __future__ import annotations

import re

import pytest

from airflow_provider_starrocks.utils.labels import default_label, reload_label

LABEL_RE = re.compile(r"^[-\w]{1,128}\Z", re.ASCII)


@pytest.mark.parametrize(
    ("dag_id", "task_id", "run_id", "map_index"),
    [
        pytest.param("daily", "load", "scheduled__2024-01-01T00:00:00+00:00", -1, id="scheduled_run_id"),
        pytest.param("d", "t", "manual__2024-01-01T00:00:00.123456+00:00", 3, id="mapped"),
        pytest.param("dág", "tâche", "run:é+ü", None, id="non_ascii"),
        pytest.param("d" * 250, "group.task" * 30, "r" * 250, -1, id="very_long"),
        pytest.param("___", "...", ":::", -1, id="nothing_readable"),
    ],
)
def test_default_label_is_valid_and_deterministic(dag_id, task_id, run_id, map_index):
    label = default_label(dag_id, task_id, run_id, map_index)
    assert LABEL_RE.match(label)
    assert label == default_label(dag_id, task_id, run_id, map_index)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(("d", "t", "r", -1), ("d", "t", "r", 0), id="map_index"),
        pytest.param(("d", "t", "r:1", -1), ("d", "t", "r_1", -1), id="sanitized_collision"),
        pytest.param(("a_b", "c", "r", -1), ("a", "b_c", "r", -1), id="boundary_shift"),
        pytest.param(("d" * 200, "t", "r1", -1), ("d" * 200, "t", "r2", -1), id="truncated_collision"),
    ],
)
def test_default_label_distinguishes_task_instances(a, b):
    assert default_label(*a) != default_label(*b)


def test_default_label_keeps_ids_readable():
    label = default_label("sales", "load_orders", "scheduled__2024-01-01T00:00:00+00:00")
    assert label.startswith("sales__load_orders__scheduled__2024-01-01T00_00_00_00_00_")


def test_unmapped_map_index_none_equals_minus_one():
    assert default_label("d", "t", "r", None) == default_label("d", "t", "r", -1)


@pytest.mark.parametrize(
    "base",
    [pytest.param("lbl", id="short"), pytest.param("x" * 128, id="max_length")],
)
def test_reload_label_is_valid_and_distinct_per_try(base):
    first, second = reload_label(base, 2), reload_label(base, 3)
    assert LABEL_RE.match(first)
    assert LABEL_RE.match(second)
    assert len({base, first, second}) == 3
    assert first == reload_label(base, 2)


def test_reload_label_attempts_differ():
    assert len({reload_label("lbl", 1), reload_label("lbl", 1, 2), reload_label("lbl", 1, 3)}) == 3
