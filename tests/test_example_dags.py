"""The example DAGs: they import cleanly, and run end to end through Airflow against the local stack."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "example_dags"
DAILY = "example_starrocks_s3_daily_ingestion"
CATALOGS = "example_starrocks_external_catalogs"
FILE_TABLE = "example_starrocks_file_external_table"
CSV_LOAD = "example_starrocks_csv_broker_load"
FILES_INSERT = "example_starrocks_insert_from_files"
UNLOAD = "example_starrocks_unload_to_s3"
PIPE = "example_starrocks_pipe"
EXAMPLE_IDS = {DAILY, CATALOGS, FILE_TABLE, CSV_LOAD, FILES_INSERT, UNLOAD, PIPE}
DATABASE = "example_db"
# sample/orders.*: ids 1..100, amount = id * 1.25.
SAMPLE_AMOUNT_SUM = 1.25 * sum(range(1, 101))

examples = pytest.mark.skipif(
    os.environ.get("SKIP_EXAMPLES") == "1", reason="SKIP_EXAMPLES=1: end-to-end example runs are skipped"
)


def _dag_bag():
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag
    return DagBag(dag_folder=str(EXAMPLES_DIR))


@pytest.fixture(scope="module")
def example_bag():
    return _dag_bag()


def _query(sql: str):
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    rows, _ = StarRocksHook(starrocks_conn_id="starrocks_default").query(sql)
    return [tuple(row) for row in rows]


def test_example_dags_import_without_errors(example_bag):
    assert example_bag.import_errors == {}
    assert set(example_bag.dag_ids) == EXAMPLE_IDS


@pytest.mark.parametrize("dag_id", [pytest.param(d, id=d) for d in sorted(EXAMPLE_IDS)])
def test_example_dag_documents_its_connections(example_bag, dag_id):
    dag = example_bag.dags[dag_id]
    assert dag.doc_md
    assert "**Connections:**" in dag.doc_md
    for task in dag.tasks:
        conn_id = getattr(task, "starrocks_conn_id", None) or getattr(task, "conn_id", None)
        if conn_id is not None:
            assert f"`{conn_id}`" in dag.doc_md, task.task_id
        aws_conn_id = getattr(task, "aws_conn_id", None)
        if aws_conn_id is not None:
            assert f"`{aws_conn_id}`" in dag.doc_md, task.task_id


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.name) for p in sorted(EXAMPLES_DIR.glob("example_*.py"))]
)
def test_example_dag_takes_no_literal_credentials(path):
    text = path.read_text()
    for marker in ("AKIA", "password=", "secret_key", "access_key", "starrocks://"):
        assert marker not in text


@pytest.mark.examples
@examples
@pytest.mark.parametrize(
    ("day", "first_id"),
    [pytest.param("2024-01-02", 11, id="2024-01-02")],
)
def test_daily_ingestion_loads_the_days_files(starrocks, run_dag, example_bag, day, first_id):
    from airflow_provider_starrocks.utils.labels import default_label

    dag = example_bag.dags[DAILY]
    logical_date = datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.timezone.utc)

    result = run_dag(dag, logical_date=logical_date)

    assert result.task_states == {
        "wait_for_files": "success",
        "create_table": "success",
        "load_day": "success",
        "count_loaded_rows": "success",
        "check_loaded_rows": "success",
    }
    assert result.state == "success"
    load = result.xcom["load_day"]
    assert load["state"] == "FINISHED"
    assert (load["scan_rows"], load["filtered_rows"], load["sink_rows"]) == (10, 0, 10)
    assert load["label"] == default_label(DAILY, "load_day", result.run_id, -1)
    assert result.xcom["check_loaded_rows"] == {"rows_in_table": 10, "rows_loaded": 10}
    rows = _query(f"SELECT id, dt FROM {DATABASE}.daily_orders ORDER BY id")
    assert [r[0] for r in rows] == list(range(first_id, first_id + 10))
    assert {str(r[1]) for r in rows} == {day}


@pytest.mark.examples
@examples
def test_external_catalogs_fail_only_on_the_hive_metastore(starrocks, run_dag, example_bag, capfd):
    dag = example_bag.dags[CATALOGS]

    result = run_dag(dag)

    assert result.task_states == {
        "hive_on_hive_metastore": "failed",
        "hive_on_glue_instance_profile": "success",
        "hive_on_glue_assumed_role": "success",
        "hive_on_glue_iam_user": "success",
        "iceberg_on_glue": "success",
    }
    assert result.state == "failed"
    output = capfd.readouterr()
    text = output.out + output.err
    assert "StarRocks failed validating catalog 'example_hive_hms' (it was dropped again)" in text
    assert "Could not connect to meta store" in text
    catalogs = {row[0] for row in _query("SHOW CATALOGS")}
    assert catalogs == {
        "default_catalog",
        "example_hive_glue_instance_profile",
        "example_hive_glue_assumed_role",
        "example_hive_glue_iam_user",
        "example_iceberg_glue",
    }
    for task_id in ("hive_on_glue_instance_profile", "hive_on_glue_assumed_role", "iceberg_on_glue"):
        assert result.xcom[task_id]["validated"] is True
    assert ("sales_db",) in _query("SHOW DATABASES FROM example_hive_glue_assumed_role")


@pytest.mark.examples
@examples
def test_file_external_table_is_created_and_queried(starrocks, run_dag, example_bag):
    dag = example_bag.dags[FILE_TABLE]

    result = run_dag(dag)

    assert result.task_states == {
        "create_database": "success",
        "create_table": "success",
        "query_table": "success",
    }
    assert result.xcom["create_table"]["action"] == "created"
    [(count, total)] = _query(f"SELECT count(*), sum(amount) FROM {DATABASE}.orders_on_s3")
    assert (count, total) == (100, pytest.approx(SAMPLE_AMOUNT_SUM))


@pytest.mark.examples
@examples
def test_csv_broker_load_loads_every_row(starrocks, run_dag, example_bag):
    dag = example_bag.dags[CSV_LOAD]

    result = run_dag(dag)

    assert result.task_states == {"create_table": "success", "load_csv": "success", "count_rows": "success"}
    load = result.xcom["load_csv"]
    assert (load["state"], load["filtered_rows"], load["sink_rows"]) == ("FINISHED", 0, 100)
    [(count, total, first)] = _query(
        f"SELECT count(*), sum(amount), min(name) FROM {DATABASE}.orders_from_csv"
    )
    assert (count, total, first) == (100, pytest.approx(SAMPLE_AMOUNT_SUM), "customer_001")


@pytest.mark.examples
@examples
def test_unload_writes_the_days_aggregate_partitioned_by_date(starrocks, run_dag, example_bag):
    import io

    import pyarrow.parquet as pq

    dag = example_bag.dags[UNLOAD]
    logical_date = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)

    result = run_dag(dag, logical_date=logical_date)

    assert result.task_states == {
        "create_table": "success",
        "load_orders": "success",
        "unload_daily_revenue": "success",
    }
    unload = result.xcom["unload_daily_revenue"]
    expected = _query(
        f"SELECT count(DISTINCT name) FROM {DATABASE}.orders_for_unload WHERE dt = '2024-01-02'"
    )
    assert unload["rows_written"] == expected[0][0] > 0
    assert unload["path"] == "s3://starrocks-test/unload/daily_revenue/"
    reader = {"aws.s3.use_instance_profile": "true", "aws.s3.region": "us-west-2"}
    keys = [k for k, _ in starrocks.aws.list_objects(reader, unload["path"])]
    assert keys
    assert all(k.startswith("unload/daily_revenue/dt=2024-01-02/") and k.endswith(".parquet") for k in keys)
    body = starrocks.aws.read_object(reader, f"s3://starrocks-test/{keys[0]}")
    assert set(pq.read_table(io.BytesIO(body)).column_names) >= {"name", "orders", "revenue"}


@pytest.mark.examples
@examples
def test_pipe_is_created_once_and_the_sensor_waits_for_the_day(starrocks, run_dag, example_bag, monkeypatch):
    dag = example_bag.dags[PIPE]
    for task in dag.tasks:  # the example polls every 30 s in reschedule mode; the test cannot wait that long
        if task.task_id == "wait_for_day":
            monkeypatch.setattr(task, "poke_interval", 0.1)
            monkeypatch.setattr(task, "mode", "poke")
            monkeypatch.setattr(task, "timeout", 30)
    days = {}
    for day in ("2024-01-02", "2024-01-03"):
        logical_date = datetime.datetime.fromisoformat(day).replace(tzinfo=datetime.timezone.utc)
        days[day] = run_dag(dag, logical_date=logical_date)

    first, second = days["2024-01-02"], days["2024-01-03"]
    for result in (first, second):
        assert set(result.task_states.values()) == {"success"}, result.task_states
    assert first.xcom["create_pipe"]["action"] == "created"
    assert second.xcom["create_pipe"]["action"] == "ignored"
    assert first.xcom["wait_for_day"]["files"] == ["s3://starrocks-test/daily/2024-01-02/part-0.parquet"]
    assert _query(f"SELECT count(*) FROM {DATABASE}.pipe_orders WHERE dt = '2024-01-03'") == [(10,)]


@pytest.mark.examples
@examples
def test_insert_from_files_keeps_the_filtered_rows(starrocks, run_dag, example_bag):
    dag = example_bag.dags[FILES_INSERT]

    result = run_dag(dag)

    assert result.task_states == {
        "create_table": "success",
        "insert_from_files": "success",
        "count_rows": "success",
    }
    # amount = id * 1.25 >= 50 keeps ids 40..100.
    insert = result.xcom["insert_from_files"]
    assert (insert["state"], insert["rows_inserted"]) == ("FINISHED", 61)
    rows = _query(f"SELECT id, name, amount, dt FROM {DATABASE}.large_orders ORDER BY id")
    assert [r[0] for r in rows] == list(range(40, 101))
    assert rows[0][1:3] == ("customer_040", 50.0)
    assert str(rows[0][3]) == "2024-01-09"


def test_demo_real_mode_requires_the_connections(monkeypatch, tmp_path, capsys):
    from airflow_provider_starrocks.testing import demo

    monkeypatch.setenv("STARROCKS_DEMO_REAL", "1")
    monkeypatch.setenv("STARROCKS_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("AIRFLOW_CONN_STARROCKS_DEFAULT", "starrocks://u:not-to-be-printed@h:9030/")
    monkeypatch.delenv("AIRFLOW_CONN_AWS_IAM_USER", raising=False)

    assert demo.main() == 2

    out = capsys.readouterr().out
    assert "AIRFLOW_CONN_AWS_IAM_USER" in out
    assert "not-to-be-printed" not in out


@pytest.mark.examples
@examples
def test_make_demo_runner_succeeds(tmp_path):
    password = "demo-secret-Pw1"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "AWS_", "STARROCKS_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update(STARROCKS_DEMO_DIR=str(tmp_path / "demo"), STARROCKS_STACK_PASSWORD=password)

    proc = subprocess.run(
        [sys.executable, "-m", "airflow_provider_starrocks.testing.demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )

    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Loaded rows: 10" in proc.stdout
    assert "load_day" in proc.stdout
    assert "FINISHED" in proc.stdout
    assert password not in proc.stdout
