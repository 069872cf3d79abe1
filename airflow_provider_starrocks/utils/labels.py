"""
Deterministic StarRocks load labels.

A label is StarRocks's idempotency key: a FINISHED or in-flight label cannot be used again, so a label derived
from the task instance makes a retried or re-run task find its earlier load instead of loading twice.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from airflow_provider_starrocks.utils.sql import validate_label

MAX_LABEL_LENGTH = 128
_HASH_LENGTH = 16
_UNSAFE = re.compile(r"[^-\w]+", re.ASCII)


def _digest(*parts: object) -> str:
    # "\x1f" cannot appear in dag or task ids, so ("a_b", "c") and ("a", "b_c") hash differently.
    raw = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:_HASH_LENGTH]


def _readable(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_")


def _fit(readable: str, digest: str) -> str:
    room = MAX_LABEL_LENGTH - len(digest) - 1
    head = readable[:room].rstrip("_")
    return validate_label(f"{head}_{digest}" if head else digest)


def default_label(dag_id: str, task_id: str, run_id: str, map_index: int | None = -1) -> str:
    r"""
    Return the label of one task instance's load: the same inputs always give the same label.

    The readable part keeps the ids with every character outside ``[-\w]`` replaced by ``_`` (run ids carry
    ``:`` and ``+``); the hash of the untouched ids keeps distinct task instances apart after that
    replacement and after truncation to 128 characters.

    :param dag_id: the DAG id.
    :param task_id: the task id.
    :param run_id: the DAG run id.
    :param map_index: the map index of a mapped task; ``-1`` or ``None`` for an unmapped one.
    """
    index = -1 if map_index is None else int(map_index)
    readable = _readable(f"{dag_id}__{task_id}__{run_id}" + (f"__{index}" if index >= 0 else ""))
    return _fit(readable, _digest(dag_id, task_id, run_id, index))


def task_label(ti: Any, label: str | None) -> str:
    """
    Return ``label`` when given, else the task instance's deterministic default label.

    :param ti: the running task instance (``dag_id``, ``task_id``, ``run_id``, ``map_index``).
    :param label: the label the user passed (templates rendered), or ``None``.
    """
    if label is not None:  # "" is refused by validate_label, never silently replaced
        return label
    return default_label(ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", -1))


def reload_label(base_label: str, try_number: int, attempt: int = 1) -> str:
    """
    Return the label for loading the data of ``base_label`` again, distinct per try.

    :param base_label: the label whose load already FINISHED.
    :param try_number: the task's try number; every try that reloads gets its own label.
    :param attempt: 2, 3, ... when that label is taken too (Airflow may restart try numbers on a clear).
    """
    suffix = f"_reload{int(try_number)}" + (f"_{int(attempt)}" if attempt > 1 else "")
    if len(base_label) + len(suffix) <= MAX_LABEL_LENGTH:
        return validate_label(base_label + suffix)
    return _fit(_readable(base_label) + suffix, _digest(base_label, try_number, attempt))
