"""
Leak scan: no credential shows up, raw or encoded, anywhere Airflow keeps or prints things.

Each scenario puts secrets into Airflow connections (the stack's real IAM keys where moto must accept them,
distinctive canaries where a failure is the point), runs an operator for real (``dag.test()`` or a direct
``execute()``), then scans task logs (stdout/stderr and stdlib logging), Airflow's log files, every XCom,
rendered template fields, trigger kwargs (``serialize()`` and ``repr``), trigger rows, hook-lineage payloads,
the OpenLineage events the provider's listener emitted (or, for direct runs, what the lineage method returns)
and exception texts with ``scan_for_secrets``. Positive control: where a secret had to reach StarRocks, it is
in the FE's statement log, so the scan looked for something that really flowed.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
REGION = {"region_name": "us-west-2"}
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "example_dags"
TABLE_DDL = (
    "CREATE TABLE `sales`.`{name}` (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE) "
    "DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)"
)
# Values of these property keys are credentials: whatever the FE received under them is scanned for too.
_SECRET_PROPERTY = re.compile(
    r'"([^"]*(?:access_key|secret_key|session_token|password|credential))"\s*=\s*"((?:[^"\\]|\\.)*)"'
)


def fe_query(stack: Any, sql: str) -> list[tuple[Any, ...]]:
    from airflow_provider_starrocks.testing.fe.client import connect, query

    conn = connect(stack.fe)
    try:
        return [tuple(row) for row in query(conn, sql)[0]]
    finally:
        conn.close()


def aws_conn(
    extra: dict[str, Any] | None = None, login: str | None = None, password: str | None = None
) -> str:
    conn: dict[str, Any] = {"conn_type": "aws", "extra": {**REGION, **(extra or {})}}
    if login is not None:
        conn.update(login=login, password=password)
    return json.dumps(conn)


@pytest.fixture
def leak_stack(starrocks, monkeypatch, security_kit):
    """The reset stack with database ``sales`` and the canary connections, its statement log emptied."""
    from airflow_provider_starrocks.testing.aws_identities import EXTERNAL_ID_ROLE, role_arn

    canary = security_kit.canaries
    connections = {
        # Keys moto does not know: StarRocks's S3/Glue calls fail (InvalidAccessKeyId).
        "aws_canary_keys": aws_conn(login=canary["canary_access_key"], password=canary["canary_secret_key"]),
        # The same plus a session token (loads accept it; catalogs and tables must refuse it).
        "aws_canary_session": aws_conn(
            {"aws_session_token": canary["canary_session_token"]},
            login=canary["canary_access_key"],
            password=canary["canary_secret_key"],
        ),
        # StarRocks assumes the role with a wrong ExternalId: access denied.
        "aws_canary_external_id": aws_conn(
            {
                "role_arn": role_arn(EXTERNAL_ID_ROLE),
                "assume_role_kwargs": {"ExternalId": canary["canary_external_id"]},
            }
        ),
    }
    starrocks_conn = json.loads(starrocks.airflow_connections()["starrocks_default"])
    starrocks_conn["password"] = canary["canary_starrocks_password"]
    connections["starrocks_canary_password"] = json.dumps(starrocks_conn)
    for conn_id, value in connections.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", value)
    from airflow_provider_starrocks.testing.dags import AIRFLOW_3

    if (
        not AIRFLOW_3
    ):  # Airflow 2's sensor dependency check loads the executor, and LocalExecutor refuses SQLite
        monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "SequentialExecutor")
    # Load jobs run through their phases without the emulator's default 50 ms per phase.
    for phase in ("pending_delay", "queueing_delay", "loading_delay", "prepared_delay"):
        monkeypatch.setattr(starrocks.fe.config, phase, 0.0)
    fe_query(starrocks, "CREATE DATABASE sales")
    for name in ("orders", "orders_copy"):
        fe_query(starrocks, TABLE_DDL.format(name=name))
    starrocks.statements.clear()
    return starrocks


def put_object(stack: Any, key: str, body: bytes) -> None:
    import boto3

    access, secret = stack.aws.users["stack_admin"]
    boto3.client(
        "s3",
        endpoint_url=stack.aws.endpoint,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-west-2",
    ).put_object(Bucket="starrocks-test", Key=key, Body=body)


def echoing_fe(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    """
    Make the FE refuse statements starting with ``prefix`` with an error quoting the statement text.

    Real StarRocks quotes the offending input in syntax errors (``Unexpected input '...'``); this makes the
    worst case happen on purpose, so that the scrubbing of error texts is tested.
    """
    from airflow_provider_starrocks.testing.fe import session as fe_session
    from airflow_provider_starrocks.testing.fe.errors import StarRocksError

    original = fe_session.FeSession.execute

    def execute(self: Any, sql: str) -> Any:
        if sql.lstrip().upper().startswith(prefix):
            raise StarRocksError(
                f"Getting syntax error at line 1, column 0. Detail message: Unexpected input '{sql}'."
            )
        return original(self, sql)

    monkeypatch.setattr(fe_session.FeSession, "execute", execute)


# -- scenarios -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """
    One run to scan.

    :param build: creates the operators (inside a DAG context for ``dag`` runs) and returns the first one.
    :param secrets: canary names (see ``CANARIES``) that must not leak, on top of the stack's real secrets.
    :param flows: canary names that must reach StarRocks (positive control); the stack's own secrets are
        checked the same way when ``stack_flows`` names them.
    :param states: the expected task states (``dag`` runs) or ``"success"`` / ``"failed"`` (direct runs).
    :param direct: run ``operator.execute({})`` instead of ``dag.test()``.
    :param setup: prepares the stack (``(stack, monkeypatch)``), e.g. fault injection.
    :param deferred: a trigger must have been created (its kwargs and repr are then scanned).
    """

    build: Callable[[], Any]
    secrets: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    stack_flows: tuple[str, ...] = ()
    states: Any = "success"
    direct: bool = False
    setup: Callable[[Any, pytest.MonkeyPatch], None] | None = None
    deferred: bool = False


def _catalog(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator

    kwargs.setdefault("task_id", "create_catalog")
    kwargs.setdefault("catalog_name", "leak_catalog")
    kwargs.setdefault("catalog_type", "hive")
    kwargs.setdefault("metastore", "glue")
    return StarRocksCreateExternalCatalogOperator(**kwargs)


def _jdbc_catalog(*, templated: bool = True, **kwargs: Any) -> Any:
    """An Iceberg JDBC catalog with a JDBC password and an OAuth2 credential (templated from params in a DAG)."""
    from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator

    password, credential = (
        ("{{ params.jdbc_password }}", "{{ params.oauth2 }}")
        if templated
        else (CANARY_PARAMS["jdbc"], CANARY_PARAMS["oauth2"])
    )
    return StarRocksCreateExternalCatalogOperator(
        task_id="create_catalog",
        catalog_name="leak_jdbc_catalog",
        catalog_type="iceberg",
        metastore="jdbc",
        jdbc_uri="jdbc:mysql://metastore-db:3306/iceberg",
        warehouse="s3://starrocks-test/warehouse/",
        properties={
            "iceberg.catalog.jdbc.user": "iceberg",
            "iceberg.catalog.jdbc.password": password,
            "iceberg.catalog.oauth2.credential": credential,
        },
        params={"jdbc_password": CANARY_PARAMS["jdbc"], "oauth2": CANARY_PARAMS["oauth2"]},
        **kwargs,
    )


def _table(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator

    kwargs.setdefault("task_id", "create_table")
    return StarRocksCreateFileExternalTableOperator(
        database="sales",
        table="leak_table",
        columns=[("id", "BIGINT"), ("name", "VARCHAR(64)"), ("amount", "DOUBLE"), ("dt", "DATE")],
        path="s3://starrocks-test/sample/orders.parquet",
        format="parquet",
        **kwargs,
    )


def _load(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

    kwargs.setdefault("task_id", "load")
    kwargs.setdefault("table", "orders")
    kwargs.setdefault("source", "s3://starrocks-test/sample/orders.parquet")
    kwargs.setdefault("poll_interval", 0.05)
    return StarRocksS3BrokerLoadOperator(database="sales", **kwargs)


def _files(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.files import StarRocksInsertFromFilesOperator

    kwargs.setdefault("task_id", "insert")
    kwargs.setdefault("source", "s3://starrocks-test/sample/orders.parquet")
    kwargs.setdefault("format", "parquet")
    kwargs.setdefault("poll_interval", 0.05)
    return StarRocksInsertFromFilesOperator(database="sales", table="orders", **kwargs)


def _unload(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.unload import StarRocksUnloadToS3Operator

    kwargs.setdefault("task_id", "unload")
    kwargs.setdefault("path", "s3://starrocks-test/unload/leak/")
    kwargs.setdefault("table", "sales.orders")
    return StarRocksUnloadToS3Operator(**kwargs)


def _orders_rows(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows for an unload to write (an unload of no rows writes nothing and touches no S3)."""
    stack.sql("INSERT INTO sales.orders VALUES (1, 'a', 1.5, '2024-01-01'), (2, 'b', 2.5, '2024-01-02')")
    stack.statements.clear()


