"""Provider registration and README connection examples, checked for real (import cost: test_import_cost.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_starrocks import __version__, get_provider_info
from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

README = Path(__file__).resolve().parents[1] / "README.md"


def test_provider_info_matches_distribution():
    info = get_provider_info()
    assert info["package-name"] == "airflow-provider-starrocks"
    assert info["versions"] == [__version__]
    (conn_type,) = info["connection-types"]
    assert conn_type["connection-type"] == "starrocks"
    assert conn_type["hook-class-name"] == "airflow_provider_starrocks.hooks.starrocks.StarRocksHook"


def test_providers_manager_discovers_provider_and_hook():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-starrocks" in manager.providers
    assert manager.hooks["starrocks"].hook_class_name == StarRocksHook.__module__ + ".StarRocksHook"


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["providers", "list"], id="providers_list"),
        pytest.param(["providers", "hooks"], id="hooks"),
    ],
)
def test_airflow_cli_shows_provider(command):
    out = subprocess.run(
        [sys.executable, "-m", "airflow", *command, "--output", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "airflow-provider-starrocks" in out or "StarRocksHook" in out


def _readme_block(marker: str) -> str:
    text = README.read_text()
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)\n```", text, re.S)
    assert match, f"README block {marker} is missing"
    line = match.group(1).strip()
    name, _, value = line.removeprefix("export ").partition("=")
    assert name == "AIRFLOW_CONN_STARROCKS_DEFAULT"
    return value.strip("'")


@pytest.mark.parametrize(
    "marker",
    [pytest.param("readme-connection-uri", id="uri"), pytest.param("readme-connection-json", id="json")],
)
def test_readme_connection_examples_connect(starrocks, monkeypatch, marker):
    """The README's connection definitions, pointed at the local stack, connect on the first try."""
    value = _readme_block(marker)
    value = (
        value.replace("starrocks-fe.example.com:9030", f"{starrocks.fe_host}:{starrocks.fe_port}")
        .replace('"starrocks-fe.example.com"', json.dumps(starrocks.fe_host))
        .replace('"port": 9030', f'"port": {starrocks.fe_port}')
        .replace("analyst", starrocks.user)
        .replace("my-password", starrocks.password)
    )
    StarRocksHook().run("CREATE DATABASE IF NOT EXISTS analytics")  # through the stack's own connection
    monkeypatch.setenv("AIRFLOW_CONN_STARROCKS_DEFAULT", value)
    ok, message = StarRocksHook().test_connection()
    assert ok, message
    assert list(StarRocksHook().get_records("SHOW TABLES")) == []


def _readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)\n```", README.read_text(), re.S)


def test_readme_examples_use_the_local_stacks_connection_ids(starrocks_stack):
    """Copied into a DAG, every README example finds its connections on the local stack."""
    defined = set(starrocks_stack.airflow_connections())
    used = {
        conn_id
        for block in _readme_python_blocks()
        for conn_id in re.findall(r"\b(?:\w+_)?conn_id=\"([\w-]+)\"", block)
    }
    assert used, "no connection ids found in the README's examples"
    assert used <= defined, f"not defined by the local stack: {sorted(used - defined)}"


def test_readme_examples_import_dag_portably():
    """``airflow.sdk`` does not exist on Airflow 2.11; the compat module works on both."""
    for block in _readme_python_blocks():
        assert not re.search(r"^from airflow\.sdk import", block, re.M), block


def test_readme_documents_every_serve_option():
    from airflow_provider_starrocks.testing.__main__ import _parser

    serve = _parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    options = [opt for action in serve._actions for opt in action.option_strings if opt.startswith("--")]
    text = README.read_text()
    missing = [opt for opt in options if opt != "--help" and f"`{opt}" not in text]
    assert not missing, f"serve options missing from the README: {missing}"
