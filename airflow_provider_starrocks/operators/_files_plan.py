"""The checked form of an INSERT-from-FILES() load's arguments, and its result (no SQL is sent here)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.operators._load_spec import LabelLoadSpec
from airflow_provider_starrocks.utils.aws_auth import (
    AwsSecretsMixin,
    build_aws_properties,
    check_no_auth_keys,
)
from airflow_provider_starrocks.utils.column_types import check_column_name
from airflow_provider_starrocks.utils.load_options import argument_error as _fail
from airflow_provider_starrocks.utils.load_options import check_sources, split_format_options
from airflow_provider_starrocks.utils.sql import validate_label, validate_name
from airflow_provider_starrocks.utils.statements.files import insert_from_files, submit_task

if TYPE_CHECKING:
    from airflow_provider_starrocks.utils.aws_auth import AwsProperties
    from airflow_provider_starrocks.utils.load_state import LoadState
    from airflow_provider_starrocks.utils.sql import Statement
    from airflow_provider_starrocks.utils.task_run_state import TaskRunState

# files.md: parquet since 3.1, orc and csv since 3.3 (avro 3.4.4+ is not offered).
FILES_FORMATS = {"parquet": (3, 1), "orc": (3, 3), "csv": (3, 3)}
# The Airflow guide's SUBMIT TASK + task_runs polling pattern: "Requires StarRocks 3.4+" (starrocks.md section 6).
TASK_VERSION = (3, 4)
# Session variable insert_timeout (default 14400 s); FILES() keys the other arguments own.
DEFAULT_INSERT_TIMEOUT = 14400
_OWNED_KEYS = {"path": "source", "format": "format"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class FilesFunctionPlan(AwsSecretsMixin):
    """
    What a statement around the ``FILES()`` table function needs: its properties, credentials and release gate.

    :param label: the statement's identity (the load label, or the unload's record key).
    :param files_properties: FILES() properties without auth.
    :param auth: the ``aws.s3.*`` properties.
    :param min_version: the oldest StarRocks release that runs the statement.
    :param feature: what needs ``min_version``, for the error message.
    """

    label: str
    files_properties: Mapping[str, Any]
    auth: AwsProperties
    min_version: tuple[int, ...]
    feature: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class FilesPlan(FilesFunctionPlan):
    """
    Everything needed to run the INSERT (or submit it as a task) under its label.

    :param database: the target database.
    :param table: the target table.
    :param label: the INSERT job's label, also the task name.
    :param files_properties: FILES() properties without auth.
    :param auth: the ``aws.s3.*`` properties.
    :param columns: target columns.
    :param select: the select list (parsed and re-rendered by the statement builder).
    :param where: the predicate (likewise).
    :param insert_timeout: seconds, or ``None`` for the server default.
    :param min_version: the oldest StarRocks release that runs this load.
    :param feature: what needs ``min_version``, for the error message.
    """

    database: str
    table: str
    columns: tuple[str, ...]
    select: str
    where: str | None
    insert_timeout: int | None

    @property
    def timeout(self) -> int:
        return self.insert_timeout or DEFAULT_INSERT_TIMEOUT

    #: What is submitted, for the log line.
    submit_kind = "INSERT from FILES()"

    def statement(self, label: str) -> Statement:
        """
        Render the ``INSERT ... WITH LABEL ... FROM FILES(...)`` statement and its redacted twin under ``label``.

        :param label: the label to submit under.
        """
        return insert_from_files(
            database=self.database,
            table=self.table,
            label=label,
            files_properties={**self.files_properties, **self.auth},
            secret_keys=self.auth.secret_keys,
            columns=self.columns,
            select=self.select,
            where=self.where,
        )

    def task(self) -> Statement:
        """Render ``SUBMIT TASK <label> AS <insert>``, the task named after the label."""
        properties = {"session.insert_timeout": self.insert_timeout} if self.insert_timeout else None
        return submit_task(self.label, self.statement(self.label), properties)


@dataclasses.dataclass(frozen=True, kw_only=True)
class FilesSpec(LabelLoadSpec):
    """
    A FILES() load's arguments as the operator holds them after rendering: unchecked, possibly from ``dag_run.conf``.

    Field names and meanings are the operator's arguments (:class:`.StarRocksInsertFromFilesOperator`).
    """

    select: Any
    insert_timeout: Any
    submit_as_task: Any


def _files_properties(op: FilesSpec, fmt: str) -> dict[str, Any]:
    source = op.source
    if not isinstance(source, str):
        raise _fail(
            "source", f"got {source!r}", "pass one s3:// path (globs such as s3://bucket/dir/*.parquet work)"
        )
    (path,) = check_sources(source, "source")
    _, csv_options, _ = split_format_options(fmt, op.format_options, "format_options")
    props: dict[str, Any] = {"path": path, "format": fmt}
    props.update({f"csv.{key}": value for key, value in csv_options.items()})
    extra = op.properties or {}
    if not isinstance(extra, Mapping):
        raise _fail("properties", f"got {type(extra).__name__}", "pass a dict of FILES() property -> value")
    check_no_auth_keys(extra, "properties")
    for key, value in extra.items():
        if not isinstance(key, str) or not key.strip():
            raise _fail("properties", f"key {key!r} is not a non-empty string", "use FILES() property names")
        lowered = key.strip().lower()
        if lowered in _OWNED_KEYS:
            raise _fail(
                f"properties[{key!r}]", "is set from an argument", f"pass {_OWNED_KEYS[lowered]}= instead"
            )
        if lowered.startswith("csv."):
            raise _fail(
                f"properties[{key!r}]", "is a CSV option", f"pass format_options={{{key[4:]!r}: ...}}"
            )
        if not isinstance(value, (str, int, float, bool)):
            raise _fail(
                f"properties[{key!r}]", f"got {type(value).__name__}", "pass a str, int, float or bool"
            )
        props[key] = value
    return props


def _columns(columns: object) -> tuple[str, ...]:
    if columns is None:
        return ()
    if (
        isinstance(columns, str)
        or not isinstance(columns, Sequence)
        or not columns
        or not all(isinstance(c, str) and c.strip() for c in columns)
    ):
        raise _fail("columns", f"got {columns!r}", "pass a non-empty list of target column names")
    return tuple(check_column_name(c, "columns") for c in columns)


def build_files_plan(op: FilesSpec, label: str) -> FilesPlan:
    """
    Check every argument and return the plan; raises ``ValueError`` before any SQL is sent.

    :param op: the arguments, templates rendered.
    :param label: the label to use (user-given or derived).
    """
    validate_name(op.database, "database", "database")
    validate_name(op.table, "table", "table")
    validate_label(label)
    fmt = op.format.lower() if isinstance(op.format, str) else op.format
    if fmt not in FILES_FORMATS:
        raise _fail("format", f"{op.format!r} is not supported by FILES() loads", "use parquet, orc or csv")
    props = _files_properties(op, fmt)
    if not isinstance(op.select, str):
        raise _fail("select", f"got {type(op.select).__name__}", "pass the select list as a string, e.g. '*'")
    if op.where is not None and not isinstance(op.where, str):
        raise _fail("where", f"got {type(op.where).__name__}", "pass the predicate as a string")
    timeout = op.insert_timeout
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0):
        raise _fail(
            "insert_timeout", f"{timeout!r} is not a positive whole number", "pass seconds, e.g. 3600"
        )
    auth = build_aws_properties(
        op.aws_conn_id, "s3", credential_mode=op.credential_mode, region=op.region, purpose="load"
    )
    version, feature = FILES_FORMATS[fmt], f"INSERT ... FROM FILES() with format {fmt!r}"
    if op.submit_as_task:
        version, feature = TASK_VERSION, "submit_as_task (SUBMIT TASK polled in information_schema.task_runs)"
    plan = FilesPlan(
        database=op.database,
        table=op.table,
        label=label,
        files_properties=props,
        auth=auth,
        columns=_columns(op.columns),
        select=op.select,
        where=op.where,
        insert_timeout=timeout,
        min_version=version,
        feature=feature,
    )
    plan.task()  # renders every expression and literal once, so a value SQL cannot carry fails here
    return plan


def result_of(
    target: FilesPlan | FilesSpec, label: str, load: LoadState | None, run: TaskRunState | None
) -> dict[str, Any]:
    """
    Return the task's XCom: label, rows, timings and the task run; never properties.

    :param target: the plan or the arguments (``database`` and ``table``).
    :param label: the label (and task name).
    :param load: the INSERT job, when StarRocks still lists it.
    :param run: the task run, for ``submit_as_task``.
    """
    result: dict[str, Any] = {
        "label": label,
        "database": target.database,
        "table": target.table,
        "state": load.state if load else None,
        "job_id": load.job_id if load else None,
        "rows_inserted": load.sink_rows if load else None,
        "filtered_rows": load.filtered_rows if load else None,
        "scan_rows": load.scan_rows if load else None,
        "create_time": load.create_time if load else None,
        "load_start_time": load.load_start_time if load else None,
        "load_finish_time": load.load_finish_time if load else None,
    }
    if run is not None:
        result.update(
            task_name=run.task_name,
            task_state=run.state,
            task_create_time=run.create_time,
            task_finish_time=run.finish_time,
        )
    return result
