"""JobStatus parsing by column name (jobs/base.py): fields declared with ``column`` and read by ``from_row``."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from airflow_provider_starrocks.jobs.base import JobStatus, column
from airflow_provider_starrocks.utils.cells import cell_int


@dataclasses.dataclass(frozen=True)
class _Status(JobStatus):
    LABEL_COLUMN: ClassVar[str] = "Name"

    label: str
    state: str
    job_id: int | None = column("ID", "JobId", parse=cell_int)
    message: str | None = column("Msg")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param(
            {"Name": "j", "State": "running", "JobId": "7", "Msg": " text "},
            _Status("j", "RUNNING", job_id=7, message="text"),
            id="second_name",
        ),
        pytest.param(
            {"Name": "j", "State": "FINISHED", "ID": "NULL", "JobId": "7"},
            _Status("j", "FINISHED"),
            id="first_name_wins_even_when_null",
        ),
        pytest.param({"Name": "j"}, _Status("j", "PENDING"), id="no_state_is_pending"),
        pytest.param({"State": "FINISHED", "Other": "x"}, _Status("", "FINISHED"), id="no_label_is_empty"),
    ],
)
def test_from_row_reads_declared_columns_by_name(row, expected):
    assert _Status.from_row(row) == expected


def test_fields_without_a_column_are_left_to_the_subclass():
    @dataclasses.dataclass(frozen=True)
    class Derived(_Status):
        extra: str | None = None

    assert set(Derived.read_columns({"ID": "1", "extra": "x"})) == {"job_id", "message"}
