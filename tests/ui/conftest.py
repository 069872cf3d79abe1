"""
Browser-test fixtures: ``airflow api-server`` on loopback with a fresh AIRFLOW_HOME, and Debian's Chromium.

Chromium is driven through the ``playwright`` Python package but is never downloaded by it (no
``playwright install``): the tests launch the distribution's ``/usr/bin/chromium`` (``apt-get install chromium``),
and skip with the reason when it, playwright or Airflow 3's React UI is missing. When a test fails, a screenshot,
the page HTML, the browser console and the api-server log are saved under ``test-artifacts/ui/<test>/`` (or
``$UI_TEST_ARTIFACTS/<test>/``) and the folder is named in the failure report.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import airflow_provider_starrocks

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator

    from airflow_provider_starrocks.testing.stack import StarRocksStack

CHROMIUM = os.environ.get("UI_TEST_CHROMIUM", "/usr/bin/chromium")
# The machines have no outside network: keep Chromium from calling home, and from needing a sandbox or a GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0
MIGRATE_TIMEOUT = 120.0
#: Default wait of every playwright action and expectation, in milliseconds.
ACTION_TIMEOUT_MS = 15_000


def _missing_requirement() -> str | None:
    from airflow_provider_starrocks.testing.dags import AIRFLOW_3

    if not AIRFLOW_3:
        return "the connection form under test is Airflow 3's React UI; this is Airflow 2"
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"no Chromium at {CHROMIUM} (install Debian's package: apt-get install chromium chromium-driver)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright is not importable ({error}); install the dev extra: pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="session")
def ui_requirements() -> None:
    """Skip, with the reason, where Chromium, playwright or Airflow 3 is missing."""
    reason = _missing_requirement()
    if reason:
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AirflowUi:
    """A running ``airflow api-server``: its URL, home folder and log."""

    base_url: str
    home: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server and every process it started (its own process group), SIGKILL after 15 s."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break  # the group is empty
            if sig == signal.SIGTERM:
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
        self.process.wait(timeout=5)


def _server_env(home: Path, stack: StarRocksStack) -> dict[str, str]:
    # Nothing of this session's Airflow or AWS settings leaks in (its AIRFLOW_HOME, unit-test mode, connections).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "AWS_"))}
    # The server imports the same provider code as this test process (a worktree ahead of the installed copy).
    source_root = str(Path(airflow_provider_starrocks.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, os.environ.get("PYTHONPATH")) if p)
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(home / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__TEST_CONNECTION="Enabled",
        AIRFLOW__CORE__AUTH_MANAGER="airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        # Everyone is an admin without logging in: the browser lands on the page it opens.
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="True",
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(64),
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
    )
    # The AWS connection test (STS GetCallerIdentity) runs inside the api-server: send its boto3 to moto.
    env.update(stack.aws.env())
    return env


# Linux: the server gets SIGTERM when this process dies, so that a killed pytest leaves no server behind.
_PARENT_DEATH_SIGNAL = (
    "import ctypes, os, signal, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG\n"
    "    if os.getppid() != int(sys.argv[1]):\n"
    "        sys.exit('the test process is gone')\n"
    "os.execv(sys.executable, [sys.executable, '-m', *sys.argv[2:]])\n"
)


def _dies_with_this_process(module_args: list[str]) -> list[str]:
    """Return a command that runs ``python -m <module_args>`` and is ended when this process dies."""
    return [sys.executable, "-c", _PARENT_DEATH_SIGNAL, str(os.getpid()), *module_args]


def _wait_until_serving(ui: AirflowUi, deadline: float) -> None:
    health = f"{ui.base_url}/api/v2/monitor/health"
    while True:
        if ui.process.poll() is not None:
            pytest.fail(f"airflow api-server exited with {ui.process.returncode}:\n{ui.log_tail()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"airflow api-server did not answer {health} in {SERVER_START_TIMEOUT:.0f} s:\n{ui.log_tail()}"
            )
        time.sleep(0.25)


@pytest.fixture(scope="module")
def airflow_ui(
    ui_requirements: None, starrocks_stack: StarRocksStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AirflowUi]:
    """Start ``airflow api-server`` on a free loopback port with a fresh AIRFLOW_HOME; stopped after the module."""
    home = tmp_path_factory.mktemp("airflow-ui-home")
    env = _server_env(home, starrocks_stack)
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=MIGRATE_TIMEOUT,
        check=False,
    )
    if migrate.returncode != 0:
        pytest.fail(
            f"airflow db migrate failed ({migrate.returncode}):\n{migrate.stdout[-3000:]}{migrate.stderr[-3000:]}"
        )
    port = _free_port()
    log_path = home / "api-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _dies_with_this_process(
                ["airflow", "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
            ),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that stop() ends its workers too
        )
    ui = AirflowUi(base_url=f"http://127.0.0.1:{port}", home=home, log_path=log_path, process=process)
    try:
        _wait_until_serving(ui, time.monotonic() + SERVER_START_TIMEOUT)
        yield ui
    finally:
        ui.stop()


@dataclass
class BrowserRecord:
    """What the browser saw, kept for the failure artifacts."""

    console: list[str] = field(default_factory=list)


@pytest.fixture
def ui_page(airflow_ui: AirflowUi, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page of headless Debian Chromium with a fresh profile; artifacts are saved if the test fails."""
    from playwright.sync_api import sync_playwright

    record = BrowserRecord()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
            timeout=30_000,
        )
        try:
            context.set_default_timeout(ACTION_TIMEOUT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            page.on("console", lambda message: record.console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: record.console.append(f"pageerror: {error}"))
            request.node.ui_record = (page, record, airflow_ui)
            yield page
        finally:
            context.close()


def _artifact_folder(item: pytest.Item) -> Path:
    root = Path(os.environ.get("UI_TEST_ARTIFACTS") or item.config.rootpath / "test-artifacts" / "ui")
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in item.name)
    return root / name


def _save_artifacts(item: pytest.Item) -> Path | None:
    page, record, ui = getattr(item, "ui_record", (None, None, None))
    if page is None:
        return None
    folder = _artifact_folder(item)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for index, open_page in enumerate(page.context.pages):
        stem = folder / f"page-{index}"
        try:
            open_page.screenshot(path=f"{stem}.png", full_page=True, timeout=10_000)
            Path(f"{stem}.html").write_text(f"<!-- {open_page.url} -->\n{open_page.content()}")
        except Exception as error:  # a crashed page must not hide the test's own failure
            Path(f"{stem}.error.txt").write_text(repr(error))
    (folder / "console.txt").write_text("\n".join(record.console))
    if ui.log_path.exists():
        shutil.copy(ui.log_path, folder / "api-server.log")
    return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        folder = _save_artifacts(item)
        if folder is not None:
            report.sections.append(
                ("browser artifacts", f"screenshots, page HTML and logs saved in {folder}")
            )
    return report
