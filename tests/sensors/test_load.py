"""StarRocksLoadSensor (poke and deferrable) through dag.test() against the local FE emulator."""

from __future__ import annotations

import datetime
import threading

import pytest

from airflow_provider_starrocks.sensors.load import StarRocksLoadSensor

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
SOURCE = "s3://starrocks-test/sample/orders.parquet"


def submit(stack, label):
    stack.sql(
        f'LOAD LABEL sales.{label} (DATA INFILE("{SOURCE}") INTO TABLE orders) WITH BROKER '
        '("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")',
    )


def make_dag(dag_id, label, deferrable, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksLoadSensor(
            task_id="wait", label=label, database="sales", deferrable=deferrable, poke_interval=0.05, **kwargs
        )
    return dag


MODES = [pytest.param(False, id="poke"), pytest.param(True, id="deferrable")]


@pytest.mark.parametrize("deferrable", MODES)
def test_waits_for_a_label_submitted_elsewhere(sales, run_dag, deferrable):
    def submit_once_polled():
        for _ in range(3000):
            # Deferred sensors poll through the shared poller: information_schema.loads, batched.
            if (
                sum(
                    s.startswith("SHOW LOAD FROM `sales`") or "information_schema.loads" in s
                    for s in sales.statements
                )
                >= 2
            ):
                submit(sales, "elsewhere")
                return
            threading.Event().wait(0.01)

    threading.Thread(target=submit_once_polled, daemon=True).start()
    result = run_dag(make_dag(f"sensor_wait_{deferrable}", "elsewhere", deferrable))
    assert result.task_states == {"wait": "success"}
    assert (result.xcom["wait"]["state"], result.xcom["wait"]["sink_rows"]) == ("FINISHED", 100)
    assert result.xcom["wait"]["database"] == "sales"


@pytest.mark.parametrize("deferrable", MODES)
def test_fails_on_cancelled_with_the_reason(sales, run_dag, capfd, deferrable):
    sales.fe.force_next_load("CANCELLED", "type:LOAD_RUN_FAIL; msg:backend crashed")
    submit(sales, "doomed")
    result = run_dag(make_dag(f"sensor_cancelled_{deferrable}", "doomed", deferrable))
    assert result.task_states == {"wait": "failed"}
    logged = capfd.readouterr().out
    assert "LOAD_RUN_FAIL" in logged
    assert "backend crashed" in logged


@pytest.mark.parametrize("deferrable", MODES)
def test_follows_the_newest_job_of_a_reused_label(sales, run_dag, deferrable):
    sales.fe.force_next_load("CANCELLED", "type:LOAD_RUN_FAIL; msg:first try")
    submit(sales, "reused")
    while sales.sql('SHOW LOAD FROM sales WHERE LABEL = "reused"')[0][2] != "CANCELLED":
        threading.Event().wait(0.01)
    submit(sales, "reused")
    result = run_dag(make_dag(f"sensor_reused_{deferrable}", "reused", deferrable))
    assert result.task_states == {"wait": "success"}
    assert result.xcom["wait"]["job_id"] == max(int(r[0]) for r in sales.sql("SHOW LOAD FROM sales"))


def test_sensor_never_cancels(sales, run_dag):
    sales.fe.config.hold_state = "LOADING"
    submit(sales, "held")
    result = run_dag(make_dag("sensor_timeout", "held", True, timeout=1))
    assert result.task_states == {"wait": "failed"}
    assert not any(s.startswith("CANCEL LOAD") for s in sales.statements)


def test_deferred_timeout_is_a_sensor_timeout_like_poke_mode():
    from airflow.providers.common.compat.sdk import AirflowSensorTimeout

    sensor = StarRocksLoadSensor(task_id="wait", label="held", database="sales", deferrable=True)
    event = {"status": "error", "label": "held", "message": "Timed out waiting for it", "timeout": True}
    with pytest.raises(AirflowSensorTimeout, match="Timed out waiting for it"):
        sensor.execute_complete({}, event)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"label": ""}, "label '' is invalid", id="empty_label"),
        pytest.param({"label": "a b"}, "label 'a b' is invalid", id="bad_label"),
        pytest.param({"database": "bad-db"}, "database 'bad-db' is invalid", id="bad_database"),
    ],
)
def test_bad_arguments_fail_before_sql_without_retry(starrocks, overrides, message):
    from airflow_provider_starrocks.utils.load_state import StarRocksLoadFatalError

    sensor = StarRocksLoadSensor(task_id="wait", **{"label": "x", "database": "sales", **overrides})
    with pytest.raises(StarRocksLoadFatalError, match=message):
        sensor.poke({})
    assert starrocks.statements == []
