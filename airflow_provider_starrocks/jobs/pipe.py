"""
Job kind ``pipe_files``: the files of a pipe in ``information_schema.pipe_files``, and their aggregate state.

The job followed is "these files of this pipe": its identity is a JSON object with the pipe and either a
``path_prefix`` or ``files``; its status aggregates the files (WAITING, LOADING, FINISHED, ERROR). StarRocks has
no cancel for it, and a wait never changes the pipe.

Columns (``catalog/system/information/PipeFileSystemTable.java``, identical on pinterest/starrocks
``pinterest-release-3.3.5`` 7c653fb8, ``pinterest-integration-3.4.0`` a53c7f01, ``pinterest-integration-3.5``
61380ea4 and ``main`` 70d1c246): DATABASE_NAME, PIPE_ID, PIPE_NAME, FILE_NAME, FILE_VERSION, FILE_SIZE,
LAST_MODIFIED, LOAD_STATE, STAGED_TIME, START_LOAD_TIME, FINISH_LOAD_TIME, ERROR_MSG. LOAD_STATE is a
``FileListRepo.PipeFileState``: UNLOADED, LOADING, FINISHED, SKIPPED, ERROR (``load/pipe/filelist/FileListRepo.java``;
nothing in the FE sets SKIPPED on these releases). ``ALTER PIPE ... RETRY`` turns ERROR files back to UNLOADED.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_starrocks.jobs.base import JobKind, JobStatus
from airflow_provider_starrocks.utils.statements.pipes import pipe_files, pipes

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

FINISHED, ERROR, SKIPPED = "FINISHED", "ERROR", "SKIPPED"
#: Aggregate states: WAITING (no file yet), LOADING (some not FINISHED), FINISHED (all), ERROR (any in ERROR).
WAITING, LOADING = "WAITING", "LOADING"
_NULL = {"", "NULL", "\\N"}
_SHOWN = 20  # file names listed in a message before "... and N more"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return None if text in _NULL else text


def same_file(name: str) -> str:
    """
    Return the file's name with ``s3a://`` / ``s3n://`` read as ``s3://`` (the same objects).

    :param name: an ``s3://`` path.
    """
    for scheme in ("s3a://", "s3n://"):
        if name.startswith(scheme):
            return "s3://" + name[len(scheme) :]
    return name


@dataclasses.dataclass(frozen=True)
class PipeFile:
    """
    One row of ``information_schema.pipe_files``.

    :param name: FILE_NAME.
    :param state: LOAD_STATE.
    :param pipe_id: PIPE_ID (a re-created pipe has a new one).
    :param size: FILE_SIZE.
    :param error: ERROR_MSG.
    :param finish_time: FINISH_LOAD_TIME.
    """

    name: str
    state: str
    pipe_id: int | None = None
    size: int | None = None
    error: str | None = None
    finish_time: str | None = None


def parse_pipe_files(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> list[PipeFile]:
    """
    Parse ``information_schema.pipe_files`` rows by column name.

    :param rows: the rows.
    :param columns: the result's column names.
    """
    index = {str(c).upper(): i for i, c in enumerate(columns)}
    missing = {"FILE_NAME", "LOAD_STATE"} - set(index)
    if missing:
        raise ValueError(f"information_schema.pipe_files answered without {sorted(missing)}")

    def cell(row: Sequence[Any], name: str) -> str | None:
        return _text(row[index[name]]) if name in index else None

    out = []
    for row in rows:
        name, state = cell(row, "FILE_NAME"), cell(row, "LOAD_STATE")
        if name is None:
            continue
        pipe_id, size = cell(row, "PIPE_ID"), cell(row, "FILE_SIZE")
        out.append(
            PipeFile(
                name=name,
                state=(state or "").upper(),
                pipe_id=int(pipe_id) if pipe_id and pipe_id.isdigit() else None,
                size=int(size) if size and size.isdigit() else None,
                error=cell(row, "ERROR_MSG"),
                finish_time=cell(row, "FINISH_LOAD_TIME"),
            )
        )
    return out


@dataclasses.dataclass(frozen=True)
class PipeFilesSummary:
    """
    The aggregate of the files waited for: its state and the files in each group.

    :param state: WAITING, LOADING, FINISHED or ERROR.
    :param finished: names of the FINISHED files.
    :param pending: names not FINISHED yet (listed in another state, or not listed at all).
    :param errors: ``(name, ERROR_MSG)`` of the files in ERROR (or SKIPPED).
    """

    state: str
    finished: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    errors: tuple[tuple[str, str], ...] = ()


def summarize(
    files: Iterable[PipeFile], *, path_prefix: str | None = None, wanted: Iterable[str] | None = None
) -> PipeFilesSummary:
    """
    Aggregate the files under ``path_prefix`` (or exactly ``wanted``); the newest pipe id wins per file.

    :param files: the pipe's files.
    :param path_prefix: wait for every file listed under this prefix (at least one).
    :param wanted: wait for exactly these files (listed and FINISHED).
    """
    latest: dict[str, PipeFile] = {}
    for file in files:
        key = same_file(file.name)
        if key not in latest or (file.pipe_id or 0) >= (latest[key].pipe_id or 0):
            latest[key] = file
    if wanted is not None:
        names = sorted({same_file(n) for n in wanted})
    else:
        prefix = same_file(path_prefix or "")
        names = sorted(n for n in latest if n.startswith(prefix))
    finished = tuple(n for n in names if n in latest and latest[n].state == FINISHED)
    errors = tuple(
        (n, latest[n].error or f"the pipe marked it {latest[n].state}")
        for n in names
        if n in latest and latest[n].state in (ERROR, SKIPPED)
    )
    failed = {n for n, _ in errors}
    pending = tuple(n for n in names if n not in finished and n not in failed)
    if errors:
        state = ERROR
    elif not names:
        state = WAITING
    elif pending:
        state = LOADING if any(n in latest for n in pending) or finished else WAITING
    else:
        state = FINISHED
    return PipeFilesSummary(state, finished, pending, errors)


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" ... and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def pipe_identity(pipe: str, path_prefix: str | None = None, files: Sequence[str] | None = None) -> str:
    """
    Return the identity of "these files of this pipe", a JSON object (what trigger kwargs carry).

    :param pipe: the pipe.
    :param path_prefix: the prefix waited on.
    :param files: the files waited on, instead of a prefix.
    """
    value: dict[str, Any] = {"pipe": pipe}
    if files is not None:
        value["files"] = sorted(files)
    else:
        value["path_prefix"] = path_prefix
    return json.dumps(value, sort_keys=True)


@dataclasses.dataclass(frozen=True)
class PipeFilesStatus(JobStatus):
    """
    The aggregate of the files waited on; ``job_id`` is the pipe id, ``label`` the identity.

    :param job_id: PIPE_ID of the newest file row (``None`` before any file is listed).
    :param label: the identity (:func:`pipe_identity`).
    :param state: WAITING, LOADING, FINISHED or ERROR.
    :param finished: the FINISHED files.
    :param pending: the files not FINISHED yet (listed in another state or not listed).
    :param errors: ``[name, ERROR_MSG]`` of the files in ERROR.
    """

    SUCCESS: ClassVar[frozenset[str]] = frozenset({FINISHED})
    FAILURE: ClassVar[frozenset[str]] = frozenset({ERROR})

    job_id: int | None
    label: str
    state: str
    finished: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    errors: tuple[tuple[str, str], ...] = ()

    @property
    def is_fatal(self) -> bool:
        # A file in ERROR stays so until someone fixes it and runs ALTER PIPE ... RETRY: a task retry cannot.
        return self.state == ERROR

    @property
    def where(self) -> str:
        try:
            identity = json.loads(self.label)
        except ValueError:
            return self.label
        scope = identity.get("path_prefix") or f"{len(identity.get('files') or ())} file(s)"
        return f"pipe {identity.get('pipe')!r}, {scope}"

    def progress_key(self) -> tuple[Any, ...]:
        return (self.state, len(self.finished), len(self.pending), len(self.errors))

    def describe(self) -> str:
        return (
            f"pipe files ({self.where}): {self.state}, {len(self.finished)} finished, {len(self.pending)} pending"
            + (f" ({_names(self.pending)})" if self.pending else "")
        )

    def failure_message(self, details: Iterable[str] = ()) -> str:
        if not self.errors:
            return self.describe()
        name, message = self.errors[0]
        more = f" ({len(self.errors) - 1} more in ERROR)" if len(self.errors) > 1 else ""
        return (
            f"The pipe failed to load {name}: {message}{more}. Fix the file or the table, then ALTER PIPE ... "
            "RETRY ALL (StarRocksAlterPipeOperator(action='retry'))."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "label": self.label,
            "state": self.state,
            "finished": list(self.finished),
            "pending": list(self.pending),
            "errors": [list(e) for e in self.errors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PipeFilesStatus:
        return cls(
            job_id=data.get("job_id"),
            label=str(data.get("label") or ""),
            state=str(data.get("state") or WAITING),
            finished=tuple(data.get("finished") or ()),
            pending=tuple(data.get("pending") or ()),
            errors=tuple((str(n), str(m)) for n, m in data.get("errors") or ()),
        )


class PipeFilesKind(JobKind):
    """
    The files of a pipe, read from ``information_schema.pipe_files``; ``[]`` while the pipe does not exist.

    :param database: the pipe's database.
    :param identity: :func:`pipe_identity`.
    """

    name: ClassVar[str] = "pipe_files"
    noun: ClassVar[str] = "pipe's files"
    status_type = PipeFilesStatus

    def __init__(self, database: str, identity: str) -> None:
        super().__init__(database, identity)
        value = json.loads(identity)
        self.pipe: str = value["pipe"]
        self.path_prefix: str | None = value.get("path_prefix")
        self.files: list[str] | None = value.get("files")

    def _status(
        self, pipe_rows: list[Any], rows: Iterable[Sequence[Any]], columns: Sequence[str]
    ) -> list[Any]:
        if not pipe_rows:
            return []
        files = parse_pipe_files(rows, columns)
        summary = summarize(files, path_prefix=self.path_prefix, wanted=self.files)
        ids = [f.pipe_id for f in files if f.pipe_id is not None]
        return [
            PipeFilesStatus(
                job_id=max(ids) if ids else None,
                label=self.identity,
                state=summary.state,
                finished=summary.finished,
                pending=summary.pending,
                errors=summary.errors,
            )
        ]

    def fetch(self, hook: Any, conn: Any) -> list[Any]:
        pipe_rows, _ = hook._fetch(conn, pipes(self.database, self.pipe))
        rows, columns = hook._fetch(conn, pipe_files(self.database, self.pipe, self.files))
        return self._status(pipe_rows, rows, columns)

    async def afetch(self, hook: Any, conn: Any) -> list[Any]:
        pipe_rows, _ = await hook._afetch(conn, pipes(self.database, self.pipe))
        rows, columns = await hook._afetch(conn, pipe_files(self.database, self.pipe, self.files))
        return self._status(pipe_rows, rows, columns)

    def missing_message(self) -> str:
        return (
            f"Pipe {self.database}.{self.pipe} is no longer listed in information_schema.pipes (dropped while "
            "waiting?): its files cannot be followed."
        )
