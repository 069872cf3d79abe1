"""FeEmulator: a StarRocks FE speaking the MySQL protocol (mysql-mimic) in a background thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING, Any

from mysql_mimic import MysqlServer

from airflow_provider_starrocks.testing.fe.auth import FeConnection, SingleUserIdentity
from airflow_provider_starrocks.testing.fe.config import FeConfig
from airflow_provider_starrocks.testing.fe.loads import LoadManager
from airflow_provider_starrocks.testing.fe.pipes import PipeManager
from airflow_provider_starrocks.testing.fe.releases import full_version
from airflow_provider_starrocks.testing.fe.session import FeSession
from airflow_provider_starrocks.testing.fe.store import Store
from airflow_provider_starrocks.testing.fe.tasks import TaskManager

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.files import StorageGateway


def install_fe_connection() -> None:
    """Make mysql-mimic build :class:`FeConnection` (which checks the handshake's database); idempotent.

    ``MysqlServer`` builds its connections from the module global ``mysql_mimic.server.Connection`` and has no
    parameter for it, so the global is replaced, when an emulator starts and never at import. mysql-mimic's
    logger is lowered at the same moment: it logs every ``MysqlError`` at ERROR, and a refused statement is
    normal traffic for the emulator.
    """
    import mysql_mimic.server

    if mysql_mimic.server.Connection is not FeConnection:
        mysql_mimic.server.Connection = FeConnection  # type: ignore[misc]
    logging.getLogger("mysql_mimic").setLevel(logging.CRITICAL)


class FeEmulator:
    """A local StarRocks FE emulator.

    :param aws: the ``AwsEmulator`` used for S3 reads and Glue calls (``list_objects``, ``read_object``,
        ``glue_client``).
    :param host: interface to listen on.
    :param port: port to listen on (0 picks a free one, kept across ``restart()``).
    :param user: the only user.
    :param password: its password.
    :param version: the emulated StarRocks release, ``3.1``, ``3.3``, ``3.4``, ``3.5`` or
        ``newest``, or a full version such as ``3.3.5`` (``testing/fe/releases.py`` lists what each answers).
    """

    def __init__(
        self,
        aws: StorageGateway,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        user: str = "root",
        password: str = "",
        version: str = "3.3.5",
    ) -> None:
        self.aws = aws
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        version = full_version(version)  # ValueError for a release that is not emulated
        self.config = FeConfig(version=version)
        self._initial_version = version
        self.statements: list[str] = []
        self.store = Store()
        self.loads = LoadManager(self.store, aws, self.config)
        self.tasks = TaskManager(self)
        self.pipes = PipeManager(self)
        self._stall_seconds = 0.0
        self._sessions: set[FeSession] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: MysqlServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start listening in a background thread; return once the port accepts connections."""
        if self._thread is not None:
            return
        install_fe_connection()
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="starrocks-fe-emulator", daemon=True)
        self._thread.start()
        self._call(self._listen())
        self.loads.start()

    def stop(self) -> None:
        """Stop the listener, drop the connections and end the background threads."""
        if self._thread is None or self._loop is None:
            return
        self._call(self._close())
        self.loads.stop()
        self.pipes.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._thread = None
        self._loop = None

    def restart(self) -> None:
        """Drop every client connection and listen again on the same port; load jobs are kept."""
        self._call(self._close())
        self._call(self._listen())

    def reset(self) -> None:
        """Forget all databases, catalogs, load jobs, labels, statements and faults; config back to its start."""
        self.loads.reset()
        self.tasks.reset()
        self.pipes.reset()
        self.store.reset()
        self.statements.clear()
        self._stall_seconds = 0.0
        defaults = FeConfig(version=self._initial_version)
        for name in defaults.__dataclass_fields__:
            setattr(self.config, name, getattr(defaults, name))

    # -- fault injection -------------------------------------------------------------------------------------

    def drop_connections(self) -> None:
        """Close every open client connection (clients see a lost connection on their next statement)."""
        self._call(self._drop_all())

    def stall(self, seconds: float) -> None:
        """Delay every response by ``seconds`` until called again with 0.

        :param seconds: the delay added before each statement is answered.
        """
        self._stall_seconds = max(0.0, float(seconds))

    def force_next_load(self, state: str, error_msg: str | None = None) -> None:
        """Make the next submitted load job end in ``state`` (CANCELLED, UNKNOWN, FINISHED).

        :param state: the final state.
        :param error_msg: the ErrorMsg cell, e.g. ``type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to
            cancel`` or ``type:TIMEOUT; msg:loading timeout to cancel``.
        """
        self.loads.force_next(state, error_msg)

    def expire_labels(self) -> None:
        """Remove every completed load job now, as the label cleaner does after ``label_keep_max_second``."""
        self.loads.expire_all()

    def expire_task_runs(self) -> None:
        """Remove every finished task run now, as StarRocks does after ``task_runs_ttl_second``."""
        self.tasks.expire_runs()

    # -- internals ---------------------------------------------------------------------------------------------

    @property
    def stall_seconds(self) -> float:
        return self._stall_seconds

    def register(self, session: FeSession) -> None:
        self._sessions.add(session)

    def unregister(self, session: FeSession) -> None:
        self._sessions.discard(session)

    def _call(self, coro: Any) -> Any:
        assert self._loop is not None, "FeEmulator.start() has not been called"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    async def _listen(self) -> None:
        identity = SingleUserIdentity(self.user, self.password)
        self._server = MysqlServer(session_factory=lambda: FeSession(self), identity_provider=identity)
        await self._server.start_server(host=self.host, port=self.port, reuse_address=True)
        self.port = self._server.sockets()[0].getsockname()[1]

    async def _drop_all(self) -> None:
        for session in list(self._sessions):
            session.drop()
        self._sessions.clear()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._drop_all()
            await self._server.wait_closed()
            self._server = None
