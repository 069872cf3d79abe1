"""``python -m airflow_provider_starrocks.testing serve`` where the ``testing`` extra is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Runs the real entry point with one module made unimportable, as on an install without the extra.
_BLOCKED_RUN = """
import runpy, sys

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
sys.argv = ["python -m airflow_provider_starrocks.testing", "serve", "--port", "0"]
runpy.run_module("airflow_provider_starrocks.testing", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    "blocked",
    [
        pytest.param("pyarrow", id="pyarrow"),
        pytest.param("moto", id="moto"),
        pytest.param("mysql_mimic", id="mimic"),
    ],
)
def test_serve_without_the_testing_extra_says_what_to_install(blocked):
    done = subprocess.run(
        [sys.executable, "-c", _BLOCKED_RUN.format(blocked=blocked)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"({blocked}" in done.stderr
    assert "pip install 'airflow-provider-starrocks[testing]'" in done.stderr
    assert "make install" in done.stderr
