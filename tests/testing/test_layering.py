"""The local stack's modules: no import cycle, and importing them changes nothing in the process.

The import graph is built from each module's source (its import-time imports: module level and class bodies, not
function bodies and not ``if TYPE_CHECKING:`` blocks), including the edge Python adds from a module to the
package it lives in, so a package ``__init__`` that imports its submodules counts as the cycle it is.
"""

from __future__ import annotations

import ast
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

import airflow_provider_starrocks.testing

TESTING = "airflow_provider_starrocks.testing"
ROOT = Path(airflow_provider_starrocks.testing.__file__).resolve().parent


def emulator_modules() -> dict[str, Path]:
    """Every module of the testing package (globbed), by dotted name; a package by its ``__init__.py``."""
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join([TESTING, *parts])] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_nodes(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found += _import_time_nodes(node.body)
            found += _import_time_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                found += _import_time_nodes(block)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            found += _import_time_nodes(node.body)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the testing modules it imports when it is imported."""
    modules = emulator_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _import_time_nodes(ast.parse(path.read_text(), str(path)).body):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                imported = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in imported:
                # Importing a.b.c runs a, then a.b, then a.b.c.
                parts = target.split(".")
                targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        if name != TESTING:
            targets.add(name.rpartition(".")[0])  # a submodule's package runs first
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph[node]):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def test_the_graph_sees_real_imports():
    graph = import_graph()
    fe = f"{TESTING}.fe"
    assert f"{fe}.lexer" in graph[f"{fe}.stream"]
    assert f"{fe}.handlers" in graph[f"{fe}.session"]  # "from package import module" is an edge to the module
    assert f"{fe}.session" in graph[f"{fe}.emulator"]
    assert fe in graph[f"{fe}.lexer"]  # the package runs before its submodule
    assert f"{fe}.emulator" not in graph[f"{fe}.selects"]  # only under TYPE_CHECKING (or not at all)


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        pytest.param({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"], id="circle"),
        pytest.param({"a": {"b", "c"}, "b": {"c"}, "c": set()}, None, id="diamond"),
    ],
)
def test_find_cycle(graph, cycle):
    assert find_cycle(graph) == cycle


def test_no_import_cycle_in_the_testing_package():
    assert find_cycle(import_graph()) is None


def test_the_engine_does_not_import_the_server():
    """Below the server layer, modules see the emulator through ``fe/context.FeContext`` only."""
    server = {f"{TESTING}.fe.emulator", f"{TESTING}.fe.session", f"{TESTING}.fe.auth"}
    graph = import_graph()
    offenders = {
        name: sorted(graph[name] & server)
        for name in graph
        if name.startswith(f"{TESTING}.fe.")
        and name not in server | {f"{TESTING}.fe.client"}
        and graph[name] & server
    }
    assert offenders == {}


# Airflow configures its logging when imported (its own doing, not ours): the baseline is taken after it.
PROBE = """
import importlib, json, logging, sys
import airflow


def state():
    import_patch = None
    if "mysql_mimic.server" in sys.modules:
        import mysql_mimic.connection, mysql_mimic.server
        import_patch = mysql_mimic.server.Connection is not mysql_mimic.connection.Connection
    levels = {{
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET
    }}
    return {{"connection_patched": bool(import_patch), "levels": levels, "root": logging.getLogger().level,
             "root_handlers": len(logging.getLogger().handlers), "pytest": "pytest" in sys.modules}}


before = state()
importlib.import_module({module!r})
after = state()
{extra}
print(json.dumps({{"before": before, "after": after}}))
"""


def _probe(module: str, extra: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, extra=extra)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# A fresh process per module that does something when loaded (the emulator, the stack, moto, the plugin, the CLI):
# whatever those leave alone, the modules they import leave alone too.
@pytest.mark.parametrize(
    "module",
    [
        pytest.param(f"{TESTING}.fe.emulator", id="fe_emulator"),
        pytest.param(f"{TESTING}.fe", id="fe_package"),
        pytest.param(f"{TESTING}.stack", id="stack"),
        pytest.param(f"{TESTING}.aws", id="aws"),
        pytest.param(f"{TESTING}.pytest_plugin", id="pytest_plugin"),
        pytest.param(f"{TESTING}.__main__", id="cli"),
    ],
)
def test_importing_changes_nothing(module):
    report = _probe(module)
    after = report["after"]
    assert not after["connection_patched"], "mysql_mimic.server.Connection was replaced at import"
    assert after["levels"] == report["before"]["levels"], "logger levels were changed at import"
    assert (after["root"], after["root_handlers"]) == (
        report["before"]["root"],
        report["before"]["root_handlers"],
    )
    if module != f"{TESTING}.pytest_plugin":
        assert not after["pytest"], "library code imports pytest"


def test_every_testing_module_imports_without_side_effects():
    """All of them in one fresh process, one after another, checked after each."""
    modules = sorted(emulator_modules())
    code = (
        "import importlib, json, logging, sys\n"
        "import airflow, mysql_mimic.connection, mysql_mimic.server\n"
        "def levels():\n"
        "    return {n: l.level for n, l in logging.Logger.manager.loggerDict.items()"
        " if isinstance(l, logging.Logger) and l.level != logging.NOTSET}\n"
        "first = levels()\n"
        "changed = []\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    if levels() != first or mysql_mimic.server.Connection is not mysql_mimic.connection.Connection:\n"
        "        changed.append(name)\n"
        "        break\n"
        "print(json.dumps(changed))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_the_connection_class_is_installed_when_an_emulator_starts_idempotently():
    report = _probe(
        f"{TESTING}.fe.emulator",
        extra=(
            "from airflow_provider_starrocks.testing.fe.auth import FeConnection\n"
            "from airflow_provider_starrocks.testing.fe.emulator import install_fe_connection\n"
            "install_fe_connection(); install_fe_connection()\n"
            "import mysql_mimic.server\n"
            "assert mysql_mimic.server.Connection is FeConnection\n"
            "after = state()\n"
        ),
    )
    assert report["after"]["connection_patched"]
    before, after = report["before"]["levels"], report["after"]["levels"]
    assert {name: level for name, level in after.items() if before.get(name) != level} == {
        "mysql_mimic": logging.CRITICAL
    }
