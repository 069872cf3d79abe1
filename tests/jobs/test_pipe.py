"""information_schema.pipe_files rows parsed by column name, and the aggregate a sensor waits on."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.jobs.pipe import (
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
    (file,) = parse_pipe_files([list(reversed(row(D + "a.parquet", "finished", error="NULL")))], columns)
    assert file == PipeFile(name=D + "a.parquet", state=FINISHED, pipe_id=7, size=10, error=None)


def test_parse_needs_name_and_state():
    with pytest.raises(ValueError, match="LOAD_STATE"):
        parse_pipe_files([["x"]], ["FILE_NAME"])


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
    summary = summarize(parse_pipe_files(rows, PIPE_FILE_COLUMNS), **kwargs)
    assert (summary.state, summary.pending) == (state, pending)


def test_error_carries_starrocks_message():
    rows = [row(D + "a", "FINISHED"), row(D + "b", "ERROR", error="execution failed: bad parquet")]
    summary = summarize(parse_pipe_files(rows, PIPE_FILE_COLUMNS), path_prefix=D)
    assert summary.state == ERROR
    assert summary.errors == ((D + "b", "execution failed: bad parquet"),)


def test_status_round_trips_through_a_trigger_event():
    import json

    from airflow_provider_starrocks.jobs.pipe import PipeFilesStatus, pipe_identity

    status = PipeFilesStatus(
        job_id=7,
        label=pipe_identity("p", D),
        state=ERROR,
        finished=(D + "a",),
        pending=(D + "b",),
        errors=((D + "c", "bad file"),),
    )
    assert PipeFilesStatus.from_dict(json.loads(json.dumps(status.to_dict()))) == status
    assert (status.is_terminal, status.is_success, status.is_fatal, status.is_cancellable) == (
        True,
        False,
        True,
        False,
    )
    assert "failed to load s3://b/daily/2024-01-02/c: bad file" in status.failure_message()
    assert status.describe().startswith(f"pipe files (pipe 'p', {D}): ERROR, 1 finished, 1 pending")


def test_registered_as_pipe_files():
    from airflow_provider_starrocks.jobs import get_kind
    from airflow_provider_starrocks.jobs.pipe import PipeFilesKind, pipe_identity

    kind = get_kind("pipe_files")
    assert kind is PipeFilesKind
    job = kind("sales", pipe_identity("p", files=[D + "b", D + "a"]))
    assert (job.pipe, job.path_prefix, job.files, job.cancellable) == ("p", None, [D + "a", D + "b"], False)
    assert "sales.p" in job.missing_message()


@pytest.fixture
def pipe_over_days(sales, pipe_source):
    from airflow_provider_starrocks.operators.pipe import StarRocksCreatePipeOperator

    first = pipe_source.put_day("2024-01-01")
    StarRocksCreatePipeOperator(
        task_id="create",
        database="sales",
        pipe="p",
        table="orders",
        source=f"{pipe_source.source}/*/*.parquet",
        properties={"POLL_INTERVAL": 5},
        aws_conn_id="aws_iam_user",
    ).execute({})
    return first


def _wait(fetch, state, seconds=10.0):
    import time

    deadline = time.monotonic() + seconds
    while True:
        found = fetch()
        if (found and found[0].state == state) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_fetch_and_afetch_follow_the_files_of_a_real_pipe(sales, pipe_over_days):
    import asyncio

    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook
    from airflow_provider_starrocks.jobs.pipe import PipeFilesKind, pipe_identity

    hook = StarRocksHook()
    job = PipeFilesKind("sales", pipe_identity("p", pipe_over_days.rsplit("/", 1)[0] + "/"))
    conn = hook.get_load_conn()
    try:
        (status,) = _wait(lambda: job.fetch(hook, conn), FINISHED)
    finally:
        conn.close()
    assert (status.state, status.finished, status.pending) == (FINISHED, (pipe_over_days,), ())
    assert status.job_id is not None

    async def read():
        aconn = await hook.aget_load_conn()
        try:
            return await job.afetch(hook, aconn)
        finally:
            aconn.close()

    assert asyncio.run(read()) == [status]
    assert PipeFilesKind("sales", pipe_identity("nope", D)).fetch(hook, hook.get_load_conn()) == []
