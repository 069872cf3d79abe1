"""The one synchronous wait loop: read a job's status, ask the wait policy, act (the worker's path)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import StarRocksJobError, StarRocksLoadError
from airflow_provider_starrocks.hooks.load_status import driver_message
from airflow_provider_starrocks.utils.polling import MAX_POLL_ERRORS
from airflow_provider_starrocks.utils.wait_policy import READ_FLOOR_SECONDS, Step

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_starrocks.utils.wait_policy import WaitPolicy


def wait_for_end(
    hook: Any,
    policy: WaitPolicy,
    fetch: Callable[[Any], list[Any]],
    conn: Any,
    log: Any,
    cancel: Callable[[Any], bool] | None = None,
    error: type[StarRocksJobError] = StarRocksLoadError,
) -> Step:
    """
    Poll until the policy's final step and return it (``succeed`` or ``fail``).

    Every statement waits at most the time left before the deadline (at least :data:`READ_FLOOR_SECONDS`).
    A failed read reconnects the same connection (the caller keeps owning it); :data:`MAX_POLL_ERRORS` in a
    row, or a silent FE past the deadline, end the wait.

    :param hook: the StarRocks hook (connections, read bounds).
    :param policy: the job's wait policy.
    :param fetch: returns the jobs (or task runs) of the label from a connection.
    :param conn: an open connection from :meth:`get_load_conn`.
    :param log: the operator's logger.
    :param cancel: sends the job's cancel statement on a connection; returns whether StarRocks took it.
    :param error: what a wait that cannot read the job raises (the job kind's error).
    """
    errors = 0
    step = Step("wait", policy.delay(time.time()))
    while True:
        time.sleep(step.delay)
        try:
            hook.bound_reads(conn, max(policy.deadline - time.time(), READ_FLOOR_SECONDS))
            jobs = fetch(conn)
            errors = 0
        except StarRocksJobError:
            raise
        except Exception as exc:
            errors += 1
            if time.time() >= policy.deadline or errors >= MAX_POLL_ERRORS:
                raise error(_silent_fe(hook, policy, exc, cancel, log)) from None
            log.warning(
                "Reading StarRocks job %r failed (%s); reconnecting.", policy.label, driver_message(exc)
            )
            hook.reconnect(conn)  # a failure here shows at the next read, where it counts like any other
            step = Step("wait", policy.delay(time.time()))
            continue
        step = policy.decide(jobs, time.time())
        if step.warning:
            log.warning("%s", step.warning)
        if step.log and step.action == "wait":  # a final step's line is the caller's to log, once
            log.info("%s", step.log)
        if step.action == "cancel":
            assert cancel is not None
            cancel(conn)
            step = policy.cancel_sent(time.time())
            log.warning("%s", step.warning)
            continue
        if step.action in ("succeed", "fail"):
            return step


def _silent_fe(hook: Any, policy: WaitPolicy, exc: BaseException, cancel: Any, log: Any) -> str:
    head = f"StarRocks job {policy.label!r}: reading its status failed ({driver_message(exc)})"
    if time.time() < policy.deadline:
        return f"{head} {MAX_POLL_ERRORS} times in a row; a retry finds the job by its label."
    if not policy.may_cancel or cancel is None or policy.cancelled_at is not None:
        return f"{head} past its deadline; it was not cancelled: a retry finds the job by its label."
    sent = False
    try:
        conn = hook.get_load_conn(read_timeout=READ_FLOOR_SECONDS)
        try:
            sent = cancel(conn)
        finally:
            hook.close_quietly(conn)
    except Exception as cancel_exc:
        log.warning("Could not cancel %r: %s", policy.label, driver_message(cancel_exc))
    outcome = "cancel sent; its outcome is unknown" if sent else "the cancel could not be sent"
    return f"{head} past its deadline; {outcome}: a retry finds the job by its label."
