"""StarRocks connections as users define them: the UI form's nulls, undefined ids, permanent login errors."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, Connection

from airflow_provider_starrocks import get_provider_info
from airflow_provider_starrocks.hooks.starrocks import (
    StarRocksConnectionConfigError,
    StarRocksConnectionError,
    StarRocksHook,
)


def _form_connection(starrocks, conn_id: str = "sr", **fields) -> Connection:
    """A connection as the Airflow 3 form saves it: every optional extra present, empty ones as null."""
    fields.setdefault("extra", '{"catalog": null, "connect_timeout": null}')
    base = {
        "conn_type": "starrocks",
        "host": starrocks.fe_host,
        "port": starrocks.fe_port,
        "login": starrocks.user,
        "password": starrocks.password,
        "schema": "",
    }
    return Connection(conn_id=conn_id, **{**base, **fields})


def _define(monkeypatch, conn: Connection) -> StarRocksHook:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn.conn_id.upper()}", conn.as_json())
    return StarRocksHook(starrocks_conn_id=conn.conn_id)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param('{"catalog": null, "connect_timeout": null}', id="form_nulls"),
        pytest.param('{"catalog": null, "http_port": null, "connect_timeout": null}', id="old_form_nulls"),
        pytest.param(
            '{"catalog": "", "connect_timeout": "", "read_timeout": "", "charset": "", "ssl": ""}',
            id="empty_strings",
        ),
        pytest.param(
            '{"read_timeout": null, "charset": null, "ssl": null, "session_variables": null}', id="all_null"
        ),
        pytest.param('{"http_port": 8030, "connect_timeout": "5"}', id="old_http_port_kept_silently"),
    ],
)
def test_form_saved_connection_works(starrocks, monkeypatch, extra):
    hook = _define(monkeypatch, _form_connection(starrocks, extra=extra))
    ok, message = hook.test_connection()
    assert ok, message
    assert hook.get_first("SELECT 1") == (1,)
    assert "SET CATALOG" not in " ".join(starrocks.statements)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        pytest.param(
            '{"connect_timeout": "ten"}', r"extra 'connect_timeout' must be a whole number", id="word"
        ),
        pytest.param('{"connect_timeout": 0}', r"extra 'connect_timeout' must be a whole number", id="zero"),
        pytest.param('{"read_timeout": 1.5}', r"extra 'read_timeout' must be a whole number", id="fraction"),
        pytest.param(
            '{"charset": "utf8mb5"}', r"extra 'charset' 'utf8mb5' is not a MySQL character set", id="junk"
        ),
        pytest.param('{"charset": 8}', r"extra 'charset' 8 is not a MySQL character set", id="not_text"),
    ],
)
def test_bad_extras_are_refused_before_connecting(starrocks, monkeypatch, extra, match):
    hook = _define(monkeypatch, _form_connection(starrocks, extra=extra))
    seen = len(starrocks.statements)
    with pytest.raises(ValueError, match=match) as excinfo:
        hook.get_conn()
    assert "StarRocks connection 'sr'" in str(excinfo.value)
    assert starrocks.statements[seen:] == []


def test_http_port_is_gone_from_the_form():
    (conn_type,) = get_provider_info()["connection-types"]
    assert "http_port" not in conn_type["conn-fields"]
    assert set(conn_type["conn-fields"]) == {"catalog", "connect_timeout"}


def test_undefined_connection_is_permanent_and_says_how_to_define_it(starrocks):
    hook = StarRocksHook(starrocks_conn_id="warehouse_fe")
    with pytest.raises(StarRocksConnectionConfigError) as excinfo:
        hook.get_conn()
    assert isinstance(excinfo.value, AirflowFailException)
    message = str(excinfo.value)
    assert "StarRocks connection 'warehouse_fe' is not defined" in message
    assert "AIRFLOW_CONN_WAREHOUSE_FE" in message
    assert "airflow connections add warehouse_fe" in message


@pytest.mark.parametrize(
    ("fields", "permanent", "server_text"),
    [
        pytest.param({"password": "wrong-password-xyz"}, True, "Access denied", id="bad_password_1045"),
        pytest.param({"schema": "no_such_db"}, True, "Unknown database", id="unknown_database_1049"),
        pytest.param({"port": 1}, False, "Can't connect", id="unreachable_retried"),
    ],
)
def test_login_errors_are_permanent(starrocks, monkeypatch, fields, permanent, server_text):
    hook = _define(monkeypatch, _form_connection(starrocks, **fields))
    with pytest.raises(StarRocksConnectionError, match=server_text) as excinfo:
        hook.get_conn()
    assert isinstance(excinfo.value, AirflowFailException) is permanent
    assert "connection 'sr'" in str(excinfo.value)


@pytest.mark.parametrize(
    ("fields", "server_text"),
    [
        pytest.param({"password": "wrong-password-xyz"}, "Access denied", id="bad_password"),
        pytest.param({"extra": '{"catalog": "no_such_catalog"}'}, "Unknown catalog", id="unknown_catalog"),
        pytest.param({"port": 1}, "Can't connect", id="unreachable"),
    ],
)
def test_connection_test_says_this_connection(starrocks, monkeypatch, fields, server_text):
    """The UI's Test button runs under a random temporary conn id, which means nothing to the user."""
    hook = _define(monkeypatch, _form_connection(starrocks, conn_id="tmp_k3j9x2", **fields))
    ok, message = hook.test_connection()
    assert not ok
    assert "tmp_k3j9x2" not in message
    assert (
        f"the StarRocks FE {starrocks.fe_host}:{fields.get('port', starrocks.fe_port)} of this connection"
        in message
    )
    assert server_text in message
    assert "wrong-password-xyz" not in message


