"""Password check for the emulated root user, refusing with StarRocks's access-denied text."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from mysql_mimic.auth import Forbidden, IdentityProvider, NativePasswordAuthPlugin, Success, User
from mysql_mimic.connection import Connection

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mysql_mimic.auth import AuthInfo, AuthPlugin, AuthState


class StarRocksPasswordPlugin(NativePasswordAuthPlugin):
    """mysql_native_password with StarRocks's refusal text.

    ErrorCode.ERR_AUTHENTICATION_FAIL(1045, "Access denied for user '%s' (using password: %s)")
    (fe/fe-core/src/main/java/com/starrocks/common/ErrorCode.java).
    """

    async def auth(self, auth_info: AuthInfo | None = None) -> AuthState:
        inner = super().auth(auth_info)
        decision = await inner.__anext__()
        while not isinstance(decision, (Success, Forbidden)):
            auth_info = yield decision
            decision = await inner.asend(auth_info)  # type: ignore[arg-type]
        if isinstance(decision, Forbidden) and auth_info is not None:
            using = "YES" if auth_info.data else "NO"
            decision = Forbidden(f"Access denied for user '{auth_info.username}' (using password: {using})")
        yield decision


class SingleUserIdentity(IdentityProvider):
    """One user with one password; any other user name is refused with the same text.

    :param user: the user name.
    :param password: its password.
    """

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self.password = password
        self._plugin = StarRocksPasswordPlugin()

    def get_plugins(self) -> Sequence[AuthPlugin]:
        return [self._plugin]

    async def get_user(self, username: str) -> User | None:
        password = self.password if username == self.user else secrets.token_hex(16)
        return User(
            name=username,
            auth_string=StarRocksPasswordPlugin.create_auth_string(password) if password else None,
            auth_plugin=self._plugin.name,
        )


class FeConnection(Connection):
    """A mysql-mimic connection that refuses a handshake naming an unknown database.

    StarRocks answers ``Unknown database '<db>'`` (ErrorCode.ERR_BAD_DB_ERROR, 1049) instead of the OK packet;
    mysql-mimic only learns of a failure after it has sent OK, which clients read as a lost connection. The
    emulator checks the database before the password (StarRocks checks it after).
    """

    async def authenticate(self, username: str, *args: Any, **kwargs: Any) -> None:
        database = self.session.database
        fe = getattr(self.session, "fe", None)
        if database and fe is not None and database not in fe.store.databases:
            await self.stream.write(self.error(msg=f"Unknown database '{database}'", code=1049))
            return
        await super().authenticate(username, *args, **kwargs)

    def ok(self, **kwargs: Any) -> bytes:
        # StmtExecutor.handleDMLStmt answers an INSERT with setOk(loadedRows, ...): the rows in the OK packet.
        rows = getattr(self.session, "affected_rows", None)
        if rows is not None and "affected_rows" not in kwargs:
            self.session.affected_rows = None
            kwargs["affected_rows"] = rows
        return super().ok(**kwargs)
