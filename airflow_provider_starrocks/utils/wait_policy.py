"""
The one wait policy for an asynchronous StarRocks job, free of I/O.

The operators' worker path, the trigger and the sensor fetch a job's status and hand it here; the policy
answers what to do next: wait so many seconds, cancel, succeed or fail, and what to log. The deadline rules
live here only: a cancellable job is cancelled at the deadline by the task that submitted it (others stop
waiting without cancelling); after CANCEL the job is read again, so a job that committed just before the
cancel is followed to FINISHED and succeeds; a committed job (PREPARED) is waited for past the deadline, but
not without bound.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.utils.polling import LoadWatch, next_delay

if TYPE_CHECKING:
    from collections.abc import Iterable

#: How long past the deadline a committed job (data landed, not yet visible) is followed to FINISHED.
COMMITTED_GRACE_SECONDS = 600.0
#: How long after CANCEL the job is read again for its real outcome.
CANCEL_CONFIRM_SECONDS = 30.0
#: The shortest bound on one status statement, so a deadline a moment away does not fail a healthy read.
READ_FLOOR_SECONDS = 5.0
#: A "still LOADING after ..." line is logged at least this often while nothing changes.
PROGRESS_LOG_SECONDS = 300.0


@dataclasses.dataclass(frozen=True)
class Step:
    """
    What a driver does next.

    :param action: ``"wait"``, ``"cancel"`` (send the job's cancel statement, then report it and wait),
        ``"succeed"`` or ``"fail"``.
    :param delay: seconds to sleep before the next status read (``wait``).
    :param state: the job's current status, when one was read.
    :param message: the outcome text (``succeed``, ``fail``).
    :param fatal: a failure a retry cannot fix.
    :param timeout: the failure is the deadline's.
    :param log: a progress line to log at INFO.
    :param warning: a line to log at WARNING.
    """

    action: str
    delay: float = 0.0
    state: Any = None
    message: str = ""
    fatal: bool = False
    timeout: bool = False
    log: str | None = None
    warning: str | None = None

    def failure(self, rejected_rows: Iterable[str] = ()) -> str:
        """
        Return the failure text; for a failed job, StarRocks's own message with its first rejected rows.

        :param rejected_rows: the job's first rejected rows, when the caller read them.
        """
        if self.state is not None and self.state.is_terminal and not self.state.is_success:
            return self.message + self.state.failure_message(rejected_rows)
        return self.message


class WaitPolicy:
    """
    Decide, from each status read, how the wait for one job goes on.

    :param label: the job's identity (load label or task name), for messages.
    :param poll_interval: the base seconds between reads (grows gently up to a cap).
    :param deadline: absolute deadline, seconds since the epoch.
    :param started: when the wait began, seconds since the epoch.
    :param submitted: whether the job is known to exist (an absent job then means it expired).
    :param may_cancel: whether this task may cancel the job at the deadline.
    :param no_cancel_reason: why not, for the message (e.g. ``"cancel_on_kill=False"``).
    :param missing: the failure text when a submitted job is no longer listed (``JobKind.missing_message``).
    """

    def __init__(
        self,
        label: str,
        *,
        poll_interval: float,
        deadline: float,
        started: float,
        submitted: bool = True,
        may_cancel: bool = False,
        no_cancel_reason: str = "this job cannot be cancelled",
        missing: str | None = None,
    ) -> None:
        self.label = label
        self.poll_interval = poll_interval
        self.deadline = deadline
        self.started = started
        self.may_cancel = may_cancel
        self.no_cancel_reason = no_cancel_reason
        self.watch = LoadWatch(label, submitted=submitted, missing=missing)
        self.attempt = 0
        self.cancelled_at: float | None = None
        self._last_log = started
        self._warned_committed = False

    def delay(self, now: float) -> float:
        """Return the next wait: backoff with jitter, never past the deadline while it is ahead."""
        if self.cancelled_at is not None:
            return min(self.poll_interval, 1.0)
        delay = next_delay(self.poll_interval, self.attempt)
        self.attempt += 1
        remaining = self.deadline - now
        return min(delay, remaining) if remaining > 0 else delay

    def cancel_sent(self, now: float) -> Step:
        """
        Record that the cancel statement was sent; the job is then read again for its real outcome.

        :param now: the clock.
        """
        self.cancelled_at = now
        warning = f"StarRocks job {self.label!r} passed its deadline: cancel sent; reading the job again for its outcome."
        return Step("wait", self.delay(now), warning=warning)

    def decide(self, jobs: Iterable[Any], now: float) -> Step:
        """
        Return the next step from the jobs of one status read.

        :param jobs: every job (or task run) of the label from one status query.
        :param now: the clock, seconds since the epoch.
        """
        state = self.watch.observe(jobs)  # raises when a submitted label is gone (expired)
        if state is None:
            if now >= self.deadline:
                return Step(
                    "fail",
                    message=f"Timed out waiting for StarRocks job {self.label!r} to appear.",
                    timeout=True,
                )
            return Step("wait", self.delay(now))
        log = None
        if self.watch.changed(state):
            self.attempt = 0  # it is moving: back to the base interval
            log = f"StarRocks {state.describe()}"
        elif now - self._last_log >= PROGRESS_LOG_SECONDS:
            log = f"StarRocks job {self.label!r} still {state.state} after {_elapsed(now - self.started)}: {state.describe()}"
        if log:
            self._last_log = now
        if state.is_terminal:
            return self._terminal(state)
        if now < self.deadline:
            return Step("wait", self.delay(now), state, log=log)
        return self._past_deadline(state, now, log)

    def _terminal(self, state: Any) -> Step:
        if state.is_success:
            note = " (it committed before the cancel took effect)" if self.cancelled_at is not None else ""
            return Step("succeed", state=state, message=f"StarRocks {state.describe()}{note}")
        if self.cancelled_at is not None:
            return Step("fail", state=state, message="Passed its deadline and cancelled: ", timeout=True)
        return Step("fail", state=state, fatal=state.is_fatal)

    def _past_deadline(self, state: Any, now: float, log: str | None) -> Step:
        if self.cancelled_at is not None:
            if now - self.cancelled_at < CANCEL_CONFIRM_SECONDS:
                return Step("wait", self.delay(now), state, log=log)
            return Step(
                "fail",
                state=state,
                timeout=True,
                message=f"StarRocks job {self.label!r} was cancelled at its deadline but is still {state.state} "
                f"{int(now - self.cancelled_at)} s later; check it in StarRocks before re-running.",
            )
        if state.is_committed:  # the data landed and becomes visible shortly: never cancel, wait a while
            if now - self.deadline >= COMMITTED_GRACE_SECONDS:
                return Step(
                    "fail",
                    state=state,
                    timeout=True,
                    message=f"StarRocks job {self.label!r} is still {state.state} (committed, not yet visible) "
                    f"{int(now - self.deadline)} s past its deadline; a retry finds it by its label.",
                )
            warning = None
            if not self._warned_committed:
                self._warned_committed = True
                warning = (
                    f"Deadline passed with StarRocks job {self.label!r} {state.state}: committed, so it cannot be "
                    "cancelled; waiting until its data is visible."
                )
            return Step("wait", self.delay(now), state, log=log, warning=warning)
        if self.may_cancel and state.is_cancellable:
            return Step("cancel", state=state, log=log)
        return Step(
            "fail",
            state=state,
            timeout=True,
            message=f"Timed out waiting for StarRocks job {self.label!r} (still {state.state}); left running: "
            f"{self.no_cancel_reason}.",
        )


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
