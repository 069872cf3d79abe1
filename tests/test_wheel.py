"""The built wheel carries the typing marker and the license (checked on a real ``uv build``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> str | None:
    return shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def _build_wheel(out_dir: Path) -> Path:
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (make install bootstraps it into the venv)")
    command = [uv, "build", "--wheel", "--out-dir", str(out_dir), str(ROOT)]
    # Offline when the build backend is cached; a fresh machine fetches hatchling from the package index once.
    done = subprocess.run(
        [*command[:2], "--offline", *command[2:]], capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = out_dir.glob("airflow_provider_starrocks-*.whl")
    return wheel


def test_wheel_has_py_typed_and_license(tmp_path):
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = archive.read(metadata).decode()
        (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        license_text = archive.read(license_file).decode()
    assert "airflow_provider_starrocks/py.typed" in names
    assert "Apache License" in license_text
    assert "Version 2.0, January 2004" in license_text
    assert "License-Expression: Apache-2.0" in meta
    assert "License-File: LICENSE" in meta