def _existing_pipe(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stack.sql(
        'CREATE PIPE sales.leak_pipe AS INSERT INTO sales.orders SELECT * FROM FILES("path" = '
        '"s3://starrocks-test/sample/orders.parquet", "format" = "parquet", "aws.s3.use_instance_profile" = "true", '
        '"aws.s3.region" = "us-west-2")'
    )
    stack.statements.clear()


def _pipe_sensor(deferrable: bool) -> Any:
    from airflow_provider_starrocks.sensors.pipe import StarRocksPipeSensor

    return StarRocksPipeSensor(
        task_id="wait", database="sales", pipe="leak_pipe", files=["s3://starrocks-test/sample/never.parquet"],
        deferrable=deferrable, poke_interval=0.1, timeout=1,
    )  # fmt: skip


def _pipe(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.pipe import StarRocksCreatePipeOperator

    kwargs.setdefault("task_id", "create_pipe")
    kwargs.setdefault("source", "s3://starrocks-test/sample/orders.parquet")
    return StarRocksCreatePipeOperator(database="sales", pipe="leak_pipe", table="orders", **kwargs)


def _sensor(deferrable: bool, label: str = "leak_sensed", timeout: float = 60) -> Any:
    from airflow_provider_starrocks.sensors.load import StarRocksLoadSensor

    return StarRocksLoadSensor(
        task_id="sense",
        label=label,
        database="sales",
        poke_interval=0.05,
        timeout=timeout,
        deferrable=deferrable,
    )


def _preload(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the load the sensor waits for (directly: a one-task DAG runs on Airflow 2's dag.test() too)."""
    _load(label="leak_sensed", aws_conn_id="aws_iam_user").execute(minimal_context())


def _hold_loading(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack.fe.config, "hold_state", "LOADING")


def _bad_csv(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    put_object(stack, "bad/orders.csv", b"1,a,1.5,2024-01-01\nnot-a-number,b,2.5,2024-01-02\n")


CANARY_PARAMS: dict[
    str, str
] = {}  # filled from the kit by the fixture below (params are rendered in the task)

ONE_SECOND = datetime.timedelta(seconds=1)
CSV = {
    "source": "s3://starrocks-test/bad/orders.csv",
    "format": "csv",
    "format_options": {"column_separator": ","},
}


def _version_3_4(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stack.fe.config.version = "3.4.2"  # SUBMIT TASK polling needs 3.4; its task tables do not redact


def _version_3_5_6(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stack.fe.config.version = "3.5.6"  # the first release whose task tables redact DEFINITION


def stored_task_texts(stack: Any) -> dict[str, str]:
    """
    What StarRocks keeps of submitted tasks and shows to any reader of the database.

    ``information_schema.tasks`` always; ``task_runs`` only where StarRocks redacts it (3.5.6+): before that
    its DEFINITION keeps the keys for task_runs_ttl_second whatever the provider does (DROP TASK leaves runs).
    """
    texts = {"information_schema.tasks": repr(fe_query(stack, "SELECT * FROM information_schema.tasks"))}
    if stack.fe.config.release_tuple() >= (3, 5, 6):
        runs = fe_query(stack, "SELECT * FROM information_schema.task_runs")
        texts["information_schema.task_runs"] = repr(runs)
    return texts


SCENARIOS = [
    # External catalogs, in dag.test(): every auth method, success and failure.
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_iam_user"), stack_flows=("loader_secret_key",)), id="catalog-iam_user"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_assumed_role", glue_aws_conn_id="aws_glue_role")), id="catalog-assumed_role"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_instance_profile")), id="catalog-instance_profile"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_no_policy"), stack_flows=("nopolicy_secret_key",), states={"create_catalog": "failed"}), id="catalog-access_denied"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_canary_keys"), secrets=("canary_access_key", "canary_secret_key"), flows=("canary_secret_key",), states={"create_catalog": "failed"}), id="catalog-invalid_keys"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_canary_session"), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), states={"create_catalog": "failed"}), id="catalog-session_token_refused"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_iam_user", metastore="hive", metastore_uris="thrift://hms:9083"), stack_flows=("loader_secret_key",), states={"create_catalog": "failed"}), id="catalog-validation_failure"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_iam_user", properties={"custom.api.token": "{{ params.tok }}"}, params={"tok": CANARY_PARAMS["oauth2"]}), secrets=("canary_oauth2_credential",), flows=("canary_oauth2_credential",), stack_flows=("loader_secret_key",)), id="catalog-templated_secret_property"),
    pytest.param(Scenario(lambda: _jdbc_catalog(aws_conn_id="aws_iam_user", validate=False), secrets=("canary_jdbc_password", "canary_oauth2_credential"), flows=("canary_jdbc_password", "canary_oauth2_credential")), id="catalog-jdbc_password_oauth2"),
    pytest.param(Scenario(lambda: _jdbc_catalog(aws_conn_id="aws_iam_user"), secrets=("canary_jdbc_password", "canary_oauth2_credential"), flows=("canary_jdbc_password",), states={"create_catalog": "failed"}), id="catalog-jdbc_validation_failure"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_canary_keys"), secrets=("canary_access_key", "canary_secret_key"), flows=("canary_secret_key",), states="failed", direct=True, setup=lambda s, m: echoing_fe(m, "CREATE EXTERNAL CATALOG")), id="catalog-fe_echoes_statement-aws_keys"),
    pytest.param(Scenario(lambda: _jdbc_catalog(templated=False, aws_conn_id="aws_iam_user"), secrets=("canary_jdbc_password",), flows=("canary_jdbc_password",), states="failed", direct=True, setup=lambda s, m: echoing_fe(m, "CREATE EXTERNAL CATALOG")), id="catalog-fe_echoes_statement-jdbc_password"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_canary_external_id"), secrets=("canary_external_id",), flows=("canary_external_id",), states={"create_catalog": "failed"}), id="catalog-external_id"),
    pytest.param(Scenario(lambda: _catalog(aws_conn_id="aws_iam_user", starrocks_conn_id="starrocks_canary_password"), secrets=("canary_starrocks_password",), states="failed", direct=True), id="catalog-starrocks_password_refused"),
    # File external tables.
    pytest.param(Scenario(lambda: _table(aws_conn_id="aws_iam_user"), stack_flows=("loader_secret_key",)), id="table-iam_user"),
    pytest.param(Scenario(lambda: _table(aws_conn_id="aws_assumed_role")), id="table-assumed_role"),
    pytest.param(Scenario(lambda: _table(aws_conn_id="aws_instance_profile")), id="table-instance_profile"),
    pytest.param(Scenario(lambda: _table(aws_conn_id="aws_no_policy", retries=0), stack_flows=("nopolicy_secret_key",), states={"create_table": "failed"}), id="table-access_denied"),
    pytest.param(Scenario(lambda: _table(aws_conn_id="aws_canary_keys"), secrets=("canary_access_key", "canary_secret_key"), flows=("canary_secret_key",), states="failed", direct=True), id="table-invalid_keys"),
    pytest.param(Scenario(lambda: _table(aws_conn_id="aws_canary_session"), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), states="failed", direct=True), id="table-session_token_refused"),
    pytest.param(Scenario(lambda: _table(aws_conn_id="aws_canary_keys"), secrets=("canary_access_key", "canary_secret_key"), flows=("canary_secret_key",), states="failed", direct=True, setup=lambda s, m: echoing_fe(m, "CREATE EXTERNAL TABLE")), id="table-fe_echoes_statement"),
    # Broker loads, sync and deferrable (the trigger's kwargs are scanned), every auth method, every failure.
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_iam_user"), stack_flows=("loader_secret_key",), states={"load": "success"}), id="load-iam_user-sync"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_iam_user", deferrable=True), stack_flows=("loader_secret_key",), deferred=True, states={"load": "success"}), id="load-iam_user-deferrable"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_assumed_role", deferrable=True), deferred=True, states={"load": "success"}), id="load-assumed_role"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_external_id"), states={"load": "success"}), id="load-assumed_role_external_id"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_instance_profile"), states={"load": "success"}), id="load-instance_profile"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_temporary", credential_mode="temporary", deferrable=True), deferred=True, states={"load": "success"}), id="load-temporary"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_canary_session"), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), flows=("canary_secret_key", "canary_session_token"), states={"load": "failed"}), id="load-invalid_session_keys"),
    # Access denied may end the load before the first status check, so a trigger is not required here.
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_no_policy", deferrable=True), stack_flows=("nopolicy_secret_key",), states={"load": "failed"}), id="load-access_denied"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_iam_user", properties={"custom_property": "x"}), stack_flows=("loader_secret_key",), states={"load": "failed"}), id="load-bad_property"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_iam_user", **CSV), stack_flows=("loader_secret_key",), states={"load": "failed"}, setup=_bad_csv), id="load-quality_failure"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_iam_user", execution_timeout=ONE_SECOND), stack_flows=("loader_secret_key",), states={"load": "failed"}, setup=_hold_loading), id="load-timeout-sync"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_iam_user", execution_timeout=ONE_SECOND, deferrable=True), stack_flows=("loader_secret_key",), deferred=True, states={"load": "failed"}, setup=_hold_loading), id="load-timeout-deferrable"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_canary_session"), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), flows=("canary_secret_key",), states="failed", direct=True, setup=lambda s, m: echoing_fe(m, "LOAD LABEL")), id="load-fe_echoes_statement"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_iam_user", table=None, source=None, data_descriptions=[{"table": "orders"}]), states={"load": "failed"}), id="load-argument_validation_failure"),
    # INSERT ... SELECT FROM FILES(), synchronous and submitted as a task.
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_iam_user"), stack_flows=("loader_secret_key",), states={"insert": "success"}), id="files-iam_user-sync"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_iam_user", submit_as_task=True, deferrable=True), stack_flows=("loader_secret_key",), deferred=True, states={"insert": "success"}, setup=_version_3_4), id="files-iam_user-task-deferrable"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_iam_user", submit_as_task=True), stack_flows=("loader_secret_key",), states={"insert": "success"}, setup=_version_3_4), id="files-iam_user-task-sync"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_iam_user", submit_as_task=True, source="s3://starrocks-test/missing/*.parquet"), stack_flows=("loader_secret_key",), states={"insert": "failed"}, setup=_version_3_4), id="files-iam_user-task-failed"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_canary_session", submit_as_task=True, deferrable=True), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), flows=("canary_secret_key", "canary_session_token"), states={"insert": "failed"}, setup=_version_3_4), id="files-invalid_session_keys-task"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_iam_user", submit_as_task=True, keep_task=True), stack_flows=("loader_secret_key",), states={"insert": "success"}, setup=_version_3_5_6), id="files-iam_user-task-kept-3.5.6"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_assumed_role"), states={"insert": "success"}), id="files-assumed_role"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_no_policy"), stack_flows=("nopolicy_secret_key",), states={"insert": "failed"}), id="files-access_denied"),
    pytest.param(Scenario(lambda: _files(aws_conn_id="aws_canary_session"), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), flows=("canary_secret_key", "canary_session_token"), states={"insert": "failed"}), id="files-invalid_session_keys"),
    pytest.param(Scenario(lambda: _load(aws_conn_id="aws_canary_external_id"), secrets=("canary_external_id",), flows=("canary_external_id",), states={"load": "failed"}), id="load-external_id"),
    # INSERT INTO FILES() unloads and pipes (issue 16).
    pytest.param(Scenario(lambda: _unload(aws_conn_id="aws_writer"), stack_flows=("writer_secret_key",), states={"unload": "success"}, setup=_orders_rows), id="unload-iam_user"),
    pytest.param(Scenario(lambda: _unload(aws_conn_id="aws_write_role"), states={"unload": "success"}, setup=_orders_rows), id="unload-assumed_role"),
    pytest.param(Scenario(lambda: _unload(aws_conn_id="aws_iam_user", retries=0), stack_flows=("loader_secret_key",), states={"unload": "failed"}, setup=_orders_rows), id="unload-access_denied"),
    pytest.param(Scenario(lambda: _unload(aws_conn_id="aws_canary_session"), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), flows=("canary_secret_key", "canary_session_token"), states={"unload": "failed"}, setup=_orders_rows), id="unload-invalid_session_keys"),
    pytest.param(Scenario(lambda: _unload(aws_conn_id="aws_canary_keys"), secrets=("canary_access_key", "canary_secret_key"), flows=("canary_secret_key",), states="failed", direct=True, setup=lambda s, m: (_orders_rows(s, m), echoing_fe(m, "INSERT INTO FILES"))), id="unload-fe_echoes_statement"),
    pytest.param(Scenario(lambda: _pipe(aws_conn_id="aws_iam_user"), stack_flows=("loader_secret_key",), states={"create_pipe": "success"}), id="pipe-iam_user"),
    pytest.param(Scenario(lambda: _pipe(aws_conn_id="aws_assumed_role"), states={"create_pipe": "success"}), id="pipe-assumed_role"),
    pytest.param(Scenario(lambda: _pipe(aws_conn_id="aws_canary_session"), secrets=("canary_access_key", "canary_secret_key", "canary_session_token"), states="failed", direct=True), id="pipe-session_token_refused"),
    pytest.param(Scenario(lambda: _pipe(aws_conn_id="aws_canary_keys"), secrets=("canary_access_key", "canary_secret_key"), flows=("canary_secret_key",), states="failed", direct=True, setup=lambda s, m: echoing_fe(m, "CREATE PIPE")), id="pipe-fe_echoes_statement"),
    pytest.param(Scenario(lambda: _pipe_sensor(True), deferred=True, states={"wait": "failed"}, setup=_existing_pipe), id="pipe-sensor-deferrable-timeout"),
    # The load sensor after a load, poke and deferrable.
    pytest.param(Scenario(lambda: _sensor(False), stack_flows=("loader_secret_key",), states={"sense": "success"}, setup=_preload), id="sensor-poke"),
    pytest.param(Scenario(lambda: _sensor(True, label="leak_never_submitted", timeout=1), deferred=True, states={"sense": "failed"}, setup=_preload), id="sensor-deferrable-timeout"),
]  # fmt: skip


