"""
Polling rules shared by the operator's sync path, the trigger and the sensor: delays and label watching.

No I/O here: callers fetch the jobs of a label and hand them to a :class:`LoadWatch`.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from airflow_provider_starrocks.exceptions import StarRocksLoadFatalError
from airflow_provider_starrocks.utils.load_state import LoadState, current_job

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import timedelta

BACKOFF = 1.25
JITTER = 0.1
MAX_CAP = 60.0
#: Consecutive failed status polls after which a wait gives up.
MAX_POLL_ERRORS = 5
#: Seconds past a load's own deadline that Airflow's defer timeout allows, so the trigger enforces the deadline.
DEFER_GRACE_SECONDS = 300


def load_deadline(timeout: float, grace: float, execution_timeout: timedelta | None) -> float:
    """
    Return the absolute deadline (epoch seconds) of a load that StarRocks times out after ``timeout`` seconds.

    :param timeout: the load's StarRocks timeout; StarRocks cancels the job itself then, and ``grace`` more
        seconds let the poller see that outcome.
    :param grace: seconds to wait past ``timeout``.
    :param execution_timeout: the task's own timeout: the deadline falls just before it, so the cancel and the
        message are ours rather than Airflow's.
    """
    now = time.time()
    deadline = now + timeout + grace
    if execution_timeout:
        budget = execution_timeout.total_seconds()
        deadline = min(deadline, now + budget - min(5.0, budget * 0.1))
    return deadline


def poll_cap(poll_interval: float) -> float:
    """
    Return the longest delay between polls: four times the interval, at most a minute (never below it).

    :param poll_interval: the configured interval in seconds.
    """
    return max(poll_interval, min(poll_interval * 4, MAX_CAP))


def next_delay(poll_interval: float, attempt: int, rng: Callable[[], float] = random.random) -> float:
    """
    Return the delay before poll number ``attempt`` (0-based): gentle backoff with jitter, up to a cap.

    Jitter keeps many loads started together from polling the FE in lockstep.

    :param poll_interval: the configured interval in seconds.
    :param attempt: how many polls came before.
    :param rng: a source of numbers in ``[0, 1)``.
    """
    base = min(poll_interval * BACKOFF ** max(attempt, 0), poll_cap(poll_interval))
    return max(0.0, base * (1 + JITTER * (2 * rng() - 1)))


def expired_label_message(label: str) -> str:
    """
    Return the failure text for a submitted load label that StarRocks no longer lists.

    :param label: the label.
    """
    return (
        f"StarRocks load {label!r}: state unknown. The label was submitted but StarRocks no longer lists it: its "
        "jobs expired (label_keep_max_second / label_keep_max_num). It is not resubmitted, to avoid loading "
        "twice: check the target table, then clear the task with a new label if the data is missing."
    )


class LoadWatch:
    """
    Follow one label across polls: pick its current job, tell when a progress line is due, catch expiry.

    :param label: the label.
    :param submitted: whether this task submitted (or has seen) a job under this label, so that a label
        with no job can only mean it expired.
    :param missing: the failure text for a submitted job no longer listed (default: a load label's expiry).
    """

    def __init__(self, label: str, *, submitted: bool = False, missing: str | None = None) -> None:
        self.label = label
        self.submitted = submitted
        self.missing = missing
        self._last_key: tuple[object, ...] | None = None

    def observe(self, jobs: Iterable[LoadState]) -> LoadState | None:
        """
        Return the label's current job (highest job id), or ``None`` if it has none and none was expected.

        :param jobs: every job of the label from one status query.
        """
        state = current_job(jobs)
        if state is None:
            if self.submitted:
                raise StarRocksLoadFatalError(self.missing or expired_label_message(self.label))
            return None
        self.submitted = True
        return state

    def changed(self, state: LoadState) -> bool:
        """
        Return whether ``state`` differs from the last one reported (a new progress line is due).

        :param state: the current job.
        """
        key = state.progress_key()
        if key == self._last_key:
            return False
        self._last_key = key
        return True
