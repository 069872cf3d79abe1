"""StarRocksInsertFromFilesOperator with submit_as_task: SUBMIT TASK polled in information_schema.task_runs."""

from __future__ import annotations

import datetime
import json
import threading
import time

import pytest

from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
LOGICAL = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
RUN_AT = {"logical_date": LOGICAL, **({"run_after": LOGICAL} if AIRFLOW_3 else {})}
SOURCE = "s3://starrocks-test/sample/orders.parquet"
MODES = [pytest.param(False, id="sync"), pytest.param(True, id="deferred")]


@pytest.fixture
def sales(sales):
    """The ``sales`` stack at StarRocks 3.4, which SUBMIT TASK polling needs."""
    sales.fe.config.version = "3.4.2"
    return sales


@pytest.fixture
def triggers(monkeypatch):
    """Every StarRocksJobTrigger built during the test."""
    from airflow_provider_starrocks.triggers.job import StarRocksJobTrigger

    built = []
    original = StarRocksJobTrigger.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(StarRocksJobTrigger, "__init__", recording)
    return built


@pytest.fixture
def logs(capfd, caplog):
    """Read what the task logged: stdout on Airflow 3 (structlog), the logging records on Airflow 2."""
    caplog.set_level("INFO")

    def read():
        out, err = capfd.readouterr()
        return out + err if AIRFLOW_3 else caplog.text

    return read


