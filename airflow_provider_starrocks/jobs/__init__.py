"""
Asynchronous StarRocks job kinds, one module each, looked up by name (trigger kwargs and events carry it).

The registry holds import paths so that naming a kind imports only its module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_starrocks.jobs.base import JobKind

KINDS: dict[str, str] = {
    "load": "airflow_provider_starrocks.jobs.load:LoadKind",
    "task_run": "airflow_provider_starrocks.jobs.task_run:TaskRunKind",
    "pipe_files": "airflow_provider_starrocks.jobs.pipe:PipeFilesKind",
}


def get_kind(name: str) -> type[JobKind]:
    """
    Return the job kind registered under ``name``.

    :param name: the kind's name, e.g. ``"load"``.
    """
    try:
        module, _, attr = KINDS[name].partition(":")
    except (KeyError, TypeError):
        raise ValueError(f"Unknown StarRocks job kind {name!r}: expected one of {sorted(KINDS)}.") from None
    kind: type[JobKind] = getattr(importlib.import_module(module), attr)
    return kind
