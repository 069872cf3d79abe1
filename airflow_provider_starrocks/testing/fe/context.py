"""What the engine and the session see of the emulator: its state, not the server that owns it.

Handlers, the FILES() path and the task runner take an :class:`FeContext` instead of
:class:`~airflow_provider_starrocks.testing.fe.emulator.FeEmulator`, so nothing below the server layer imports
the module that starts the MySQL server (and no module of ``testing/fe/`` imports another in a circle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.config import FeConfig
    from airflow_provider_starrocks.testing.fe.files import StorageGateway
    from airflow_provider_starrocks.testing.fe.loads import LoadManager
    from airflow_provider_starrocks.testing.fe.pipes import PipeManager
    from airflow_provider_starrocks.testing.fe.session import FeSession
    from airflow_provider_starrocks.testing.fe.store import Store
    from airflow_provider_starrocks.testing.fe.tasks import TaskManager


class FeContext(Protocol):
    """The emulator's shared state: configuration, catalog store, storage, load jobs, tasks, statement log."""

    config: FeConfig
    store: Store
    aws: StorageGateway
    loads: LoadManager
    tasks: TaskManager
    pipes: PipeManager
    statements: list[str]
    user: str

    @property
    def stall_seconds(self) -> float:
        """Seconds each statement is delayed before it is answered (0 for none)."""
        ...

    def register(self, session: FeSession) -> None:
        """Remember an open session so that ``drop_connections()`` can close it."""
        ...

    def unregister(self, session: FeSession) -> None:
        """Forget a closed session."""
        ...