def make_dag(dag_id, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    kwargs.setdefault("poll_interval", 0.05)
    kwargs.setdefault("aws_conn_id", "aws_iam_user")
    kwargs.setdefault("source", SOURCE)
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksInsertFromFilesOperator(
            task_id="insert",
            database="sales",
            table="orders",
            format="parquet",
            submit_as_task=True,
            **kwargs,
        )
    return dag


def count(stack):
    return stack.sql("SELECT count(*) FROM sales.orders")[0][0]


def sent(stack, prefix):
    return [s for s in stack.statements if s.lstrip().upper().startswith(prefix)]


def stored_tasks(stack):
    """(TASK_NAME, DEFINITION) of every task StarRocks still keeps."""
    return [tuple(r) for r in stack.sql("SELECT TASK_NAME, DEFINITION FROM information_schema.tasks")]


def stored_runs(stack):
    return [tuple(r) for r in stack.sql("SELECT TASK_NAME, STATE FROM information_schema.task_runs")]


@pytest.mark.parametrize("deferrable", MODES)
def test_submitted_task_succeeds(sales, run_dag, logs, triggers, deferrable):
    result = run_dag(make_dag(f"files_task_ok_{deferrable}", deferrable=deferrable))
    assert result.task_states == {"insert": "success"}
    out = result.xcom["insert"]
    assert (out["task_state"], out["state"], out["rows_inserted"]) == ("SUCCESS", "FINISHED", 100)
    assert out["task_name"] == out["label"]
    assert count(sales) == 100
    (submit,) = sent(sales, "SUBMIT TASK")
    assert submit.startswith(f"SUBMIT TASK `{out['label']}`")
    assert "\nAS INSERT INTO `sales`.`orders` WITH LABEL" in submit
    text = logs()
    assert text.count("Submitting SUBMIT TASK") == 1
    assert bool(triggers) is deferrable  # dag.test() rebuilds the trigger from serialize() too
    key, secret = sales.aws.users["loader"]
    for trig in triggers:
        path, kwargs = trig.serialize()
        assert kwargs["kind"] == "task_run"
        assert kwargs["identity"] == out["label"]
        assert key not in repr(kwargs) + repr(trig)
        assert secret not in repr(kwargs) + repr(trig)
        json.dumps(kwargs)
    assert key not in text + json.dumps(result.xcom)
    assert secret not in text + json.dumps(result.xcom)


@pytest.mark.parametrize("deferrable", MODES)
def test_submitted_task_fails_with_task_name_and_message(sales, run_dag, logs, deferrable):
    dag = make_dag(
        f"files_task_fail_{deferrable}",
        label="task_without_files",
        source="s3://starrocks-test/missing/*.parquet",
        deferrable=deferrable,
    )
    assert run_dag(dag).task_states == {"insert": "failed"}
    text = logs()
    assert "StarRocks task 'task_without_files'" in text
    assert "FAILED" in text
    assert "No files were found matching the pattern(s) or path(s)" in text
    assert count(sales) == 0


def test_rerun_after_success_skips_the_task(sales, run_dag, logs):
    dag = make_dag("files_task_rerun")
    first = run_dag(dag, **RUN_AT)
    second = run_dag(dag, **RUN_AT)
    assert first.task_states == second.task_states == {"insert": "success"}
    assert len(sent(sales, "SUBMIT TASK")) == 1
    assert count(sales) == 100
    assert second.xcom["insert"]["rows_inserted"] == 100
    assert "not submitting task" in logs()


def test_rerun_after_failed_run_drops_and_resubmits(sales, run_dag):
    failing = make_dag("files_task_retry_a", label="retried_task", aws_conn_id="aws_no_policy")
    assert run_dag(failing).task_states == {"insert": "failed"}
    assert run_dag(make_dag("files_task_retry_b", label="retried_task")).task_states == {"insert": "success"}
    # After the FAILED run, before submitting again (already gone: tolerated) and after the SUCCESS run.
    assert sent(sales, "DROP TASK") == ["DROP TASK `retried_task`"] * 3
    assert len(sent(sales, "SUBMIT TASK")) == 2
    assert stored_tasks(sales) == []
    assert count(sales) == 100


@pytest.mark.parametrize("deferrable", MODES)
def test_running_task_is_attached_to_not_resubmitted(sales, run_dag, deferrable):
    sales.fe.config.hold_state = "RUNNING"
    sales.sql(
        "SUBMIT TASK held_task AS INSERT INTO sales.orders WITH LABEL held_task SELECT * FROM FILES("
        f'"path" = "{SOURCE}", "format" = "parquet", "aws.s3.use_instance_profile" = "true", '
        '"aws.s3.region" = "us-west-2")',
    )

    def release():
        # Event-based: release the run once the operator has polled task_runs twice (attach + poll).
        for _ in range(3000):
            if len([s for s in sales.statements if "task_runs" in s]) >= 2:
                break
            time.sleep(0.01)
        sales.fe.config.hold_state = None

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    result = run_dag(make_dag(f"files_task_attach_{deferrable}", label="held_task", deferrable=deferrable))
    thread.join()
    assert result.task_states == {"insert": "success"}
    assert len(sent(sales, "SUBMIT TASK")) == 1  # only the one above
    assert result.xcom["insert"]["rows_inserted"] == 100


# -- the task is dropped once its run ends (issue 18) ------------------------------------------------------------


@pytest.mark.parametrize("deferrable", MODES)
def test_successful_task_is_dropped(sales, run_dag, logs, deferrable):
    result = run_dag(make_dag(f"files_task_drop_ok_{deferrable}", label="dropped_ok", deferrable=deferrable))
    assert result.task_states == {"insert": "success"}
    assert sent(sales, "DROP TASK") == ["DROP TASK `dropped_ok`"]
    assert stored_tasks(sales) == []
    # StarRocks keeps the run after DROP TASK (TaskManager.dropTasks removes the task only).
    assert stored_runs(sales) == [("dropped_ok", "SUCCESS")]
    assert "Could not drop" not in logs()


@pytest.mark.parametrize("deferrable", MODES)
def test_failed_task_is_dropped_too(sales, run_dag, deferrable):
    dag = make_dag(
        f"files_task_drop_failed_{deferrable}",
        label="dropped_failed",
        source="s3://starrocks-test/missing/*.parquet",
        deferrable=deferrable,
    )
    assert run_dag(dag).task_states == {"insert": "failed"}
    assert sent(sales, "DROP TASK") == ["DROP TASK `dropped_failed`"]
    assert stored_tasks(sales) == []
    assert stored_runs(sales) == [("dropped_failed", "FAILED")]


@pytest.mark.parametrize("deferrable", MODES)
def test_keep_task_keeps_the_definition_and_says_why(sales, run_dag, logs, deferrable):
    dag = make_dag(f"files_task_keep_{deferrable}", label="kept_task", keep_task=True, deferrable=deferrable)
    assert run_dag(dag).task_states == {"insert": "success"}
    assert sent(sales, "DROP TASK") == []
    ((name, definition),) = stored_tasks(sales)
    key, secret = sales.aws.users["loader"]
    assert name == "kept_task"
    assert secret in definition  # 3.4 stores the keys in clear text: the reason for the default drop
    text = logs()
    assert "Keeping StarRocks task 'kept_task' (keep_task=True)" in text
    assert "DROP TASK `kept_task`" in text
    assert secret not in text


def test_rerun_after_dropped_success_reads_the_kept_run(sales, run_dag):
    dag = make_dag("files_task_rerun_dropped", label="rerun_dropped")
    assert run_dag(dag, **RUN_AT).task_states == {"insert": "success"}
    sales.fe.expire_labels()  # the INSERT's label is gone; the task is dropped; task_runs still has the run
    second = run_dag(dag, **RUN_AT)
    assert second.task_states == {"insert": "success"}
    assert len(sent(sales, "SUBMIT TASK")) == 1
    assert second.xcom["insert"]["task_state"] == "SUCCESS"
    assert count(sales) == 100


def test_rerun_after_labels_and_runs_expired_uses_the_task_state_record(sales):
    """
    Both StarRocks records gone: the operator's own task state record answers.

    Airflow's task state store needs the execution API of a running task; a dict stands in for it (a boundary
    the test cannot run otherwise), the operator and StarRocks side are real.
    """
    import types

    class Store(dict):
        def set(self, key, value):
            self[key] = value

    store = Store()
    ti = types.SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=-1, try_number=1)
    context = {"ti": ti, "task_state_store": store}
    op = StarRocksInsertFromFilesOperator(
        task_id="insert", database="sales", table="orders", source=SOURCE, format="parquet",
        submit_as_task=True, label="record_task", aws_conn_id="aws_iam_user", poll_interval=0.05,
    )  # fmt: skip
    first = op.execute(context)
    assert store["starrocks_files_task"]["task"] == "record_task"
    sales.fe.expire_labels()
    sales.fe.expire_task_runs()
    assert op.execute(context) == first
    assert len(sent(sales, "SUBMIT TASK")) == 1
    assert count(sales) == 100


