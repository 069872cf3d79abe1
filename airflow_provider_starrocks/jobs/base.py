"""
What every asynchronous StarRocks job kind provides, so that one wait policy and two drivers follow them all.

A kind (broker load, INSERT WITH LABEL, SUBMIT TASK run, backup, restore, ...) says how its jobs are read
(sync and async), what one status looks like (:class:`JobStatus`), how a job is cancelled, which extra lines
explain a failure, and what it means when a job this task submitted is no longer listed. Submitting stays with
the operator: what to submit, and whether to attach, skip or resubmit, depends on its arguments.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.exceptions import StarRocksJobError, StarRocksJobFatalError
from airflow_provider_starrocks.utils.cells import cell_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping


def column(*names: str, parse: Callable[[Any], Any] = cell_text) -> Any:
    """
    Declare a status field read from a status row by column name (``None`` when the row has none of them).

    :param names: the column names that hold it, the preferred first (releases name some columns differently).
    :param parse: the cell parser, text by default (:mod:`airflow_provider_starrocks.utils.cells`).
    """
    return dataclasses.field(default=None, metadata={"columns": names, "parse": parse})


_ColumnFields = tuple[tuple[str, tuple[str, ...], "Callable[[Any], Any]"], ...]
#: status class -> its :func:`column` fields as (name, column names, parser): every row of every poll reads them.
_COLUMN_FIELDS: dict[type, _ColumnFields] = {}


def _column_fields(cls: type) -> _ColumnFields:
    found = _COLUMN_FIELDS.get(cls)
    if found is None:
        found = _COLUMN_FIELDS[cls] = tuple(
            (field.name, field.metadata["columns"], field.metadata["parse"])
            for field in dataclasses.fields(cls)
            if "columns" in field.metadata
        )
    return found


class JobStatus:
    """
    Base of the status family: a ``state`` judged against the subclass's state sets.

    Subclasses are frozen dataclasses parsed by column name, with ``job_id``, ``label`` (the job's identity) and
    ``state``, and define :meth:`describe`, :meth:`failure_message`, :meth:`to_dict` and :meth:`from_dict`.
    """

    SUCCESS: ClassVar[frozenset[str]] = frozenset()
    FAILURE: ClassVar[frozenset[str]] = frozenset()
    #: States in which the job's effect is durable but not yet visible: never cancelled, waited for.
    COMMITTED: ClassVar[frozenset[str]] = frozenset()
    job_id: int | None
    label: str
    state: str

    @property
    def is_success(self) -> bool:
        return self.state in self.SUCCESS

    @property
    def is_terminal(self) -> bool:
        return self.state in self.SUCCESS or self.state in self.FAILURE

    @property
    def is_committed(self) -> bool:
        return self.state in self.COMMITTED

    @property
    def is_cancellable(self) -> bool:
        return not self.is_terminal and not self.is_committed

    @property
    def is_fatal(self) -> bool:
        return False

    def progress_key(self) -> tuple[Any, ...]:
        """Return what, when it changes, makes a progress line due."""
        return (self.state,)

    def describe(self) -> str:
        """Return one line for the log."""
        return f"job {self.label!r} ({self.job_id}): {self.state}"

    def failure_message(self, details: Iterable[str] = ()) -> str:
        """
        Return why the job failed, StarRocks's own text first.

        :param details: further lines, e.g. the first rejected rows.
        """
        return self.describe()

    #: The columns :meth:`from_row` reads the identity and the state from (after :meth:`row_names`).
    LABEL_COLUMN: ClassVar[str] = "Label"
    STATE_COLUMN: ClassVar[str] = "State"

    @staticmethod
    def row_names(row: Mapping[str, Any]) -> Mapping[str, Any]:
        """
        Return the row with the column names its class reads (as they come, unless a subclass normalizes them).

        :param row: column name -> cell.
        """
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Any:
        """
        Parse one status row: the identity, the state (PENDING when the row has none) and every :func:`column` field.

        :param row: column name -> cell, e.g. ``dict(zip(columns, values))``.
        """
        row = cls.row_names(row)
        label, state = cell_text(row.get(cls.LABEL_COLUMN)) or "", cell_text(row.get(cls.STATE_COLUMN))
        return cls(**{"label": label, "state": (state or "PENDING").upper(), **cls.read_columns(row)})

    @classmethod
    def read_columns(cls, row: Mapping[str, Any]) -> dict[str, Any]:
        """
        Return field -> parsed cell for every field declared with :func:`column`: the first of its names in the row.

        :param row: column name -> cell, as the subclass's parser names the columns.
        """
        return {
            name: parse(next((row[n] for n in names if n in row), None))
            for name, names, parse in _column_fields(cls)
        }

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict of every field (subclasses are dataclasses of JSON-safe values)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """
        Rebuild a status from :meth:`to_dict` output (e.g. a trigger event); unknown keys are ignored.

        :param data: the dict.
        """
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


class JobKind(abc.ABC):
    """
    How one kind of StarRocks job is followed; an instance stands for one job identity.

    :param database: the database of the job.
    :param identity: what names the job: a load label, a task name, a snapshot name.
    """

    #: The registry key, carried in trigger kwargs and events (:func:`airflow_provider_starrocks.jobs.get_kind`).
    name: ClassVar[str]
    #: The job's name in messages ("load", "backup").
    noun: ClassVar[str] = "job"
    #: The status class, to rebuild a status from a trigger event.
    status_type: ClassVar[type[JobStatus]]
    #: Whether the job has a cancel statement.
    cancellable: ClassVar[bool] = False
    #: What a failed job raises, and a failure a retry cannot fix.
    error: ClassVar[type[StarRocksJobError]] = StarRocksJobError
    fatal_error: ClassVar[type[StarRocksJobError]] = StarRocksJobFatalError
    #: Whether the triggerer's shared poller can batch this kind (one statement for many identities).
    batched: ClassVar[bool] = False

    def __init__(self, database: str, identity: str) -> None:
        self.database = database
        self.identity = identity

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.database!r}, {self.identity!r})"

    @abc.abstractmethod
    def fetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        """
        Return every job of this identity, ``[]`` when StarRocks lists none.

        :param hook: the StarRocks hook.
        :param conn: an open connection from ``hook.get_load_conn()``.
        """

    @abc.abstractmethod
    async def afetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        """
        Return every job of this identity (async).

        :param hook: the StarRocks hook.
        :param conn: an open aiomysql connection from ``hook.aget_load_conn()``.
        """

    def cancel(self, hook: Any, conn: Any) -> bool:
        """
        Send the cancel statement; return whether StarRocks took it.

        :param hook: the StarRocks hook.
        :param conn: an open connection.
        """
        return False

    async def acancel(self, hook: Any, conn: Any) -> bool:
        """
        Send the cancel statement (async); return whether StarRocks took it.

        :param hook: the StarRocks hook.
        :param conn: an open aiomysql connection, or ``None`` to open one.
        """
        return False

    def details(self, hook: Any, conn: Any, status: JobStatus) -> list[str]:
        """
        Return further lines explaining a failed job (best effort).

        :param hook: the StarRocks hook.
        :param conn: an open connection.
        :param status: the failed job.
        """
        return []

    async def adetails(self, hook: Any, conn: Any, status: JobStatus) -> list[str]:
        """
        Return further lines explaining a failed job (async, best effort).

        :param hook: the StarRocks hook.
        :param conn: an open aiomysql connection.
        :param status: the failed job.
        """
        return []

    def missing_message(self) -> str:
        """Return the failure text for a job this task submitted that StarRocks no longer lists."""
        return (
            f"StarRocks {self.noun} {self.identity!r}: state unknown. It was submitted but StarRocks no longer "
            "lists it; it is not submitted again: check its effect in StarRocks before clearing the task."
        )