def minimal_context() -> dict[str, Any]:
    """What the operators read from their context outside Airflow: a task instance, no task state store."""
    import types

    ti = types.SimpleNamespace(
        dag_id="leak_direct",
        task_id="direct",
        run_id="manual__leak",
        map_index=-1,
        try_number=1,
        xcom_push=lambda **_: None,
    )
    return {"ti": ti}


def harvest_flowed_secrets(statements: list[str]) -> dict[str, str]:
    """Every credential value the FE received (e.g. STS session tokens Airflow resolved itself), by key."""
    found = {}
    for statement in statements:
        for key, value in _SECRET_PROPERTY.findall(statement):
            plain = re.sub(r"\\(.)", r"\1", value)
            if len(plain) >= 8:
                found[f"sent {key}={plain[:4]}..."] = plain
    return found


@pytest.fixture
def canary_params(security_kit, monkeypatch):
    monkeypatch.setitem(CANARY_PARAMS, "jdbc", security_kit.canaries["canary_jdbc_password"])
    monkeypatch.setitem(CANARY_PARAMS, "oauth2", security_kit.canaries["canary_oauth2_credential"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_secret_leaks(
    scenario,
    request,
    leak_stack,
    canary_params,
    monkeypatch,
    run_dag,
    security_kit,
    leak_recorder,
    captured_logs,
    log_files,
    lineage_events,
):
    if scenario.setup is not None:
        scenario.setup(leak_stack, monkeypatch)
    texts: dict[str, str] = {}
    if scenario.direct:
        operator = scenario.build()
        outcome = "success"
        try:
            result = operator.execute(minimal_context())
        except Exception as exc:  # the failure's text is one of the scanned surfaces
            outcome, result = "failed", None
            texts["exception"] = security_kit.exception_texts(exc)
        assert outcome == scenario.states, texts.get("exception")
        texts["return value"] = repr(result) + json.dumps(result, default=str)
        texts.update(security_kit.lineage_texts([], operator))
    else:
        from airflow.providers.common.compat.sdk import DAG

        dag_id = "leak_" + re.sub(r"\W", "_", request.node.callspec.id)
        with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
            scenario.build()
        result = run_dag(dag)
        expected = scenario.states if isinstance(scenario.states, dict) else None
        assert expected is None or result.task_states == expected, result.task_states
        texts["xcom (DagRunResult)"] = repr(result.xcom) + json.dumps(result.xcom, default=str)
        texts.update(security_kit.airflow_records(dag_id))
        events = lineage_events()
        texts.update(security_kit.lineage_texts(events))
        if _lineage_installed():  # control: the events were emitted (every success's COMPLETE), and scanned
            completed = {e["job"]["name"] for e in events if e["eventType"] == "COMPLETE"}
            succeeded = {
                f"{dag_id}.{task}" for task, state in result.task_states.items() if state == "success"
            }
            assert events
            assert completed >= succeeded, completed
    texts.update(captured_logs())
    texts.update(log_files())
    texts["hook lineage"] = "\n".join(leak_recorder.lineage)
    texts.update(leak_recorder.trigger_texts())
    texts.update(stored_task_texts(leak_stack))  # what StarRocks itself shows of a submitted task

    sent = "\n".join(leak_stack.statements)
    stack_secrets = security_kit.stack_secrets(leak_stack)
    canaries = {name: security_kit.canaries[name] for name in scenario.secrets}
    secrets = {**stack_secrets, **canaries, **harvest_flowed_secrets(leak_stack.statements)}

    # Positive control: the secrets this run had to hand to StarRocks did reach it.
    for name in scenario.flows:
        assert security_kit.canaries[name] in sent or _escaped(security_kit.canaries[name]) in sent, name
    for name in scenario.stack_flows:
        assert stack_secrets[name] in sent, name

    assert security_kit.scan_for_secrets(texts, secrets) == []
    if scenario.deferred:  # control: the trigger surface was really there to scan
        assert leak_recorder.triggers


def _lineage_installed() -> bool:
    """Whether lineage events are emitted in these tests (the provider installed, Airflow 3: see conftest)."""
    import importlib.util

    from airflow_provider_starrocks.testing.dags import AIRFLOW_3

    return AIRFLOW_3 and importlib.util.find_spec("airflow.providers.openlineage") is not None


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def test_kept_task_shows_the_key_before_3_5_6(leak_stack, run_dag, security_kit):
    """Positive control of the task-table scan: keep_task=True on 3.4 leaves the keys readable in StarRocks."""
    from airflow.providers.common.compat.sdk import DAG

    leak_stack.fe.config.version = "3.4.2"
    with DAG("leak_kept_task_3_4", schedule=None, start_date=START, catchup=False) as dag:
        _files(aws_conn_id="aws_iam_user", submit_as_task=True, keep_task=True)
    assert run_dag(dag).task_states == {"insert": "success"}
    hits = security_kit.scan_for_secrets(
        stored_task_texts(leak_stack), security_kit.stack_secrets(leak_stack)
    )
    assert hits == [
        "information_schema.tasks: loader_access_key (raw)",
        "information_schema.tasks: loader_secret_key (raw)",
    ]


def test_scanner_finds_every_encoding(security_kit):
    secret = security_kit.canaries["canary_jdbc_password"]
    from urllib.parse import quote, quote_plus

    for form in (
        secret,
        quote(secret),
        quote_plus(secret),
        json.dumps(secret),
        repr(secret),
        _escaped(secret),
    ):
        assert security_kit.scan_for_secrets({"log": f"prefix {form} suffix"}, {"jdbc": secret}), form
    assert security_kit.scan_for_secrets({"log": "prefix *** suffix"}, {"jdbc": secret}) == []


def test_lineage_recorder_sees_sql_hook_lineage(starrocks, leak_recorder):
    # Control for the lineage surface: a DbApiHook.run() statement is recorded, so an empty record means
    # that our operators sent nothing there, not that the recorder is blind.
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    StarRocksHook().run("SELECT 1")
    assert any("SELECT 1" in payload for payload in leak_recorder.lineage)


examples = pytest.mark.skipif(
    os.environ.get("SKIP_EXAMPLES") == "1", reason="SKIP_EXAMPLES=1: end-to-end example runs are skipped"
)


@pytest.fixture(scope="module")
def example_bag():
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    return DagBag(dag_folder=str(EXAMPLES_DIR))


def _example_ids() -> list[Any]:
    return [pytest.param(p.stem, id=p.stem) for p in sorted(EXAMPLES_DIR.glob("example_*.py"))]


@examples
@pytest.mark.parametrize("dag_id", _example_ids())
def test_example_dag_leaks_no_secret(
    dag_id,
    leak_stack,
    run_dag,
    example_bag,
    security_kit,
    leak_recorder,
    captured_logs,
    log_files,
    lineage_events,
):
    assert example_bag.import_errors == {}
    result = run_dag(
        example_bag.dags[dag_id], logical_date=datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)
    )
    texts = {"xcom (DagRunResult)": repr(result.xcom), **security_kit.airflow_records(dag_id)}
    texts.update(security_kit.lineage_texts(lineage_events()))
    texts.update(captured_logs())
    texts.update(log_files())
    texts["hook lineage"] = "\n".join(leak_recorder.lineage)
    texts.update(leak_recorder.trigger_texts())
    secrets = {**security_kit.stack_secrets(leak_stack), **harvest_flowed_secrets(leak_stack.statements)}
    assert "success" in result.task_states.values()
    if "SQLExecuteQueryOperator" in (EXAMPLES_DIR / f"{dag_id}.py").read_text():
        assert leak_recorder.lineage  # control: the SQL operator's lineage was recorded, and scanned
    assert security_kit.scan_for_secrets(texts, secrets) == []


@pytest.mark.skipif(not _lineage_installed(), reason="the openlineage provider is not installed")
def test_lineage_events_are_scanned(leak_stack, run_dag, security_kit, lineage_events):
    # Control for the OpenLineage surface: a value put where lineage must show it (the S3 key read) is found
    # in the emitted events, so an empty scan above means that no secret was there, not that nothing was read.
    from airflow.providers.common.compat.sdk import DAG

    marker = security_kit.canaries["canary_oauth2_credential"]
    with DAG("leak_lineage_control", schedule=None, start_date=START, catchup=False) as dag:
        _load(aws_conn_id="aws_iam_user", source=f"s3://starrocks-test/{marker}/x.parquet", retries=0)
    run_dag(dag)
    texts = security_kit.lineage_texts(lineage_events())
    hits = security_kit.scan_for_secrets(texts, {"marker": marker})
    assert any(hit.startswith("openlineage event") and "FAIL" in hit for hit in hits), hits
