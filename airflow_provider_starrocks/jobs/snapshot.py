"""
The snapshot a sensor waits for in a repository, as ``SHOW SNAPSHOT ON <repo> WHERE SNAPSHOT = "<name>"`` lists it.

Columns are read by name (Snapshot, Timestamp, Status); the rows are ``Repository.getSnapshotInfo``'s.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.jobs.base import JobKind, JobStatus
from airflow_provider_starrocks.utils.cells import cell_text as _text
from airflow_provider_starrocks.utils.statements.backup import show_snapshot

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class SnapshotStatus(JobStatus):
    """
    A snapshot as ``SHOW SNAPSHOT ON <repo> WHERE SNAPSHOT = "<name>"`` lists it; present = terminal success.

    ``Repository.getSnapshotInfo`` answers one row per asked snapshot: its backup timestamps one a line and
    ``Status`` ``OK``, or ``ERROR: no snapshot`` when it has none (``ERROR: Failed to get info: ...`` when the
    repository cannot be listed). ``label`` is the snapshot name; ``job_id`` is always ``None``.
    """

    SUCCESS: ClassVar[frozenset[str]] = frozenset({"PRESENT"})
    FAILURE: ClassVar[frozenset[str]] = frozenset()

    label: str
    state: str
    repository: str | None = None
    timestamps: tuple[str, ...] = ()
    status: str | None = None
    job_id: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any], repository: str | None = None) -> SnapshotStatus:
        """
        Parse one SHOW SNAPSHOT row.

        :param row: column name -> cell.
        :param repository: the repository it was read from.
        """
        status = _text(row.get("Status")) or ""
        stamps = [s.strip() for s in (_text(row.get("Timestamp")) or "").splitlines()]
        # "Invalid: <file>" lines are info files StarRocks could not decode; they name no usable backup.
        timestamps = tuple(sorted(s for s in stamps if s and not s.startswith("Invalid:")))
        present = status == "OK" and bool(timestamps)
        return cls(
            label=_text(row.get("Snapshot")) or "",
            state="PRESENT" if present else "ABSENT",
            repository=repository,
            timestamps=timestamps,
            status=status or None,
        )

    @property
    def newest(self) -> str | None:
        """The newest backup timestamp (``yyyy-MM-dd-HH-mm-ss-SSS`` sorts as text)."""
        return self.timestamps[-1] if self.timestamps else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SnapshotStatus:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["timestamps"] = tuple(values.get("timestamps") or ())
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["timestamps"] = list(self.timestamps)
        return data

    def progress_key(self) -> tuple[Any, ...]:
        return (self.state, self.timestamps)

    def describe(self) -> str:
        if self.state == "PRESENT":
            return f"snapshot {self.label!r} in repository {self.repository!r}: present, newest backup {self.newest}"
        return f"snapshot {self.label!r} in repository {self.repository!r}: not there yet ({self.status})"

    def failure_message(self, details: Iterable[str] = ()) -> str:
        return "; ".join([self.describe(), *details])


def parse_snapshot_rows(
    rows: Iterable[Sequence[Any]], columns: Sequence[str], repository: str | None = None
) -> list[SnapshotStatus]:
    """
    Parse SHOW SNAPSHOT rows by column name.

    :param rows: the rows of the answer.
    :param columns: its column names.
    :param repository: the repository they were read from.
    """
    return [SnapshotStatus.from_row(dict(zip(columns, row)), repository) for row in rows]


class SnapshotKind(JobKind):
    """
    A snapshot awaited in a repository; ``database`` holds the repository's name (a snapshot has no database).

    It is never cancelled. Until the snapshot has a backup it reports no job, which a sensor waits through.
    """

    name: ClassVar[str] = "snapshot"
    noun: ClassVar[str] = "snapshot"
    status_type = SnapshotStatus

    @property
    def repository(self) -> str:
        return self.database

    def _present(self, rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> list[JobStatus]:
        found = [s for s in parse_snapshot_rows(rows, columns, self.repository) if s.label == self.identity]
        return [s for s in found if s.is_success]

    def fetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        return self._present(*hook._fetch(conn, show_snapshot(self.repository, self.identity)))

    async def afetch(self, hook: Any, conn: Any) -> list[JobStatus]:
        return self._present(*await hook._afetch(conn, show_snapshot(self.repository, self.identity)))

    def missing_message(self) -> str:
        return (
            f"Snapshot {self.identity!r} is not in repository {self.repository!r} (SHOW SNAPSHOT lists no backup "
            "of it)."
        )
