"""StarRocksStack: the FE emulator and the AWS emulator (moto) together, in-process or in a subprocess."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.aws import AwsEmulator
from airflow_provider_starrocks.testing.aws_identities import (
    AIRFLOW_ROLE,
    EXTERNAL_ID,
    EXTERNAL_ID_ROLE,
    GLUE_ASSUMED_ROLE,
    REGION,
    S3_ASSUMED_ROLE,
    S3_WRITE_ROLE,
    USER_LOADER,
    USER_NO_POLICY,
    USER_WRITER,
    role_arn,
)

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe import FeEmulator

HOST = "127.0.0.1"
#: First stdout line of ``serve --json``: the machine-readable description of a running stack.
INFO_PREFIX = "STARROCKS_STACK "
RESET_DONE = "STARROCKS_STACK_RESET_DONE"
CONFIG_DONE = "STARROCKS_STACK_CONFIG_DONE"
STATS_PREFIX = "STARROCKS_STACK_STATS "


class StarRocksStack:
    """
    A local StarRocks FE emulator plus moto (S3, STS, IAM, Glue) with the identities of ``DEVELOPING.md``.

    :param version: emulated StarRocks release: ``3.1``, ``3.3``, ``3.4``, ``3.5``, ``newest`` or a full
        version such as ``3.3.5``.
    :param out_of_process: run the stack in a ``python -m airflow_provider_starrocks.testing serve`` subprocess
        (for restarts and timing); ``fe`` and fault injection are then unavailable.
    :param port: FE query port (0 picks a free one).
    :param user: FE user.
    :param password: FE password (random when omitted).
    :param aws: an already started :class:`AwsEmulator` to share (moto's state is per process); the stack then
        neither starts nor stops it.
    """

    def __init__(
        self,
        version: str = "3.3.5",
        out_of_process: bool = False,
        *,
        port: int = 0,
        user: str = "root",
        password: str | None = None,
        aws: AwsEmulator | None = None,
    ) -> None:
        from airflow_provider_starrocks.testing.fe.releases import full_version

        self.version = full_version(version)  # ValueError names the emulated releases
        self.out_of_process = out_of_process
        self.fe_host = HOST
        self.fe_port = port
        self.user = user
        self.password = password if password is not None else secrets.token_urlsafe(12)
        self._owns_aws = aws is None
        self.aws = aws if aws is not None else AwsEmulator()
        self._fe: FeEmulator | None = None
        self._process: subprocess.Popen[str] | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> StarRocksStack:
        """Start moto and the FE emulator; return ``self``."""
        if self.out_of_process:
            self._start_process()
            return self
        from airflow_provider_starrocks.testing.fe import FeEmulator

        if self._owns_aws:
            self.aws.start()
        self._fe = FeEmulator(
            self.aws,
            host=self.fe_host,
            port=self.fe_port,
            user=self.user,
            password=self.password,
            version=self.version,
        )
        self._fe.start()
        self.fe_port = self._fe.port
        return self

    def stop(self) -> None:
        """Stop everything this stack started."""
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
            return
        if self._fe is not None:
            self._fe.stop()
            self._fe = None
        if self._owns_aws:
            self.aws.stop()

    def reset(self) -> None:
        """Return to the initial state: bucket content, FE databases, loads, statements and faults."""
        if self._process is not None:
            self._command("reset", RESET_DONE)
            return
        self.aws.reset()
        self.fe.reset()

    def restart(self) -> None:
        """
        Restart the FE, keeping its port.

        In-process, client connections drop; out of process, the whole subprocess is replaced (moto then has
        new access keys, so read ``env()`` again).
        """
        if self._process is None:
            self.fe.restart()
            return
        self.stop()
        self._start_process()

    def configure(self, **fields: Any) -> None:
        """
        Set FE emulator settings (``FeConfig`` fields such as ``loading_delay``), in process or out of process.

        :param fields: field name -> value.
        """
        if self._process is not None:
            self._command("config " + json.dumps(fields), CONFIG_DONE)
            return
        for name, value in fields.items():
            if name not in self.fe.config.__dataclass_fields__:
                raise ValueError(f"Unknown FE setting {name!r}.")
            setattr(self.fe.config, name, value)

    def stats(self) -> dict[str, Any]:
        """
        Return FE counters, out of process too.

        ``statements`` (all received), ``status_queries`` (``SHOW LOAD`` and ``information_schema.loads``) and
        ``jobs`` (label -> ``[database, state, finish_time]``, the finish time in epoch seconds or ``None``).
        """
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.write("stats\n")
            self._process.stdin.flush()
            while not (line := self._read_line()).startswith(STATS_PREFIX):
                pass
            return dict(json.loads(line[len(STATS_PREFIX) :]))
        statements = list(self.fe.statements)
        return {
            "statements": len(statements),
            "status_queries": sum("SHOW LOAD" in s or "information_schema.loads" in s for s in statements),
            "jobs": {j.label: [j.db, j.state, j.finish_time] for j in self.fe.loads.all_jobs()},
        }

    def __enter__(self) -> StarRocksStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- subprocess mode -----------------------------------------------------------------------------------
    def _start_process(self) -> None:
        command = [sys.executable, "-m", "airflow_provider_starrocks.testing", "serve", "--json", "--control"]
        command += ["--port", str(self.fe_port), "--version", self.version, "--user", self.user]
        env = {**os.environ, "STARROCKS_STACK_PASSWORD": self.password}
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        line = self._read_line()
        if not line.startswith(INFO_PREFIX):
            self.stop()
            raise RuntimeError(f"The stack subprocess did not start (first output: {line!r}).")
        info = json.loads(line[len(INFO_PREFIX) :])
        self.fe_port = int(info["fe_port"])
        self.aws = AwsEmulator.attach(
            info["aws_endpoint"],
            {name: (key, secret) for name, (key, secret) in info["users"].items()},
            tuple(info["instance_credentials"]),
        )

    def _read_line(self) -> str:
        assert self._process is not None
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"The stack subprocess exited with code {self._process.poll()}.")
        return line.rstrip("\n")

    def _command(self, command: str, done: str) -> None:
        assert self._process is not None
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        while self._read_line() != done:
            pass

    def describe(self) -> dict[str, Any]:
        """Return what ``serve --json`` prints: FE port, AWS endpoint, user keys and instance credentials."""
        return {
            "fe_port": self.fe_port,
            "aws_endpoint": self.aws.endpoint,
            "users": self.aws.users,
            "instance_credentials": self.aws.instance_credentials,
        }

    # -- accessors -----------------------------------------------------------------------------------------
    @property
    def fe(self) -> FeEmulator:
        """The in-process FE emulator (statements, fault injection)."""
        if self._fe is None:
            raise RuntimeError(
                "The FE emulator is not available: start() the stack first, and use out_of_process=False "
                "for fault injection and statement capture."
            )
        return self._fe

    def sql(self, *statements: str) -> tuple[Any, ...]:
        """Run statements on a new connection to the FE; return the last one's rows."""
        from airflow_provider_starrocks.testing.external import run_sql

        return run_sql(self, *statements)

    @property
    def statements(self) -> list[str]:
        """Every SQL text the FE received, in order (in-process stacks only)."""
        return self.fe.statements

    @property
    def uri(self) -> str:
        """``starrocks://user:password@127.0.0.1:<port>/``."""
        return f"starrocks://{self.user}:{self.password}@{self.fe_host}:{self.fe_port}/"

    def airflow_connections(self) -> dict[str, str]:
        """Return ``{conn_id: Airflow connection JSON}`` for the StarRocks connection and every AWS identity."""
        loader_key, loader_secret = self.aws.users[USER_LOADER]
        nopolicy_key, nopolicy_secret = self.aws.users[USER_NO_POLICY]
        writer_key, writer_secret = self.aws.users[USER_WRITER]
        region = {"region_name": REGION}

        def aws(
            extra: dict[str, Any], login: str | None = None, password: str | None = None
        ) -> dict[str, Any]:
            conn: dict[str, Any] = {"conn_type": "aws", "extra": {**region, **extra}}
            if login is not None:
                conn.update(login=login, password=password)
            return conn

        connections: dict[str, dict[str, Any]] = {
            "starrocks_default": {
                "conn_type": "starrocks",
                "host": self.fe_host,
                "port": self.fe_port,
                "login": self.user,
                "password": self.password,
                "schema": "",
                "extra": {},
            },
            "aws_instance_profile": aws({}),
            "aws_assumed_role": aws({"role_arn": role_arn(S3_ASSUMED_ROLE)}),
            "aws_glue_role": aws({"role_arn": role_arn(GLUE_ASSUMED_ROLE)}),
            "aws_iam_user": aws({}, loader_key, loader_secret),
            "aws_external_id": aws(
                {"role_arn": role_arn(EXTERNAL_ID_ROLE), "assume_role_kwargs": {"ExternalId": EXTERNAL_ID}}
            ),
            "aws_no_policy": aws({}, nopolicy_key, nopolicy_secret),
            "aws_temporary": aws({"role_arn": role_arn(AIRFLOW_ROLE)}, loader_key, loader_secret),
            "aws_s3_compatible": aws(
                {"endpoint_url": self.aws.endpoint, "config_kwargs": {"s3": {"addressing_style": "path"}}},
                loader_key,
                loader_secret,
            ),
            # S3 write rights, for INSERT INTO FILES() unloads (the instance role may write under unload/ only).
            "aws_writer": aws({}, writer_key, writer_secret),
            "aws_write_role": aws({"role_arn": role_arn(S3_WRITE_ROLE)}),
        }
        return {conn_id: json.dumps(conn) for conn_id, conn in connections.items()}

    def env(self) -> dict[str, str]:
        """Return ``AIRFLOW_CONN_*`` for every connection plus the ``AWS_*`` variables that point boto3 at moto."""
        env = {
            f"AIRFLOW_CONN_{conn_id.upper()}": value for conn_id, value in self.airflow_connections().items()
        }
        env.update(self.aws.env())
        return env
