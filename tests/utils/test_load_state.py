from __future__ import annotations

import datetime

import pytest

from airflow_provider_starrocks.utils.load_state import (
    LoadState,
    StarRocksLoadError,
    StarRocksLoadFatalError,
    current_job,
    parse_rows,
)

SHOW_LOAD_20 = [
    "JobId", "Label", "State", "Progress", "Type", "Priority", "ScanRows", "FilteredRows", "UnselectedRows",
    "SinkRows", "EtlInfo", "TaskInfo", "ErrorMsg", "CreateTime", "EtlStartTime", "EtlFinishTime",
    "LoadStartTime", "LoadFinishTime", "TrackingSQL", "JobDetails",
]  # fmt: skip
SHOW_LOAD_21 = [*SHOW_LOAD_20, "Warehouse"]
SHOW_LOAD_16 = [
    "JobId", "Label", "State", "Progress", "Type", "Priority", "EtlInfo", "TaskInfo", "ErrorMsg", "CreateTime",
    "EtlStartTime", "EtlFinishTime", "LoadStartTime", "LoadFinishTime", "URL", "JobDetails",
]  # fmt: skip
LOADS_31 = [
    "JOB_ID", "LABEL", "DATABASE_NAME", "STATE", "PROGRESS", "TYPE", "PRIORITY", "SCAN_ROWS", "FILTERED_ROWS",
    "UNSELECTED_ROWS", "SINK_ROWS", "ETL_INFO", "TASK_INFO", "CREATE_TIME", "ETL_START_TIME", "ETL_FINISH_TIME",
    "LOAD_START_TIME", "LOAD_FINISH_TIME", "JOB_DETAILS", "ERROR_MSG", "TRACKING_URL", "TRACKING_SQL",
    "REJECTED_RECORD_PATH",
]  # fmt: skip
LOADS_NEWEST = [
    "ID", "LABEL", "PROFILE_ID", "DB_NAME", "TABLE_NAME", "USER", "WAREHOUSE", "STATE", "PROGRESS", "TYPE",
    "PRIORITY", "SCAN_ROWS", "SCAN_BYTES", "FILTERED_ROWS", "UNSELECTED_ROWS", "SINK_ROWS", "RUNTIME_DETAILS",
    "CREATE_TIME", "LOAD_START_TIME", "LOAD_COMMIT_TIME", "LOAD_FINISH_TIME", "PROPERTIES", "ERROR_MSG",
    "TRACKING_SQL", "REJECTED_RECORD_PATH", "JOB_ID",
]  # fmt: skip

VALUES = {
    "job_id": 11005,
    "label": "lbl",
    "state": "FINISHED",
    "progress": "ETL:100%; LOAD:100%",
    "scan_rows": 100,
    "filtered_rows": 2,
    "unselected_rows": 1,
    "sink_rows": 97,
    "create_time": "2024-01-01 00:00:00",
    "load_finish_time": "2024-01-01 00:00:09",
    "tracking_sql": "select tracking_log from information_schema.load_tracking_logs where job_id=11005",
}
NAMES = {
    "JobId": "job_id", "ID": "job_id", "JOB_ID": "job_id", "Label": "label", "LABEL": "label",
    "State": "state", "STATE": "state", "Progress": "progress", "PROGRESS": "progress",
    "ScanRows": "scan_rows", "SCAN_ROWS": "scan_rows", "FilteredRows": "filtered_rows",
    "FILTERED_ROWS": "filtered_rows", "UnselectedRows": "unselected_rows", "UNSELECTED_ROWS": "unselected_rows",
    "SinkRows": "sink_rows", "SINK_ROWS": "sink_rows", "CreateTime": "create_time", "CREATE_TIME": "create_time",
    "LoadFinishTime": "load_finish_time", "LOAD_FINISH_TIME": "load_finish_time",
    "TrackingSQL": "tracking_sql", "TRACKING_SQL": "tracking_sql",
}  # fmt: skip


