"""Cells of a status answer (SHOW ..., information_schema), read as text or integers; StarRocks's nulls are ``None``."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

#: What StarRocks lists for an unset value: FeConstants.NULL_STRING, "N/A" of older SHOW LOAD, MySQL's ``\N``.
NULL_TEXT = frozenset({"", "NULL", "N/A", "\\N"})


def cell_text(value: Any) -> str | None:
    """
    Return a cell as stripped text, ``None`` for StarRocks's nulls.

    :param value: the driver's value (``str``, ``bytes``, ``datetime``, a number or ``None``).
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value).strip()
    return None if text in NULL_TEXT else text


def cell_int(value: Any) -> int | None:
    """
    Return a cell as an integer, ``None`` for a null or a value that is not a number.

    :param value: the driver's value.
    """
    text = cell_text(value)
    if text is None:
        return None
    try:
        return int(float(text))
    except ValueError:
        return None


def normalized_names(row: Mapping[str, Any]) -> dict[str, Any]:
    """
    Return a row with its column names upper case and without ``_`` (``JOB_ID`` and ``JobId`` -> ``JOBID``).

    :param row: column name -> cell.
    """
    return {str(k).upper().replace("_", ""): v for k, v in row.items()}
