"""Runtime settings of the FE emulator (mutable while it runs)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from airflow_provider_starrocks.testing.fe.releases import Release, nearest_release

LOAD_PHASES = ("PENDING", "QUEUEING", "LOADING", "PREPARED")


@dataclass
class FeConfig:
    """Settings read at the moment they are needed, so tests may change them while the emulator runs.

    :param version: the emulated StarRocks release (``3.1``, ``3.3``, ``3.4``, ``3.5`` or ``newest``, or a
        full version such as ``3.3.5``); selects the tables of ``releases.py``.
    :param commit: the short commit hash shown by ``current_version()``.
    :param mysql_server_version: ``Config.mysql_server_version`` (what ``version()`` and the handshake say).
    :param pending_delay: seconds a load job stays PENDING.
    :param queueing_delay: seconds a load job stays QUEUEING.
    :param loading_delay: seconds a load job stays LOADING (after its files are read).
    :param loading_jitter: up to this many more seconds in LOADING, drawn per job, so loads end at random times.
    :param prepared_delay: seconds a load job stays PREPARED (committed, not yet visible).
    :param hold_state: when set to a phase name, new load jobs stop in that state until it is cleared.
    :param label_keep_max_second: ``Config.label_keep_max_second``: age after which finished jobs are dropped.
    :param label_keep_max_num: ``Config.label_keep_max_num``: how many completed jobs are kept at most.
    :param pipe_clock_scale: real seconds per second of a pipe's clock (its POLL_INTERVAL): 0.01 polls a pipe
        with ``POLL_INTERVAL`` 10 every 0.1 s; 0 polls on every scheduler round.
    """

    version: str = "3.3.5"
    commit: str = "abc1234"
    mysql_server_version: str = "5.1.0"
    pending_delay: float = 0.05
    queueing_delay: float = 0.05
    loading_delay: float = 0.05
    loading_jitter: float = 0.0
    prepared_delay: float = 0.05
    hold_state: str | None = None
    label_keep_max_second: float = 259200
    label_keep_max_num: int = 1000
    pipe_clock_scale: float = 0.01

    @property
    def release(self) -> Release:
        """The behaviour tables of the emulated release (``releases.RELEASES``).

        The constructor refuses an unemulated version; one set later (to test a client's version checks) answers
        with the nearest emulated release below it, or 3.1.
        """
        return nearest_release(self.version)

    def version_tuple(self) -> tuple[int, int]:
        parts = (self.version.split(".") + ["0"])[:2]
        return int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()) or 0)

    def release_tuple(self) -> tuple[int, int, int]:
        """Return (major, minor, patch) of ``version``; a missing patch reads as 0."""
        parts = [int("".join(ch for ch in part if ch.isdigit()) or 0) for part in self.version.split(".")[:3]]
        parts += [0] * (3 - len(parts))
        return parts[0], parts[1], parts[2]

    def delay(self, state: str) -> float:
        """Return the configured stay in a phase.

        :param state: one of PENDING, QUEUEING, LOADING, PREPARED.
        """
        extra = (
            random.uniform(0, self.loading_jitter) if state == "LOADING" and self.loading_jitter > 0 else 0.0
        )
        return float(getattr(self, f"{state.lower()}_delay")) + extra
