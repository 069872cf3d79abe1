"""StarRocksPipeSensor end to end: a pipe over moto files, waited on by prefix or by file names."""

from __future__ import annotations

import datetime

import pytest

from airflow_provider_starrocks.operators.pipe import StarRocksCreatePipeOperator
from airflow_provider_starrocks.sensors.pipe import StarRocksPipeSensor, check_pipe_sensor_args
from airflow_provider_starrocks.testing.dags import AIRFLOW_3

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
LOGICAL = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)
RUN_AT = {"logical_date": LOGICAL, **({"run_after": LOGICAL} if AIRFLOW_3 else {})}


@pytest.fixture
def logs(capfd, caplog):
    """Read what the task logged: stdout on Airflow 3 (structlog), the logging records on Airflow 2."""
    caplog.set_level("INFO")

    def read():
        out, err = capfd.readouterr()
        return out + err if AIRFLOW_3 else caplog.text

    return read


@pytest.fixture
def orders_pipe(sales, pipe_source):
    pipe_source.put_day("2024-01-01")
    StarRocksCreatePipeOperator(
        task_id="create",
        database="sales",
        pipe="orders_pipe",
        table="orders",
        source=f"{pipe_source.source}/*/*.parquet",
        properties={"POLL_INTERVAL": 5},
        aws_conn_id="aws_iam_user",
    ).execute({})
    sales.statements.clear()
    return pipe_source


def sensor_dag(dag_id, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    kwargs.setdefault("poke_interval", 0.1)
    kwargs.setdefault("timeout", 20)
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksPipeSensor(task_id="wait", database="sales", pipe="orders_pipe", **kwargs)
    return dag


DEFERRABLE = [pytest.param(False, id="poke"), pytest.param(True, id="deferrable")]


@pytest.mark.parametrize("deferrable", DEFERRABLE)
def test_waits_for_the_days_prefix(orders_pipe, run_dag, deferrable):
    uri = orders_pipe.put_day("2024-01-02", first_id=10)
    dag = sensor_dag(
        f"pipe_prefix_{deferrable}", path_prefix=orders_pipe.source + "/{{ ds }}/", deferrable=deferrable
    )
    result = run_dag(dag, **RUN_AT)
    assert result.task_states == {"wait": "success"}
    assert result.xcom["wait"]["files"] == [uri]


def test_waits_for_templated_files(orders_pipe, run_dag):
    first = orders_pipe.put_day("2024-01-02", first_id=10, name="part-0.parquet")
    second = orders_pipe.put_day("2024-01-02", first_id=20, name="part-1.parquet")
    names = [orders_pipe.source + "/{{ ds }}/part-0.parquet", orders_pipe.source + "/{{ ds }}/part-1.parquet"]
    result = run_dag(sensor_dag("pipe_files", files=names), **RUN_AT)
    assert result.task_states == {"wait": "success"}
    assert result.xcom["wait"]["files"] == sorted([first, second])


@pytest.mark.parametrize("deferrable", DEFERRABLE)
def test_a_file_in_error_fails_with_its_message(orders_pipe, run_dag, logs, deferrable):
    bad = orders_pipe.put_bad("2024-01-02")
    result = run_dag(sensor_dag(f"pipe_error_{deferrable}", files=[bad], deferrable=deferrable), **RUN_AT)
    assert result.task_states == {"wait": "failed"}
    text = logs()
    assert f"failed to load {bad}:" in text
    assert "RETRY" in text


@pytest.mark.parametrize("deferrable", DEFERRABLE)
def test_timeout_lists_the_pending_files(orders_pipe, run_dag, logs, deferrable):
    missing = orders_pipe.source + "/2024-01-02/never.parquet"
    result = run_dag(
        sensor_dag(f"pipe_timeout_{deferrable}", files=[missing], timeout=1, deferrable=deferrable), **RUN_AT
    )
    assert result.task_states == {"wait": "failed"}
    text = logs()
    assert f"1 file(s) still pending: {missing}" in text
    assert ("Deferring while pipe files" in text) == deferrable


def test_unknown_pipe_fails(sales, run_dag, logs):
    result = run_dag(sensor_dag("pipe_missing", path_prefix="s3://starrocks-test/x/"))
    assert result.task_states == {"wait": "failed"}
    assert "Pipe sales.orders_pipe does not exist" in logs()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({}, "give exactly one of them", id="neither"),
        pytest.param({"path_prefix": "s3://b/x/", "files": ["s3://b/x/a"]}, "give exactly one", id="both"),
        pytest.param({"path_prefix": "/tmp/x"}, "is not an s3:// or s3a:// path", id="prefix"),
        pytest.param({"files": ["s3://b/x/*.parquet"]}, "contains a wildcard", id="wildcard"),
        pytest.param({"files": []}, "files: got []", id="empty"),
        pytest.param(
            {"pipe": "bad-pipe", "path_prefix": "s3://b/x/"}, "pipe 'bad-pipe' is invalid", id="pipe"
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"database": "sales", "pipe": "p", "path_prefix": None, "files": None, **kwargs}
    with pytest.raises(ValueError) as err:  # noqa: PT011 - the message is checked below
        check_pipe_sensor_args(**args)
    assert message in str(err.value)