def test_drop_failure_is_a_warning_not_a_failed_load(sales, run_dag, logs, monkeypatch):
    from airflow_provider_starrocks.testing.fe.errors import StarRocksError

    def refuse(name, if_exists):
        raise StarRocksError(
            "Access denied; you need (at least one of) the DROP privilege(s) for this operation."
        )

    monkeypatch.setattr(sales.fe.tasks, "drop", refuse)
    result = run_dag(make_dag("files_task_drop_refused", label="undroppable"))
    assert result.task_states == {"insert": "success"}
    text = logs()
    assert "Could not drop StarRocks task 'undroppable'" in text
    assert "drop it by hand with: USE `sales`; DROP TASK `undroppable`" in text


@pytest.mark.parametrize(
    ("version", "conn_id", "warned"),
    [
        pytest.param("3.4.2", "aws_iam_user", True, id="3.4-iam_user"),
        pytest.param("3.4.2", "aws_temporary", True, id="3.4-temporary"),
        pytest.param("3.5.5", "aws_iam_user", True, id="3.5.5-iam_user"),
        pytest.param("3.5.6", "aws_iam_user", False, id="3.5.6-redacts"),
        pytest.param("4.0.1", "aws_iam_user", False, id="4.0-redacts"),
        pytest.param("3.4.2", "aws_instance_profile", False, id="3.4-instance_profile"),
        pytest.param("3.4.2", "aws_assumed_role", False, id="3.4-assumed_role"),
    ],
)
def test_stored_keys_warning_per_release(sales, run_dag, logs, version, conn_id, warned):
    sales.fe.config.version = version
    mode = {"credential_mode": "temporary"} if conn_id == "aws_temporary" else {}
    dag = make_dag(f"files_task_warn_{version.replace('.', '_')}_{conn_id}", aws_conn_id=conn_id, **mode)
    assert run_dag(dag).task_states == {"insert": "success"}
    text = logs()
    assert ("does not redact task definitions" in text) is warned
    if warned:
        assert f"StarRocks {version} does not redact" in text
        assert "credential_mode='instance_profile' or 'assumed_role'" in text
    assert stored_tasks(sales) == []


@pytest.mark.parametrize("keep_task", [pytest.param("false", id="string"), pytest.param(1, id="int")])
def test_keep_task_must_be_a_bool(keep_task):
    from airflow_provider_starrocks.utils.load_options import LoadArgumentError

    with pytest.raises(LoadArgumentError, match="keep_task: got .*; pass True or False"):
        make_dag(f"files_task_bad_keep_{keep_task}", keep_task=keep_task)
