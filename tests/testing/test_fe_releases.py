"""The emulated releases: which versions select which behaviour tables, and which are refused."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.testing.fe.config import FeConfig
from airflow_provider_starrocks.testing.fe.releases import RELEASES, full_version, release_name
from airflow_provider_starrocks.testing.stack import StarRocksStack


@pytest.mark.parametrize(
    ("version", "name"),
    [
        pytest.param("3.1.4", "3.1", id="3_1_4"),
        pytest.param("3.1", "3.1", id="3_1"),
        pytest.param("3.3.5", "3.3", id="3_3_5"),
        pytest.param("3.4.0", "3.4", id="3_4_0"),
        pytest.param("3.4.5", "3.4", id="3_4_5"),
        pytest.param("3.5.2", "3.5", id="3_5_2"),
        pytest.param("3.6.0", "newest", id="3_6"),
        pytest.param("4.0.1", "newest", id="4_0"),
        pytest.param("newest", "newest", id="newest"),
        pytest.param("main", "newest", id="main"),
    ],
)
def test_versions_select_a_release(version, name):
    assert release_name(version) == name
    assert FeConfig(version=version).release is RELEASES[name]


@pytest.mark.parametrize("version", [pytest.param(v, id=v) for v in ("3.2.9", "3.0.9", "2.5", "x")])
def test_unemulated_release_is_refused_by_the_stack(version):
    with pytest.raises(ValueError, match="is not emulated: use one of 3.1, 3.3, 3.4, 3.5 or newest"):
        StarRocksStack(version=version)


@pytest.mark.parametrize(
    ("version", "shown"),
    [pytest.param("3.4", "3.4.0", id="name"), pytest.param("newest", "4.0.0", id="newest"),
     pytest.param("3.3.7", "3.3.7", id="full")],
)  # fmt: skip
def test_release_names_get_a_full_version(version, shown):
    assert full_version(version) == shown


def test_a_version_set_later_answers_as_the_nearest_release_below():
    config = FeConfig(version="3.3.5")
    config.version = "3.2.1"  # tests of the provider's own version checks
    assert config.release is RELEASES["3.1"]


def test_serve_refuses_an_unemulated_release(capsys):
    from airflow_provider_starrocks.testing.__main__ import _parser

    with pytest.raises(SystemExit):
        _parser().parse_args(["serve", "--version", "3.2"])
    assert "StarRocks release '3.2' is not emulated" in capsys.readouterr().err
    assert _parser().parse_args(["serve", "--version", "newest"]).version == "4.0.0"
