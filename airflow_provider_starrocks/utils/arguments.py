"""
The checks of arguments that operators and sensors run in their constructors (light: DAG files import them).

Each bad value raises :class:`~airflow_provider_starrocks.exceptions.LoadArgumentError` naming the argument and
the fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from airflow_provider_starrocks.exceptions import LoadArgumentError

_SOURCE = re.compile(r"^s3a?://[^/\s]+(/.*)?\Z", re.DOTALL)


def argument_error(argument: str, problem: str, fix: str) -> LoadArgumentError:
    """
    Return the error for a bad argument: ``"<argument>: <problem>; <fix>."``.

    :param argument: the argument's name.
    :param problem: what is wrong with its value.
    :param fix: what to pass instead.
    """
    return LoadArgumentError(f"{argument}: {problem}; {fix}.")


def check_poll_interval(poll_interval: object) -> float:
    """Return ``poll_interval`` as seconds, or raise when it is not a finite positive number."""
    if (
        isinstance(poll_interval, bool)
        or not isinstance(poll_interval, (int, float))
        or not math.isfinite(poll_interval)
        or poll_interval <= 0
    ):
        raise LoadArgumentError(
            f"poll_interval: {poll_interval!r} is not a positive number of seconds; pass e.g. 10."
        )
    return float(poll_interval)


def check_flag(value: object, argument: str) -> bool:
    """
    Return a boolean argument: ``True``/``False`` or the strings ``"true"``/``"false"`` (any case), else raise.

    ``bool("false")`` is true, so a flag rendered from a template or ``dag_run.conf`` is never coerced.

    :param value: the argument's value.
    :param argument: its name, for the error.
    """
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise argument_error(argument, f"{value!r} is not a boolean", "pass True or False")
    return value


def deferrable_flag(value: object) -> bool:
    """
    Return the ``deferrable`` argument checked, ``None`` meaning ``[operators] default_deferrable``.

    :param value: the argument's value.
    """
    if value is None:
        from airflow.providers.common.compat.sdk import conf

        return conf.getboolean("operators", "default_deferrable", fallback=False)
    return check_flag(value, "deferrable")


#: What ``on_finished_label`` accepts.
ON_FINISHED_LABEL = ("skip", "reload", "fail")


def check_on_finished_label(value: object) -> str:
    """
    Return ``on_finished_label`` checked.

    :param value: the argument.
    """
    if value not in ON_FINISHED_LABEL:
        raise LoadArgumentError(
            f"on_finished_label: {value!r} is not supported; use one of {', '.join(ON_FINISHED_LABEL)}."
        )
    return str(value)


def check_keep_task(value: object) -> bool:
    """
    Return ``keep_task`` if it is a bool, else raise naming the argument.

    :param value: the argument.
    """
    if not isinstance(value, bool):
        raise LoadArgumentError(f"keep_task: got {value!r}; pass True or False.")
    return value


def check_sources(source: object, argument: str) -> list[str]:
    """
    Return the source paths as a list, each an ``s3://`` or ``s3a://`` path (globs allowed).

    :param source: one path or a list of paths.
    :param argument: the argument name, for errors.
    """
    paths = [source] if isinstance(source, str) else source
    if not isinstance(paths, Sequence) or isinstance(paths, (bytes, bytearray)) or not paths:
        raise argument_error(argument, f"got {source!r}", "pass an s3:// path or a non-empty list of them")
    for path in paths:
        if not isinstance(path, str) or not _SOURCE.match(path):
            raise argument_error(
                argument,
                f"{path!r} is not an s3:// or s3a:// path",
                "use s3://bucket/key (globs such as s3://bucket/dir/*.parquet are allowed)",
            )
    return list(paths)
