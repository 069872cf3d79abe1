"""
Leak scan of the repository, backup, restore and snapshot-sensor operators (the scan of test_security_leaks.py).

Each scenario runs a DAG through ``dag.test()`` (repository, backup and restore, sync or deferrable), then scans task
logs, Airflow's log files, XComs, rendered template fields, trigger kwargs and rows, hook lineage, OpenLineage
events and exception texts for the stack's keys and canaries, raw or encoded. Positive control: the keys that a
repository stores did reach the FE in its CREATE REPOSITORY.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class Scenario:
    """
    One DAG: a repository created with ``aws_conn_id``, then (optionally) a backup, a restore and a sensor.

    :param aws_conn_id: the repository's AWS connection.
    :param states: the expected task states.
    :param flows: names of the stack's secrets that must reach the FE (positive control).
    :param secrets: canary names that must not leak.
    :param deferrable: run backup, restore and sensor deferrable.
    """

    aws_conn_id: str | None
    states: dict[str, str]
    flows: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    deferrable: bool = False


FULL = {"create_repository": "success", "backup": "success", "restore": "success", "wait": "success"}
SCENARIOS = [
    pytest.param(Scenario("aws_backup_user", FULL, flows=("backup_writer_secret_key",)), id="iam_user-sync"),
    pytest.param(
        Scenario("aws_backup_user", FULL, flows=("backup_writer_secret_key",), deferrable=True),
        id="iam_user-deferrable",
    ),
    pytest.param(Scenario("aws_backup_role", FULL, deferrable=True), id="assumed_role-deferrable"),
    pytest.param(
        Scenario("aws_no_policy", {"create_repository": "failed"}, flows=("nopolicy_secret_key",)),
        id="access_denied",
    ),
    pytest.param(
        Scenario(
            "aws_canary_keys",
            {"create_repository": "failed"},
            secrets=("canary_access_key", "canary_secret_key"),
        ),
        id="invalid_keys",
    ),
    pytest.param(
        Scenario(
            "aws_canary_session",
            {"create_repository": "failed"},
            secrets=("canary_access_key", "canary_secret_key", "canary_session_token"),
        ),
        id="session_token_refused",
    ),
]


@pytest.fixture
def backup_stack(starrocks, monkeypatch, security_kit):
    canary = security_kit.canaries
    region = {"region_name": "us-west-2"}
    keys = {"login": canary["canary_access_key"], "password": canary["canary_secret_key"]}
    connections = {
        "aws_canary_keys": {"conn_type": "aws", "extra": region, **keys},
        "aws_canary_session": {
            "conn_type": "aws",
            "extra": {**region, "aws_session_token": canary["canary_session_token"]},
            **keys,
        },
    }
    for conn_id, value in connections.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(value))
    monkeypatch.setattr(starrocks.fe.config, "backup_state_delay", 0.01)
    starrocks.sql(
        "CREATE DATABASE sales",
        "CREATE TABLE sales.orders (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
        "INSERT INTO sales.orders VALUES (1), (2)",
        "CREATE DATABASE drill",
    )
    starrocks.statements.clear()
    return starrocks


def build(scenario: Scenario) -> None:
    from airflow_provider_starrocks.operators.backup import (
        StarRocksBackupOperator,
        StarRocksCreateRepositoryOperator,
        StarRocksRestoreOperator,
    )
    from airflow_provider_starrocks.sensors.snapshot import StarRocksSnapshotSensor

    common = {"poll_interval": 0.02, "deferrable": scenario.deferrable}
    repo = StarRocksCreateRepositoryOperator(
        task_id="create_repository",
        repository="leak_repo",
        location="s3://starrocks-backup/leak",
        aws_conn_id=scenario.aws_conn_id,
        retries=0,
    )
    backup = StarRocksBackupOperator(task_id="backup", database="sales", repository="leak_repo", **common)
    restore = StarRocksRestoreOperator(
        task_id="restore",
        database="drill",
        repository="leak_repo",
        snapshot="{{ ti.xcom_pull(task_ids='backup')['snapshot'] }}",
        **common,
    )
    wait = StarRocksSnapshotSensor(
        task_id="wait",
        repository="leak_repo",
        snapshot="{{ ti.xcom_pull(task_ids='backup')['snapshot'] }}",
        poke_interval=0.05,
        timeout=30,
        deferrable=scenario.deferrable,
    )
    repo >> backup >> [restore, wait]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_secret_leaks(
    scenario,
    request,
    backup_stack,
    run_dag,
    security_kit,
    leak_recorder,
    captured_logs,
    log_files,
    lineage_events,
):
    from airflow.providers.common.compat.sdk import DAG

    dag_id = "leak_backup_" + re.sub(r"\W", "_", request.node.callspec.id)
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        build(scenario)
    result = run_dag(dag)
    states = {task: state for task, state in result.task_states.items() if task in scenario.states}
    assert states == scenario.states, result.task_states

    texts: dict[str, Any] = {"xcom (DagRunResult)": repr(result.xcom) + json.dumps(result.xcom, default=str)}
    texts.update(security_kit.airflow_records(dag_id))
    texts.update(security_kit.lineage_texts(lineage_events()))
    texts.update(captured_logs())
    texts.update(log_files())
    texts["hook lineage"] = "\n".join(leak_recorder.lineage)
    texts.update(leak_recorder.trigger_texts())
    stack_secrets = security_kit.stack_secrets(backup_stack)
    secrets = {**stack_secrets, **{name: security_kit.canaries[name] for name in scenario.secrets}}
    sent = "\n".join(backup_stack.statements)
    for name in scenario.flows:
        assert stack_secrets[name] in sent, name
    assert security_kit.scan_for_secrets(texts, secrets) == []
    if scenario.deferrable:
        assert leak_recorder.triggers  # control: trigger kwargs were there to scan


def test_fe_echoing_the_create_statement_leaks_no_key(backup_stack, monkeypatch, security_kit):
    """The worst case on purpose: the FE's error quotes the CREATE REPOSITORY text, keys included."""
    from airflow_provider_starrocks.operators.backup import StarRocksCreateRepositoryOperator
    from airflow_provider_starrocks.testing.fe import session as fe_session
    from airflow_provider_starrocks.testing.fe.errors import StarRocksError

    original = fe_session.FeSession.execute

    def execute(self: Any, sql: str) -> Any:
        if sql.lstrip().upper().startswith("CREATE REPOSITORY"):
            raise StarRocksError(
                f"Getting syntax error at line 1, column 0. Detail message: Unexpected input '{sql}'."
            )
        return original(self, sql)

    monkeypatch.setattr(fe_session.FeSession, "execute", execute)
    operator = StarRocksCreateRepositoryOperator(
        task_id="create_repository",
        repository="leak_repo",
        location="s3://starrocks-backup/leak",
        aws_conn_id="aws_canary_keys",
    )
    with pytest.raises(Exception) as info:
        operator.execute({})
    canaries = {name: security_kit.canaries[name] for name in ("canary_access_key", "canary_secret_key")}
    assert security_kit.canaries["canary_secret_key"] in "\n".join(backup_stack.statements)  # it did flow
    assert "Unexpected input" in str(info.value)
    assert (
        security_kit.scan_for_secrets({"exception": security_kit.exception_texts(info.value)}, canaries) == []
    )
