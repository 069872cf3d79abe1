"""information_schema.pipe_files rows parsed by column name, and the aggregate a sensor waits on."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.jobs.pipe_files import (
    ERROR,
    FINISHED,
    LOADING,
    WAITING,
    PipeFile,
    parse_pipe_files,
    summarize,
)
from airflow_provider_starrocks.utils.statements.pipes import PIPE_FILE_COLUMNS

D = "s3://b/daily/2024-01-02/"


def row(name, state, pipe_id=7, error=None):
    values = {"DATABASE_NAME": "sales", "PIPE_ID": pipe_id, "PIPE_NAME": "p", "FILE_NAME": name, "FILE_VERSION": "e1",
              "FILE_SIZE": 10, "LAST_MODIFIED": "2024-01-02 00:00:00", "LOAD_STATE": state, "STAGED_TIME": None,
              "START_LOAD_TIME": None, "FINISH_LOAD_TIME": None, "ERROR_MSG": error}  # fmt: skip
    return [values[c] for c in PIPE_FILE_COLUMNS]


def test_parse_by_column_name_in_any_order():
    columns = list(reversed(PIPE_FILE_COLUMNS))
    (file,) = parse_pipe_files(columns, [list(reversed(row(D + "a.parquet", "finished", error="NULL")))])
    assert file == PipeFile(name=D + "a.parquet", state=FINISHED, pipe_id=7, size=10, error=None)


def test_parse_needs_name_and_state():
    with pytest.raises(ValueError, match="LOAD_STATE"):
        parse_pipe_files(["FILE_NAME"], [["x"]])


@pytest.mark.parametrize(
    ("rows", "kwargs", "state", "pending"),
    [
        pytest.param([], {"path_prefix": D}, WAITING, (), id="nothing-listed"),
        pytest.param([row(D + "a", "UNLOADED")], {"path_prefix": D}, LOADING, (D + "a",), id="unloaded"),
        pytest.param([row(D + "a", "FINISHED"), row(D + "b", "LOADING")], {"path_prefix": D}, LOADING, (D + "b",), id="one-loading"),
        pytest.param([row(D + "a", "FINISHED"), row("s3://b/daily/2024-01-03/x", "LOADING")], {"path_prefix": D}, FINISHED, (), id="other-day-ignored"),
        pytest.param([row(D + "a", "FINISHED")], {"wanted": [D + "a", D + "b"]}, LOADING, (D + "b",), id="wanted-missing"),
        pytest.param([], {"wanted": [D + "a"]}, WAITING, (D + "a",), id="wanted-none-listed"),
        pytest.param([row(D.replace("s3://", "s3a://") + "a", "FINISHED")], {"wanted": [D + "a"]}, FINISHED, (), id="s3a-is-s3"),
        pytest.param([row(D + "a", "ERROR", pipe_id=1), row(D + "a", "FINISHED", pipe_id=2)], {"path_prefix": D}, FINISHED, (), id="newest-pipe-wins"),
    ],
)  # fmt: skip
def test_summarize(rows, kwargs, state, pending):
    summary = summarize(parse_pipe_files(PIPE_FILE_COLUMNS, rows), **kwargs)
    assert (summary.state, summary.pending) == (state, pending)


def test_error_carries_starrocks_message():
    rows = [row(D + "a", "FINISHED"), row(D + "b", "ERROR", error="execution failed: bad parquet")]
    summary = summarize(parse_pipe_files(PIPE_FILE_COLUMNS, rows), path_prefix=D)
    assert summary.state == ERROR
    assert summary.errors == ((D + "b", "execution failed: bad parquet"),)
