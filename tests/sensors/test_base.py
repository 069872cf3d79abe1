"""StarRocksJobSensor, the sensors' base: starrocks_conn_id, deferrable (default_args too), never cancelling."""

from __future__ import annotations

import pendulum
import pytest
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_starrocks.sensors.load import StarRocksLoadSensor
from airflow_provider_starrocks.sensors.pipe import StarRocksPipeSensor
from airflow_provider_starrocks.sensors.snapshot import StarRocksSnapshotSensor

SENSORS = [
    pytest.param(StarRocksLoadSensor, {"label": "l", "database": "db"}, id="load"),
    pytest.param(StarRocksSnapshotSensor, {"repository": "r", "snapshot": "s"}, id="snapshot"),
    pytest.param(StarRocksPipeSensor, {"database": "db", "pipe": "p", "path_prefix": "s3://b/"}, id="pipe"),
]


def _dag(**default_args: object) -> DAG:
    return DAG(
        "sensor_base", schedule=None, start_date=pendulum.datetime(2024, 1, 1), default_args=default_args
    )


@pytest.mark.parametrize(("operator", "arguments"), SENSORS)
def test_sensor_base_arguments(operator, arguments):
    with _dag(deferrable=True):
        task = operator(task_id="t", poke_interval=30, **arguments)
    assert (task.deferrable, task.poll_interval, task.cancel_on_kill) == (True, 30.0, False)
    with _dag():
        assert operator(task_id="u", deferrable=False, **arguments).deferrable is False
