"""
Load status in one place: an immutable state object parsed by column name, shared by every poller.

The operator's sync path, the trigger and the sensor all turn status rows into a :class:`LoadState`; the
parser does no I/O. Column names differ between StarRocks versions (SHOW LOAD: 16 columns on 2.x, 20 on
3.x, 21 on the newest; ``information_schema.loads``: ``JOB_ID``/``DATABASE_NAME`` on 3.1-3.4,
``ID``/``DB_NAME`` on the newest), so rows are read through a normalized name, never by position.
:class:`~airflow_provider_starrocks.jobs.base.JobStatus` is the family's base.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.exceptions import (  # noqa: F401
    StarRocksLoadError,
    StarRocksLoadFatalError,
    UnreadableStatusError,
    is_fatal_message,
)
from airflow_provider_starrocks.jobs.base import JobStatus, column
from airflow_provider_starrocks.utils.cells import cell_int as _int
from airflow_provider_starrocks.utils.cells import cell_text as _text
from airflow_provider_starrocks.utils.cells import normalized_names as _normalize

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# fe/fe-core/src/main/java/com/starrocks/load/loadv2/JobState.java (+ the newest information_schema.loads).
SUCCESS_STATES = frozenset({"FINISHED"})
FAILURE_STATES = frozenset({"CANCELLED", "UNKNOWN"})
# Not terminal: PENDING, ETL, QUEUEING, LOADING, PREPARED (committed, not yet visible) and the newest
# PREPARING / COMMITED / BEGIN / BEFORE_LOAD. Committed states cannot be cancelled (the data landed); any
# other name, known or not, is in flight and cancellable at the deadline.
COMMITTED_STATES = frozenset({"PREPARED", "COMMITED", "COMMITTED", "VISIBLE"})

# FailMsg.java CancelType values that a retry cannot fix. USER_CANCEL is not one: a cancel this task did not
# send (another run, an operator in StarRocks) is retried; a cancel it sent at its deadline is reported as such.
_FATAL_CANCEL_TYPES = frozenset({"ETL_QUALITY_UNSATISFIED"})
_ERROR_MSG = re.compile(r"^\s*type\s*:\s*(?P<type>[A-Z_]+)\s*;\s*msg\s*:\s*(?P<msg>.*)\Z", re.DOTALL)
_LOAD_PROGRESS = re.compile(r"LOAD\s*:\s*(\d+(?:\.\d+)?)\s*%")


@dataclasses.dataclass(frozen=True)
class LoadState(JobStatus):
    """
    One load job's status, as SHOW LOAD or ``information_schema.loads`` reports it.

    FINISHED is the only success; CANCELLED and UNKNOWN are terminal failures; everything else (PREPARED
    included: committed but not yet visible) is in flight.
    """

    SUCCESS: ClassVar[frozenset[str]] = SUCCESS_STATES
    FAILURE: ClassVar[frozenset[str]] = FAILURE_STATES
    COMMITTED: ClassVar[frozenset[str]] = COMMITTED_STATES

    label: str
    state: str
    # Read through normalized column names (upper case, no "_"); the first name a row has wins, which puts the
    # newest information_schema.loads "ID" (the load job) before its "JOB_ID".
    job_id: int | None = column("ID", "JOBID", parse=_int)
    database: str | None = column("DBNAME", "DATABASENAME")
    progress: str | None = column("PROGRESS")
    load_type: str | None = column("TYPE")
    scan_rows: int | None = column("SCANROWS", parse=_int)
    filtered_rows: int | None = column("FILTEREDROWS", parse=_int)
    unselected_rows: int | None = column("UNSELECTEDROWS", parse=_int)
    sink_rows: int | None = column("SINKROWS", parse=_int)
    error_msg: str | None = column("ERRORMSG")
    tracking_sql: str | None = column("TRACKINGSQL")
    tracking_url: str | None = column("URL", "TRACKINGURL")
    rejected_record_path: str | None = column("REJECTEDRECORDPATH")
    create_time: str | None = column("CREATETIME")
    load_start_time: str | None = column("LOADSTARTTIME")
    load_finish_time: str | None = column("LOADFINISHTIME")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> LoadState:
        """
        Parse one status row given as column name -> value (any supported layout).

        :param row: e.g. ``dict(zip(column_names, values))`` from SHOW LOAD or ``information_schema.loads``.
        """
        norm = _normalize(row)
        state = _text(norm.get("STATE"))
        label = _text(norm.get("LABEL")) or ""
        if state is None:
            # Not StarRocks's UNKNOWN state: an unreadable row, which pollers count as a failed poll.
            raise UnreadableStatusError(f"StarRocks listed load {label!r} without a State; reading it again.")
        cells = cls.read_columns(norm)
        if "SCANROWS" not in norm:
            cells.update({field: _int(value) for field, value in _old_layout_rows(norm).items()})
        return cls(label=label, state=state.upper(), **cells)

    @property
    def cancel_type(self) -> str | None:
        """The StarRocks ``CancelType`` of a failed job (e.g. ``ETL_QUALITY_UNSATISFIED``), if reported."""
        match = _ERROR_MSG.match(self.error_msg or "")
        return match.group("type") if match else None

    @property
    def error_text(self) -> str | None:
        """The ``msg:`` part of ``ErrorMsg`` (the whole text when it has no ``type:`` prefix)."""
        match = _ERROR_MSG.match(self.error_msg or "")
        return match.group("msg").strip() if match else self.error_msg

    @property
    def load_percent(self) -> float | None:
        """The ``LOAD:<n>%`` part of the progress, as a number."""
        match = _LOAD_PROGRESS.search(self.progress or "")
        return float(match.group(1)) if match else None

    @property
    def is_fatal(self) -> bool:
        """Whether this failure is one a retry cannot fix."""
        return self.cancel_type in _FATAL_CANCEL_TYPES or is_fatal_message(self.error_msg)

    def progress_key(self) -> tuple[Any, ...]:
        """Return what a progress log line reports; a new line is due when it changes."""
        return (self.job_id, self.state, self.progress, self.scan_rows, self.filtered_rows, self.sink_rows)

    def describe(self) -> str:
        """One log line: state, progress and row counts."""
        return (
            f"label {self.label!r} job {self.job_id}: {self.state}, progress {self.progress or 'n/a'}, "
            f"scanned {_count(self.scan_rows)}, filtered {_count(self.filtered_rows)}, "
            f"unselected {_count(self.unselected_rows)}, loaded {_count(self.sink_rows)} rows"
        )

    def failure_message(self, rejected_rows: Iterable[str] = ()) -> str:
        """
        Return the failure text: label, cancel type, StarRocks's message and the first rejected rows.

        :param rejected_rows: the first rejected rows from the job's tracking log, when StarRocks kept them.
        """
        if self.state == "UNKNOWN":
            head = (
                f"StarRocks load {self.label!r} (job {self.job_id}) is UNKNOWN: its outcome cannot be "
                "determined; check the target table before re-running"
            )
        else:
            head = f"StarRocks load {self.label!r} (job {self.job_id}) {self.state}"
        parts = [head]
        if self.cancel_type:
            parts.append(f"cancel type {self.cancel_type}")
        if self.error_text:
            parts.append(f"message: {self.error_text}")
        if self.filtered_rows:
            parts.append(f"{self.filtered_rows} rows filtered of {_count(self.scan_rows)} scanned")
        rows = [r for r in rejected_rows if r]
        if rows:
            parts.append("first rejected rows:\n  " + "\n  ".join(rows))
        elif self.tracking_sql or self.tracking_url:
            parts.append(f"rejected rows: {self.tracking_sql or self.tracking_url}")
        return "; ".join(parts) + "."


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def _old_layout_rows(norm: Mapping[str, Any]) -> dict[str, Any]:
    # 2.x SHOW LOAD: scanned rows only in JobDetails, normal/abnormal rows in EtlInfo "dpp.norm.ALL=n; ...".
    out: dict[str, Any] = {}
    details = _text(norm.get("JOBDETAILS"))
    if details:
        try:
            out["scan_rows"] = json.loads(details).get("ScannedRows")
        except (ValueError, AttributeError):
            pass
    etl = _text(norm.get("ETLINFO")) or ""
    for key, field in (("dpp.norm.ALL", "sink_rows"), ("dpp.abnorm.ALL", "filtered_rows")):
        match = re.search(re.escape(key) + r"\s*=\s*(\d+)", etl)
        if match:
            out[field] = match.group(1)
    return out


def parse_rows(rows: Iterable[Iterable[Any]], columns: Iterable[str]) -> list[LoadState]:
    """
    Parse every row of a status query result, in row order.

    :param rows: the rows.
    :param columns: the column names (``cursor.description``).
    """
    names = list(columns)
    return [LoadState.from_row(dict(zip(names, row))) for row in rows]


def parse_rows_per_label(
    rows: Iterable[Iterable[Any]], columns: Iterable[str]
) -> tuple[list[LoadState], dict[str, UnreadableStatusError]]:
    """
    Parse a batched status result; an unreadable row fails only its own label's poll, not the batch.

    :param rows: the rows.
    :param columns: the column names.
    """
    names = list(columns)
    states: list[LoadState] = []
    unreadable: dict[str, UnreadableStatusError] = {}
    for row in rows:
        values = dict(zip(names, row))
        try:
            states.append(LoadState.from_row(values))
        except UnreadableStatusError as exc:
            unreadable[_text(_normalize(values).get("LABEL")) or ""] = exc
    return states, unreadable


def current_job(states: Iterable[LoadState]) -> LoadState | None:
    """
    Return the job that decides a label's state: the one with the highest job id.

    A CANCELLED label can be reused, so one label may have several jobs; the newest has the highest id.

    :param states: every job of one label.
    """
    jobs = list(states)
    if not jobs:
        return None
    return max(jobs, key=lambda s: -1 if s.job_id is None else s.job_id)
