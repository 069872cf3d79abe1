"""The operators' base classes (StarRocksAwsOperator, StarRocksBaseOperator): arguments, defaults, default_args."""

from __future__ import annotations

import pendulum
import pytest
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_starrocks.operators.backup import (
    StarRocksBackupOperator,
    StarRocksCreateRepositoryOperator,
    StarRocksRestoreOperator,
)
from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator
from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator
from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.operators.pipe import (
    StarRocksAlterPipeOperator,
    StarRocksCreatePipeOperator,
    StarRocksDropPipeOperator,
)
from airflow_provider_starrocks.operators.unload import StarRocksUnloadToS3Operator
from airflow_provider_starrocks.sensors.load import StarRocksLoadSensor
from airflow_provider_starrocks.sensors.pipe import StarRocksPipeSensor
from airflow_provider_starrocks.sensors.snapshot import StarRocksSnapshotSensor

AWS_OPERATORS = [
    pytest.param(
        StarRocksS3BrokerLoadOperator, {"database": "db", "table": "t", "source": "s3://b/x"}, id="broker"
    ),
    pytest.param(
        StarRocksInsertFromFilesOperator, {"database": "db", "table": "t", "source": "s3://b/x"}, id="files"
    ),
    pytest.param(
        StarRocksCreateExternalCatalogOperator,
        {"catalog_name": "c", "catalog_type": "hive", "metastore": "glue"},
        id="catalog",
    ),
    pytest.param(
        StarRocksCreateFileExternalTableOperator,
        {"database": "db", "table": "t", "columns": "a INT", "path": "s3://b/", "format": "parquet"},
        id="file_table",
    ),
    pytest.param(StarRocksUnloadToS3Operator, {"path": "s3://b/", "sql": "SELECT 1"}, id="unload"),
    pytest.param(
        StarRocksCreatePipeOperator,
        {"database": "db", "pipe": "p", "table": "t", "source": "s3://b/"},
        id="pipe",
    ),
    pytest.param(
        StarRocksCreateRepositoryOperator, {"repository": "r", "location": "s3://b/"}, id="repository"
    ),
]
OTHER_TASKS = [
    pytest.param(
        StarRocksAlterPipeOperator, {"database": "db", "pipe": "p", "action": "suspend"}, id="alter_pipe"
    ),
    pytest.param(StarRocksDropPipeOperator, {"database": "db", "pipe": "p"}, id="drop_pipe"),
    pytest.param(StarRocksBackupOperator, {"database": "db", "repository": "r"}, id="backup"),
    pytest.param(
        StarRocksRestoreOperator, {"database": "db", "repository": "r", "snapshot": "s"}, id="restore"
    ),
    pytest.param(StarRocksLoadSensor, {"label": "l", "database": "db"}, id="load_sensor"),
    pytest.param(StarRocksSnapshotSensor, {"repository": "r", "snapshot": "s"}, id="snapshot_sensor"),
    pytest.param(
        StarRocksPipeSensor, {"database": "db", "pipe": "p", "path_prefix": "s3://b/"}, id="pipe_sensor"
    ),
]


def _dag(**default_args: object) -> DAG:
    return DAG(
        "base_arguments", schedule=None, start_date=pendulum.datetime(2024, 1, 1), default_args=default_args
    )


@pytest.mark.parametrize(("operator", "arguments"), AWS_OPERATORS)
def test_aws_arguments_default(operator, arguments):
    with _dag():
        task = operator(task_id="t", **arguments)
    assert (task.aws_conn_id, task.credential_mode, task.region) == ("aws_default", "auto", None)
    assert type(task.aws_conn_id) is str  # the default's marker class stays inside the base
    assert task.aws_conn_explicit is False
    assert task.starrocks_conn_id == "starrocks_default"


@pytest.mark.parametrize(("operator", "arguments"), AWS_OPERATORS)
def test_aws_arguments_passed_or_from_default_args(operator, arguments):
    with _dag(aws_conn_id="aws_default", region="eu-west-1", starrocks_conn_id="sr_other"):
        task = operator(task_id="t", credential_mode="assumed_role", **arguments)
    assert (task.aws_conn_id, task.credential_mode, task.region) == (
        "aws_default",
        "assumed_role",
        "eu-west-1",
    )
    assert task.aws_conn_explicit is True  # an explicit "aws_default" is told apart from the default
    assert task.starrocks_conn_id == "sr_other"
    with _dag():
        assert operator(task_id="u", aws_conn_id=None, **arguments).aws_conn_id is None


@pytest.mark.parametrize(("operator", "arguments"), OTHER_TASKS)
def test_starrocks_conn_id_from_default_args(operator, arguments):
    with _dag():
        assert operator(task_id="t", **arguments).starrocks_conn_id == "starrocks_default"
    with _dag(starrocks_conn_id="sr_other"):
        assert operator(task_id="t", **arguments).starrocks_conn_id == "sr_other"


@pytest.mark.parametrize(("operator", "arguments"), AWS_OPERATORS + OTHER_TASKS)
def test_expand_over_a_base_argument(operator, arguments):
    with _dag():
        mapped = operator.partial(task_id="t", **arguments).expand(starrocks_conn_id=["a", "b"])
    assert mapped.expand_input.value == {"starrocks_conn_id": ["a", "b"]}


@pytest.mark.parametrize(
    ("operator", "arguments"),
    [
        pytest.param(
            StarRocksS3BrokerLoadOperator,
            {"database": "db", "table": "t", "source": "s3://b/x", "partitions": ["p1"], "label": "l1"},
            id="broker",
        ),
        pytest.param(
            StarRocksInsertFromFilesOperator,
            {"database": "db", "table": "t", "source": "s3://b/x", "select": "a", "insert_timeout": 60},
            id="files",
        ),
        pytest.param(
            StarRocksCreatePipeOperator,
            {"database": "db", "pipe": "p", "table": "t", "source": "s3://b/", "if_exists": "ignore"},
            id="pipe",
        ),
        pytest.param(
            StarRocksUnloadToS3Operator, {"path": "s3://b/", "table": "db.t", "where": "a > 1"}, id="unload"
        ),
    ],
)
def test_spec_carries_every_argument_as_given(operator, arguments):
    op = operator(task_id="t", aws_conn_id="aws_x", region="eu-west-1", **arguments)
    spec = op._spec()
    given = {"load_label" if key == "label" else key: value for key, value in arguments.items()}
    assert {name: getattr(spec, name) for name in given} == given
    assert (spec.aws_conn_id, spec.credential_mode, spec.region) == ("aws_x", "auto", "eu-west-1")