def _row(columns, **overrides):
    values = {**VALUES, **overrides}
    out = []
    for col in columns:
        field = NAMES.get(col)
        if col == "JOB_ID" and "ID" in columns:
            out.append(999)  # newest layout: JOB_ID is not the load job id
        elif field:
            out.append(values.get(field))
        elif col in ("DB_NAME", "DATABASE_NAME"):
            out.append("sales")
        else:
            out.append("NULL")
    return out


@pytest.mark.parametrize(
    "columns",
    [
        pytest.param(SHOW_LOAD_20, id="show_load_3x"),
        pytest.param(SHOW_LOAD_21, id="show_load_newest"),
        pytest.param(LOADS_31, id="information_schema_3_1_to_3_4"),
        pytest.param(LOADS_NEWEST, id="information_schema_newest"),
    ],
)
def test_parse_by_column_name(columns):
    (state,) = parse_rows([_row(columns)], columns)
    assert state.job_id == 11005
    assert (state.label, state.state) == ("lbl", "FINISHED")
    assert (state.scan_rows, state.filtered_rows, state.unselected_rows, state.sink_rows) == (100, 2, 1, 97)
    assert state.create_time == "2024-01-01 00:00:00"
    assert state.tracking_sql.startswith("select tracking_log")
    assert state.is_success
    assert state.is_terminal
    assert state.load_percent == 100.0


def test_parse_old_layout_reads_rows_from_details():
    row = dict.fromkeys(SHOW_LOAD_16, "NULL")
    row.update(
        JobId="7",
        Label="old",
        State="LOADING",
        EtlInfo="dpp.abnorm.ALL=3; dpp.norm.ALL=40",
        JobDetails='{"ScannedRows":43,"TaskNumber":1}',
        URL="http://be:8040/api/_load_error_log?file=x",
    )
    state = LoadState.from_row(row)
    assert (state.job_id, state.scan_rows, state.sink_rows, state.filtered_rows) == (7, 43, 40, 3)
    assert state.tracking_url.startswith("http://")
    assert state.create_time is None


def test_datetime_cells_and_database():
    (state,) = parse_rows([_row(LOADS_31, create_time=datetime.datetime(2024, 1, 2, 3, 4, 5))], LOADS_31)
    assert state.create_time == "2024-01-02 03:04:05"
    assert state.database == "sales"


@pytest.mark.parametrize(
    ("state", "terminal", "success", "cancellable"),
    [
        pytest.param("PENDING", False, False, True, id="pending"),
        pytest.param("ETL", False, False, True, id="etl"),
        pytest.param("QUEUEING", False, False, True, id="queueing"),
        pytest.param("LOADING", False, False, True, id="loading"),
        pytest.param("PREPARED", False, False, False, id="prepared_committed_not_visible"),
        pytest.param("COMMITED", False, False, False, id="newest_commited"),
        pytest.param("SOMETHING_NEW", False, False, True, id="unrecognized_in_flight_cancellable"),
        pytest.param("COMMITTING", False, False, True, id="unrecognized_committing_cancellable"),
        pytest.param("FINISHED", True, True, False, id="finished"),
        pytest.param("CANCELLED", True, False, False, id="cancelled"),
        pytest.param("UNKNOWN", True, False, False, id="unknown"),
    ],
)
def test_state_table(state, terminal, success, cancellable):
    s = LoadState(label="l", state=state)
    assert (s.is_terminal, s.is_success, s.is_cancellable) == (terminal, success, cancellable)


def test_lowercase_state_is_normalized():
    assert LoadState.from_row({"Label": "l", "State": "finished"}).is_success


