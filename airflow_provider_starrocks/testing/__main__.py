"""``python -m airflow_provider_starrocks.testing serve``: run the local StarRocks stack in the foreground."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow_provider_starrocks.testing.stack import StarRocksStack


# The ``testing`` extra's top-level modules (pyproject.toml [project.optional-dependencies] testing).
TESTING_EXTRA_MODULES = frozenset(
    {"moto", "mysql_mimic", "duckdb", "sqlglot", "pyarrow", "boto3", "werkzeug", "flask"}
)
INSTALL_HINT = (
    "pip install 'airflow-provider-starrocks[testing]' (or `make install` in a checkout of the repository)"
)


def _release_version(text: str) -> str:
    from airflow_provider_starrocks.testing.fe.releases import full_version

    try:
        return full_version(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m airflow_provider_starrocks.testing")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the FE emulator and moto until interrupted")
    serve.add_argument(
        "--port", type=int, default=9030, help="FE query port (0 picks a free one; default 9030)"
    )
    serve.add_argument(
        "--version",
        default="3.3.5",
        type=_release_version,
        help="emulated StarRocks release: 3.1, 3.3, 3.4, 3.5, newest or a full version (default 3.3.5)",
    )
    serve.add_argument("--user", default="root", help="FE user (default root)")
    serve.add_argument("--json", action="store_true", help="print a machine-readable first line")
    serve.add_argument(
        "--control", action="store_true", help="accept 'reset', 'config <json>' and 'stats' commands on stdin"
    )
    return parser


def _print_banner(stack: StarRocksStack) -> None:
    print(f"StarRocks URI: {stack.uri}", flush=True)
    print(f"AWS endpoint: {stack.aws.endpoint}", flush=True)
    for name, value in stack.env().items():
        # Shell single quotes: close, escaped quote, reopen.
        quoted = value.replace("'", "'\\''")
        print(f"export {name}='{quoted}'", flush=True)
    print("Ready. Press Ctrl+C to stop.", flush=True)


def _control_loop(stack: StarRocksStack, stop: threading.Event) -> None:
    from airflow_provider_starrocks.testing.stack import CONFIG_DONE, RESET_DONE, STATS_PREFIX

    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "reset":
            stack.reset()
            print(RESET_DONE, flush=True)
        elif command == "config":
            stack.configure(**json.loads(argument))
            print(CONFIG_DONE, flush=True)
        elif command == "stats":
            print(STATS_PREFIX + json.dumps(stack.stats()), flush=True)
    stop.set()


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Stopped(Exception):
    """Raised in the main thread by SIGINT or SIGTERM."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped


def serve(port: int, version: str, user: str, *, as_json: bool = False, control: bool = False) -> None:
    """
    Start the stack, print how to reach it, and block until SIGINT or SIGTERM.

    :param port: FE query port.
    :param version: emulated StarRocks release.
    :param user: FE user.
    :param as_json: print ``STARROCKS_STACK <json>`` first (used by out-of-process stacks).
    :param control: read ``reset``, ``config <json>`` and ``stats`` commands from stdin; end when stdin closes.
    """
    from airflow_provider_starrocks.testing.stack import INFO_PREFIX, StarRocksStack

    stop = threading.Event()
    # The handler raises instead of setting ``stop``: Event.set() from a handler deadlocks when the signal lands
    # while the main thread holds the Event's (non-reentrant) lock inside Event.wait().
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _raise_stopped)
    stack = StarRocksStack(
        version=version, port=port, user=user, password=os.environ.get("STARROCKS_STACK_PASSWORD")
    )
    try:
        stack.start()
        if as_json:
            print(INFO_PREFIX + json.dumps(stack.describe()), flush=True)
        _print_banner(stack)
        if control:
            threading.Thread(target=_control_loop, args=(stack, stop), daemon=True).start()
        while not stop.wait(3600):
            pass
    except _Stopped:
        pass
    finally:
        for signum in _STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)  # a second signal must not cut the shutdown short
        stack.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line.

    :param argv: arguments (default ``sys.argv[1:]``).
    """
    try:
        args = _parser().parse_args(argv)  # --version is read by the emulator's release tables
        serve(args.port, args.version, args.user, as_json=args.json, control=args.control)
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] not in TESTING_EXTRA_MODULES:
            raise
        print(
            f"The local StarRocks stack needs the 'testing' extra ({err.name} is not installed): {INSTALL_HINT}.",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
