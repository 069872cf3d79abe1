"""
The files of a pipe in ``information_schema.pipe_files``, parsed by column name, and their aggregate state.

Columns (``catalog/system/information/PipeFileSystemTable.java``, identical on pinterest/starrocks
``pinterest-release-3.3.5`` 7c653fb8, ``pinterest-integration-3.4.0`` a53c7f01, ``pinterest-integration-3.5``
61380ea4 and ``main`` 70d1c246): DATABASE_NAME, PIPE_ID, PIPE_NAME, FILE_NAME, FILE_VERSION, FILE_SIZE,
LAST_MODIFIED, LOAD_STATE, STAGED_TIME, START_LOAD_TIME, FINISH_LOAD_TIME, ERROR_MSG. LOAD_STATE is a
``FileListRepo.PipeFileState``: UNLOADED, LOADING, FINISHED, SKIPPED, ERROR (``load/pipe/filelist/FileListRepo.java``;
nothing in the FE sets SKIPPED on these releases). ``ALTER PIPE ... RETRY`` turns ERROR files back to UNLOADED.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

FINISHED, ERROR, SKIPPED = "FINISHED", "ERROR", "SKIPPED"
#: Aggregate states: WAITING (no file yet), LOADING (some not FINISHED), FINISHED (all), ERROR (any in ERROR).
WAITING, LOADING = "WAITING", "LOADING"
_NULL = {"", "NULL", "\\N"}


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


def parse_pipe_files(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[PipeFile]:
    """
    Parse ``information_schema.pipe_files`` rows by column name.

    :param columns: the result's column names.
    :param rows: the rows.
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