@pytest.mark.parametrize(
    ("error_msg", "cancel_type", "text", "fatal"),
    [
        pytest.param(
            "type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to cancel",
            "ETL_QUALITY_UNSATISFIED",
            "quality not good enough to cancel",
            True,
            id="quality",
        ),
        pytest.param(
            "type:LOAD_RUN_FAIL; msg:Access storage error. Error code: 403. Access Denied",
            "LOAD_RUN_FAIL",
            "Access storage error. Error code: 403. Access Denied",
            True,
            id="access_denied",
        ),
        pytest.param(
            "type:TIMEOUT; msg:loading timeout to cancel",
            "TIMEOUT",
            "loading timeout to cancel",
            False,
            id="timeout",
        ),
        pytest.param(
            "type:LOAD_RUN_FAIL; msg:backend down", "LOAD_RUN_FAIL", "backend down", False, id="transient"
        ),
        pytest.param("plain text", None, "plain text", False, id="no_prefix"),
    ],
)
def test_error_msg(error_msg, cancel_type, text, fatal):
    s = LoadState(label="l", state="CANCELLED", error_msg=error_msg, job_id=5)
    assert (s.cancel_type, s.error_text, s.is_fatal) == (cancel_type, text, fatal)
    message = s.failure_message(["bad,row,1"])
    assert "'l'" in message
    assert text in message
    assert "bad,row,1" in message
    if cancel_type:
        assert cancel_type in message


def test_unknown_says_outcome_cannot_be_determined():
    assert "cannot be determined" in LoadState(label="l", state="UNKNOWN").failure_message()


def test_round_trip_through_dict():
    (state,) = parse_rows([_row(SHOW_LOAD_20)], SHOW_LOAD_20)
    data = state.to_dict()
    assert LoadState.from_dict({**data, "extra": 1}) == state
    assert all(isinstance(v, (str, int, type(None))) for v in data.values())


def test_current_job_is_highest_job_id():
    jobs = [
        LoadState("l", "CANCELLED", job_id=10),
        LoadState("l", "LOADING", job_id=12),
        LoadState("l", "CANCELLED", job_id=11),
    ]
    assert current_job(jobs).job_id == 12
    assert current_job([]) is None


def test_fatal_error_is_a_load_error_and_fail_exception():
    from airflow.providers.common.compat.sdk import AirflowFailException

    err = StarRocksLoadFatalError("x")
    assert isinstance(err, StarRocksLoadError)
    assert isinstance(err, AirflowFailException)


@pytest.mark.parametrize(
    ("interval", "attempt", "expected"),
    [
        pytest.param(10, 0, 10, id="first_poll_is_the_interval"),
        pytest.param(10, 1, 12.5, id="gentle_backoff"),
        pytest.param(10, 50, 40, id="capped_at_four_times"),
        pytest.param(30, 50, 60, id="cap_at_most_a_minute"),
        pytest.param(120, 5, 120, id="cap_never_below_interval"),
    ],
)
def test_next_delay_without_jitter(interval, attempt, expected):
    from airflow_provider_starrocks.utils.polling import next_delay

    assert next_delay(interval, attempt, rng=lambda: 0.5) == pytest.approx(expected)


@pytest.mark.parametrize("rng", [pytest.param(lambda: 0.0, id="low"), pytest.param(lambda: 0.999, id="high")])
def test_next_delay_jitter_stays_within_ten_percent(rng):
    from airflow_provider_starrocks.utils.polling import next_delay

    assert 9.0 <= next_delay(10, 0, rng=rng) <= 11.0


def test_load_watch_follows_newest_job_and_reports_changes():
    from airflow_provider_starrocks.utils.polling import LoadWatch

    watch = LoadWatch("l")
    assert watch.observe([]) is None
    first = watch.observe([LoadState("l", "CANCELLED", job_id=1), LoadState("l", "LOADING", job_id=2)])
    assert first.job_id == 2
    assert watch.changed(first)
    assert not watch.changed(LoadState("l", "LOADING", job_id=2))
    assert watch.changed(LoadState("l", "LOADING", job_id=2, progress="ETL:100%; LOAD:50%"))
    with pytest.raises(StarRocksLoadFatalError, match="state unknown"):
        watch.observe([])