def test_unknown_catalog_names_the_connection_and_the_extra(starrocks, monkeypatch):
    hook = _define(monkeypatch, _form_connection(starrocks, extra='{"catalog": "no_such_catalog"}'))
    with pytest.raises(StarRocksConnectionError) as excinfo:
        hook.get_conn()
    message = str(excinfo.value)
    assert f"StarRocks connection 'sr' ({starrocks.fe_host}:{starrocks.fe_port})" in message
    assert "extra 'catalog' ('no_such_catalog')" in message
    assert "Unknown catalog 'no_such_catalog'" in message


def _broker_load(conn_id: str):
    from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator

    return StarRocksS3BrokerLoadOperator(
        task_id="work",
        starrocks_conn_id=conn_id,
        database="sales",
        table="orders",
        source="s3://starrocks-test/sample/orders.parquet",
        format="parquet",
        aws_conn_id="aws_iam_user",
        poll_interval=0.05,
    )


def _hook_task(conn_id: str):
    from airflow.providers.common.compat.sdk import task

    @task(task_id="work")
    def work():
        return StarRocksHook(starrocks_conn_id=conn_id).get_first("SELECT 1")

    return work()


@pytest.mark.parametrize(
    ("conn_id", "make_task", "text"),
    [
        pytest.param("no_such_fe", _hook_task, "AIRFLOW_CONN_NO_SUCH_FE", id="undefined_in_a_task"),
        pytest.param("no_such_fe", _broker_load, "AIRFLOW_CONN_NO_SUCH_FE", id="undefined_in_broker_load"),
        pytest.param("sr", _broker_load, "fix the login or password of connection 'sr'", id="bad_password"),
    ],
)
def test_permanent_connection_errors_fail_the_task_without_retry(
    starrocks, monkeypatch, run_dag, capfd, conn_id, make_task, text
):
    from airflow.models.taskinstance import TaskInstance
    from airflow.providers.common.compat.sdk import DAG
    from airflow.utils.session import create_session

    _define(monkeypatch, _form_connection(starrocks, password="wrong-password-xyz"))
    with DAG(
        f"permanent_connection_error_{make_task.__name__}_{conn_id}",
        schedule=None,
        start_date=datetime.datetime(2024, 1, 1),
        default_args={"retries": 3, "retry_delay": datetime.timedelta(seconds=30)},
    ) as dag:
        make_task(conn_id)

    result = run_dag(dag)
    assert result.task_states == {"work": "failed"}
    with create_session() as session:
        ti = session.query(TaskInstance).filter_by(dag_id=dag.dag_id, run_id=result.run_id).one()
        # A retryable failure would have been tried 4 times (30 s apart) before failing.
        assert ti.try_number == 1
    assert text in "".join(capfd.readouterr())


def test_airflow_connections_test_cli_with_a_form_saved_connection(starrocks):
    """``airflow connections test`` on a connection with the form's nulls (this failed with a TypeError)."""
    conn = _form_connection(starrocks, conn_id="sr_form")
    env = {**os.environ, "AIRFLOW_CONN_SR_FORM": conn.as_json(), "AIRFLOW__CORE__TEST_CONNECTION": "Enabled"}
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "connections", "test", "sr_form"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Connection success!" in done.stdout, done.stdout + done.stderr
    assert "SELECT current_version()" in starrocks.statements


@pytest.mark.parametrize(
    ("fields", "ok", "text"),
    [
        pytest.param({}, True, "Connected to StarRocks 3.", id="empty_optional_fields"),
        pytest.param({"password": "wrong-password-xyz"}, False, "this connection", id="bad_password"),
    ],
)
def test_ui_test_button_path(starrocks, monkeypatch, fields, ok, text):
    """What the API server's connection test does: a transient id in an env var from get_uri(), then test."""
    from airflow.models.connection import Connection as ServerConnection

    transient_id = "qx81mzt0"
    form = {
        "conn_type": "starrocks",
        "host": starrocks.fe_host,
        "port": starrocks.fe_port,
        "login": starrocks.user,
        "password": starrocks.password,
        "extra": '{"catalog": null, "connect_timeout": null}',
        **fields,
    }
    conn = ServerConnection(conn_id=transient_id, **form)
    monkeypatch.setenv(f"AIRFLOW_CONN_{transient_id.upper()}", conn.get_uri())
    status, message = conn.test_connection()
    assert status is ok, message
    assert text in message
    assert transient_id not in message
