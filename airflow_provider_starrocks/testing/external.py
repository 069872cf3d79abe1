"""A stand-in for :class:`StarRocksStack` that points the fixtures at a real StarRocks and real S3 / MinIO."""

from __future__ import annotations

import json
import os
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

#: ``starrocks://user:password@host:9030/`` of the cluster to test against; setting it selects this mode.
URI_VARIABLE = "STARROCKS_TEST_URI"
#: JSON object ``{conn_id: Airflow connection JSON}`` with the AWS connections of the tests.
AWS_CONNECTIONS_VARIABLE = "STARROCKS_TEST_AWS_CONNECTIONS"


class StackUnavailable(RuntimeError):
    """The stack in use lacks a feature (fault injection on a real cluster, ...); the pytest plugin skips the test.

    Library code raises this instead of calling ``pytest.skip``, so it works outside pytest too.
    """


def _emulator_only(what: str) -> NoReturn:
    raise StackUnavailable(f"{what} needs the local emulator ({URI_VARIABLE} selects a real cluster)")


def run_sql(stack: Any, *statements: str) -> tuple[Any, ...]:
    """
    Run statements on one new connection to ``stack``'s FE and return the last one's rows.

    :param stack: a :class:`~airflow_provider_starrocks.testing.stack.StarRocksStack` or :class:`ExternalStack`.
    :param statements: SQL texts, sent one by one.
    """
    import pymysql

    conn = pymysql.connect(host=stack.fe_host, port=stack.fe_port, user=stack.user, password=stack.password)
    try:
        rows: tuple[Any, ...] = ()
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                rows = cursor.fetchall()
        return rows
    finally:
        conn.close()


class ExternalStack:
    """
    The fixtures' view of a real cluster: connection details only.

    The emulator-only features (``aws``, ``fe``, ``statements``) raise :class:`StackUnavailable`, which the pytest
    plugin turns into a skip.

    :param uri: ``starrocks://user:password@host:port/``.
    :param aws_connections: ``{conn_id: connection JSON}`` for the AWS side.
    """

    def __init__(self, uri: str, aws_connections: dict[str, Any] | None = None) -> None:
        parts = urlsplit(uri)
        if parts.scheme != "starrocks" or not parts.hostname:
            raise ValueError(
                f"{URI_VARIABLE} must look like starrocks://user:password@host:9030/, got a {parts.scheme!r} URI"
            )
        self.fe_host = parts.hostname
        self.fe_port = parts.port or 9030
        self.user = unquote(parts.username or "root")
        self.password = unquote(parts.password or "")
        self.uri = uri
        self._aws_connections = {
            conn_id: value if isinstance(value, str) else json.dumps(value)
            for conn_id, value in (aws_connections or {}).items()
        }

    @classmethod
    def from_env(cls) -> ExternalStack | None:
        """Return the stack described by the environment, or None when ``STARROCKS_TEST_URI`` is unset."""
        uri = os.environ.get(URI_VARIABLE)
        if not uri:
            return None
        return cls(uri, json.loads(os.environ.get(AWS_CONNECTIONS_VARIABLE) or "{}"))

    def start(self) -> ExternalStack:
        return self

    def sql(self, *statements: str) -> tuple[Any, ...]:
        """Run statements on the cluster; return the last one's rows (see :func:`run_sql`)."""
        return run_sql(self, *statements)

    def stop(self) -> None:
        """Nothing to stop: the cluster is not ours."""

    def reset(self) -> None:
        """Nothing is reset on a real cluster: tests must use unique names and labels."""

    @property
    def aws(self) -> NoReturn:
        _emulator_only("the AWS emulator")

    @property
    def fe(self) -> NoReturn:
        _emulator_only("fault injection")

    @property
    def statements(self) -> NoReturn:
        _emulator_only("statement capture")

    def airflow_connections(self) -> dict[str, str]:
        """Return ``starrocks_default`` from the URI plus the configured AWS connections."""
        starrocks = {
            "conn_type": "starrocks",
            "host": self.fe_host,
            "port": self.fe_port,
            "login": self.user,
            "password": self.password,
            "schema": "",
            "extra": {},
        }
        return {"starrocks_default": json.dumps(starrocks), **self._aws_connections}

    def env(self) -> dict[str, str]:
        """Return ``AIRFLOW_CONN_*`` for every connection (AWS endpoints come from the connections themselves)."""
        return {
            f"AIRFLOW_CONN_{conn_id.upper()}": value for conn_id, value in self.airflow_connections().items()
        }
