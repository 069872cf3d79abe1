"""StarRocks FE emulator of the local stack: MySQL protocol, StarRocks SQL subset, load jobs and catalogs.

``FeEmulator(aws, *, host="127.0.0.1", port=0, user="root", password=..., version="3.3.5")`` with ``start()``,
``stop()``, ``reset()``, ``restart()``, ``port``, ``statements``, ``config`` (:class:`FeConfig`) and the faults
``drop_connections()``, ``stall(seconds)``, ``force_next_load(state, error_msg)``, ``expire_labels()`` and
``config.hold_state``.
"""

from __future__ import annotations

from airflow_provider_starrocks.testing.fe.config import FeConfig
from airflow_provider_starrocks.testing.fe.emulator import FeEmulator

__all__ = ["FeConfig", "FeEmulator"]
