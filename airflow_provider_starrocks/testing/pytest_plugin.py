"""
Pytest fixtures for the local StarRocks stack.

Enable with ``-p airflow_provider_starrocks.testing.pytest_plugin`` (it is not auto-loaded). Fixtures:
``starrocks_stack`` (session scope, started once) and ``starrocks`` (function scope: reset, ``env()`` set with
monkeypatch). The heavy modules are imported inside the fixtures so that loading the plugin costs nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from airflow_provider_starrocks.testing.stack import StarRocksStack

# mysql-mimic logs every refused statement at ERROR; werkzeug (moto) every rejected request.
logging.getLogger("mysql_mimic").setLevel(logging.CRITICAL)
logging.getLogger("werkzeug").setLevel(logging.CRITICAL)


@pytest.fixture(scope="session")
def starrocks_stack() -> Iterator[StarRocksStack]:
    """Start the FE emulator and moto once per test session; stopped at the end."""
    from airflow_provider_starrocks.testing.stack import StarRocksStack

    stack = StarRocksStack()
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
