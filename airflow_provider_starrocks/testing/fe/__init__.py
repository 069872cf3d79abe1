"""StarRocks FE emulator of the local stack: MySQL protocol, StarRocks SQL subset, load jobs and catalogs.

``FeEmulator(aws, *, host="127.0.0.1", port=0, user="root", password=..., version="3.3.5")`` with ``start()``,
``stop()``, ``reset()``, ``restart()``, ``port``, ``statements``, ``config`` (:class:`FeConfig`) and the faults
``drop_connections()``, ``stall(seconds)``, ``force_next_load(state, error_msg)``, ``expire_labels()`` and
``config.hold_state``.

Layers, each importing only the ones before it: ``lexer``/``stream`` (tokens), the parsers (``ddl``,
``load_parse``, ...), the engine (``store``, ``loads``, ``tasks``, ``selects``, ``handlers``, which see the
emulator through the :class:`~airflow_provider_starrocks.testing.fe.context.FeContext` protocol), and the
server (``session``, ``auth``, ``emulator``). The names below are imported on first use, so importing one
submodule does not load the whole emulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.config import FeConfig
    from airflow_provider_starrocks.testing.fe.emulator import FeEmulator

__all__ = ["FeConfig", "FeEmulator"]


def __getattr__(name: str) -> Any:
    if name == "FeConfig":
        from airflow_provider_starrocks.testing.fe.config import FeConfig

        return FeConfig
    if name == "FeEmulator":
        from airflow_provider_starrocks.testing.fe.emulator import FeEmulator

        return FeEmulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
