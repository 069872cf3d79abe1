"""
Pytest fixtures for the local StarRocks stack.

Enable with ``-p airflow_provider_starrocks.testing.pytest_plugin`` (it is not auto-loaded). Fixtures:
``starrocks_aws`` (session scope: moto alone), ``starrocks_stack`` (session scope, started once) and ``starrocks`` (function scope: reset, ``env()`` set with
monkeypatch). The heavy modules are imported inside the fixtures so that loading the plugin costs nothing, and
nothing is changed at import: logger levels are set in ``pytest_configure``. A test or fixture that reaches for
what the stack in use lacks (``StackUnavailable`` from ``testing/external.py``) is skipped with its reason.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator

    from airflow_provider_starrocks.testing.aws import AwsEmulator
    from airflow_provider_starrocks.testing.stack import StarRocksStack

VERSION_VARIABLE = "STARROCKS_EMULATOR_VERSION"


def pytest_configure(config: pytest.Config) -> None:
    # mysql-mimic logs every refused statement at ERROR; werkzeug (moto) every rejected request.
    logging.getLogger("mysql_mimic").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Skip the test whose fixture needs what the stack in use lacks (:class:`StackUnavailable`)."""
    yield from _skip_unavailable()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Skip the test that uses what the stack in use lacks (:class:`StackUnavailable`)."""
    yield from _skip_unavailable()


def _skip_unavailable() -> Generator[None, None, None]:
    from airflow_provider_starrocks.testing.external import StackUnavailable

    try:
        yield
    except StackUnavailable as unavailable:
        pytest.skip(str(unavailable))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--starrocks-version",
        default=None,
        help=f"StarRocks release the FE emulator answers as: 3.1, 3.3, 3.4, 3.5 or newest (or ${VERSION_VARIABLE}; "
        "default 3.3.5)",
    )


def emulated_version(config: pytest.Config) -> str:
    """Return the release the session's stack emulates: ``--starrocks-version``, then the environment, then 3.3.5.

    :param config: the pytest configuration.
    """
    return str(config.getoption("--starrocks-version") or os.environ.get(VERSION_VARIABLE) or "3.3.5")


def _real_cluster() -> bool:
    from airflow_provider_starrocks.testing.external import URI_VARIABLE

    return bool(os.environ.get(URI_VARIABLE))


@pytest.fixture(scope="session")
def starrocks_aws() -> Iterator[AwsEmulator]:
    """Start moto with the stack's AWS account once per session (moto's state is per process: share this one)."""
    from airflow_provider_starrocks.testing.aws import AwsEmulator

    if _real_cluster():
        pytest.skip("the AWS emulator is not used against a real cluster (STARROCKS_TEST_URI is set)")

    emulator = AwsEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def starrocks_stack(request: pytest.FixtureRequest) -> Iterator[StarRocksStack]:
    """
    Start the FE emulator (on the session's moto) once per test session; stopped at the end.

    With ``STARROCKS_TEST_URI`` set, yield an :class:`~airflow_provider_starrocks.testing.external.ExternalStack`
    for that cluster instead (emulator-only features then skip the test).
    """
    from airflow_provider_starrocks.testing.external import ExternalStack
    from airflow_provider_starrocks.testing.stack import StarRocksStack

    external = ExternalStack.from_env()
    if external is not None:
        yield external  # type: ignore[misc]
        return
    stack = StarRocksStack(emulated_version(request.config), aws=request.getfixturevalue("starrocks_aws"))
    try:
        stack.start()
    except ImportError as error:
        pytest.skip(f"the local StarRocks stack is unavailable: {error}")
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def starrocks(starrocks_stack: StarRocksStack, monkeypatch: pytest.MonkeyPatch) -> StarRocksStack:
    """Reset the session stack to its initial state and export its ``env()`` for this test."""
    starrocks_stack.reset()
    for name, value in starrocks_stack.env().items():
        monkeypatch.setenv(name, value)
    return starrocks_stack
