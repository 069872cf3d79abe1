"""Synchronous waiting for an INSERT job or a task run, on the shared state objects and polling rules."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.hooks.load_status import driver_message
from airflow_provider_starrocks.utils.load_state import StarRocksLoadError
from airflow_provider_starrocks.utils.polling import (
    MAX_POLL_ERRORS,
    LoadWatch,
    next_delay,
)

if TYPE_CHECKING:
    from collections.abc import Callable


def wait_for_end(op: Any, fetch: Callable[[Any], list[Any]], conn: Any, label: str, deadline: float) -> Any:
    """
    Poll until the label's job (or the task's run) ends; return its final state.

    :param op: the operator (``log`` and ``poll_interval``).
    :param fetch: returns the jobs or runs of the label from a connection.
    :param conn: an open connection.
    :param label: the label or task name.
    :param deadline: absolute deadline, seconds since the epoch.
    """
    watch = LoadWatch(label, submitted=True)
    attempt = errors = 0
    while True:
        remaining = deadline - time.time()
        if remaining <= 0:
            raise StarRocksLoadError(
                f"Timed out waiting for StarRocks {label!r} (still running in StarRocks)."
            )
        time.sleep(min(next_delay(op.poll_interval, attempt), remaining))
        attempt += 1
        try:
            state = watch.observe(fetch(conn))
            errors = 0
        except StarRocksLoadError:
            raise
        except Exception as exc:
            errors += 1
            if errors >= MAX_POLL_ERRORS:
                raise StarRocksLoadError(
                    f"StarRocks {label!r}: polling failed: {driver_message(exc)}"
                ) from None
            op.log.warning("Polling %r failed (%s); reconnecting.", label, exc)
            _reconnect(conn)
            continue
        assert state is not None
        if watch.changed(state):
            op.log.info("StarRocks %s", state.describe())
            attempt = 0  # it is moving: back to the base interval
        if state.is_terminal:
            return state


def _reconnect(conn: Any) -> None:
    try:
        conn.ping(reconnect=True)
    except Exception:  # the next poll reports it; MAX_POLL_ERRORS bounds the attempts
        pass
