"""StarRocksS3BrokerLoadOperator end to end: dag.test() against the local FE emulator and moto (IAM enforced)."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.testing.fe.releases import DEFAULT_VERSIONS, RELEASE_NAMES

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
TABLE_DDL = (
    "CREATE TABLE `sales`.`{name}` (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE) "
    "DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)"
)


@pytest.fixture
def sales(sales):
    """The ``sales`` stack with a second table, ``orders_copy``."""
    sales.sql(TABLE_DDL.format(name="orders_copy"))
    sales.statements.clear()
    return sales


def put_object(stack, key, body):
    import boto3

    access, secret = stack.aws.users["stack_admin"]
    s3 = boto3.client(
        "s3",
        endpoint_url=stack.aws.endpoint,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-west-2",
    )
    s3.put_object(Bucket="starrocks-test", Key=key, Body=body)


def make_dag(dag_id, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    kwargs.setdefault("poll_interval", 0.05)
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksS3BrokerLoadOperator(task_id="load", database="sales", **kwargs)
    return dag


def count(stack, table="orders"):
    return stack.sql(f"SELECT count(*) FROM sales.{table}")[0][0]


def loads(stack):
    return [s for s in stack.statements if s.startswith("LOAD LABEL")]


# The three broker-load examples of the StarRocks page "Authenticate to AWS resources" (parquet, a s3a:// glob,
# "timeout" = "1200"), under each way an Airflow connection can express them.
AUTH_CASES = [
    pytest.param({"aws_conn_id": None, "region": "us-west-2"}, "use_instance_profile\" = \"true", id="no_connection_instance_profile"),
    pytest.param({"aws_conn_id": "aws_instance_profile"}, "use_instance_profile\" = \"true", id="instance_profile"),
    pytest.param({"aws_conn_id": "aws_assumed_role"}, "iam_role_arn", id="assumed_role"),
    pytest.param({"aws_conn_id": "aws_external_id"}, "external_id", id="assumed_role_external_id"),
    pytest.param({"aws_conn_id": "aws_iam_user"}, "access_key\" = \"***", id="iam_user"),
    pytest.param({"aws_conn_id": "aws_temporary", "credential_mode": "temporary"}, "session_token\" = \"***", id="temporary"),
]  # fmt: skip


@pytest.mark.parametrize(("auth", "expected"), AUTH_CASES)
def test_docs_example_under_each_auth_method(sales, run_dag, auth, expected, capfd):
    dag = make_dag(
        f"bl_auth_{auth.get('aws_conn_id')}",
        table="orders",
        source="s3a://starrocks-test/daily/*/*",
        format="parquet",
        properties={"timeout": 1200},
        **auth,
    )
    result = run_dag(dag)
    assert result.task_states == {"load": "success"}
    out = result.xcom["load"]
    assert (out["state"], out["scan_rows"], out["sink_rows"], out["filtered_rows"]) == ("FINISHED", 30, 30, 0)
    assert count(sales) == 30
    (load,) = loads(sales)
    assert '"timeout" = "1200"' in load
    logged = capfd.readouterr()
    assert expected in logged.out + logged.err


FORMAT_CASES = [
    pytest.param({"source": "s3://starrocks-test/sample/orders.parquet", "format": "parquet"}, 100, id="parquet"),
    pytest.param({"source": "s3://starrocks-test/sample/orders.orc", "format": "orc"}, 100, id="orc"),
    pytest.param({"source": "s3://starrocks-test/sample/orders.json", "format": "json"}, 100, id="json"),
    pytest.param(
        {"source": "s3://starrocks-test/sample/orders.csv", "format": "csv",
         "format_options": {"column_separator": ",", "skip_header": 1, "trim_space": True}},
        100,
        id="csv_options",
    ),
    pytest.param(
        {"source": "s3://starrocks-test/sample/orders.csv", "format": "csv",
         "format_options": {"column_separator": ",", "skip_header": 1},
         "columns": ["id", "name", "raw", "dt"], "set_expressions": {"amount": "cast(raw AS DOUBLE) * 2"}, "where": "id <= 10"},
        10,
        id="csv_columns_set_where",
    ),
    pytest.param({"source": ["s3://starrocks-test/daily/2024-01-01/*", "s3://starrocks-test/daily/2024-01-02/*"]}, 20, id="format_inferred_two_paths"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "rows"), FORMAT_CASES)
def test_formats_and_options(sales, run_dag, args, rows):
    result = run_dag(make_dag("bl_formats", table="orders", aws_conn_id="aws_iam_user", **args))
    assert result.task_states == {"load": "success"}, sales.statements
    assert result.xcom["load"]["sink_rows"] == rows
    assert count(sales) == rows


def test_set_expression_values_land(sales, run_dag):
    run_dag(
        make_dag(
            "bl_set_values",
            table="orders",
            aws_conn_id="aws_iam_user",
            source="s3://starrocks-test/sample/orders.csv",
            format="csv",
            format_options={"column_separator": ",", "skip_header": 1},
            columns=["id", "name", "raw", "dt"],
            set_expressions={"amount": "cast(raw AS DOUBLE) * 2"},
            where="id = 1",
        )
    )
    assert sales.sql("SELECT amount FROM sales.orders")[0][0] == pytest.approx(
        2 * float(_sample_amount(sales, 1))
    )


def _sample_amount(stack, row_id):
    import csv

    import boto3

    access, secret = stack.aws.users["stack_admin"]
    s3 = boto3.client(
        "s3", endpoint_url=stack.aws.endpoint, aws_access_key_id=access, aws_secret_access_key=secret
    )
    body = s3.get_object(Bucket="starrocks-test", Key="sample/orders.csv")["Body"].read().decode()
    return next(r["amount"] for r in csv.DictReader(io.StringIO(body)) if r["id"] == str(row_id))


def test_multi_table_load_and_success_metrics(sales, run_dag):
    result = run_dag(
        make_dag(
            "bl_multi",
            aws_conn_id="aws_iam_user",
            data_descriptions=[
                {
                    "table": "orders",
                    "source": "s3://starrocks-test/sample/orders.parquet",
                    "format": "parquet",
                },
                {
                    "table": "orders_copy",
                    "source": "s3://starrocks-test/daily/2024-01-01/*",
                    "format": "parquet",
                },
            ],
            properties={"timeout": 600, "max_filter_ratio": 0.1, "strict_mode": False, "priority": "HIGH"},
        )
    )
    out = result.xcom["load"]
    assert (count(sales), count(sales, "orders_copy")) == (100, 10)
    assert set(out) >= {"label", "job_id", "state", "scan_rows", "filtered_rows", "unselected_rows", "sink_rows",
                        "create_time", "load_start_time", "load_finish_time", "tracking_sql", "database"}  # fmt: skip
    assert (out["scan_rows"], out["sink_rows"], out["unselected_rows"], out["database"]) == (
        110,
        110,
        0,
        "sales",
    )
    assert re.fullmatch(r"[-\w]{1,128}", out["label"], re.ASCII)


def test_quality_failure_names_label_cancel_type_and_rejected_rows(sales, run_dag, capfd):
    put_object(
        sales, "bad/orders.csv", b"1,a,1.5,2024-01-01\nnot-a-number,b,2.5,2024-01-02\n3,c,3.5,2024-01-03\n"
    )
    dag = make_dag(
        "bl_quality",
        table="orders",
        aws_conn_id="aws_iam_user",
        source="s3://starrocks-test/bad/orders.csv",
        format="csv",
        format_options={"column_separator": ","},
        properties={"log_rejected_record_num": 10},
        retries=2,
    )
    result = run_dag(dag)
    assert result.task_states == {"load": "failed"}
    assert len(loads(sales)) == 1  # AirflowFailException: no retry
    logged = capfd.readouterr().out
    assert "ETL_QUALITY_UNSATISFIED" in logged
    assert "quality not good enough to cancel" in logged
    assert "bl_quality__load__" in logged
    assert count(sales) == 0


def test_quality_within_max_filter_ratio_succeeds(sales, run_dag):
    put_object(
        sales, "bad/orders.csv", b"1,a,1.5,2024-01-01\nnot-a-number,b,2.5,2024-01-02\n3,c,3.5,2024-01-03\n"
    )
    result = run_dag(
        make_dag(
            "bl_ratio",
            table="orders",
            aws_conn_id="aws_iam_user",
            source="s3://starrocks-test/bad/orders.csv",
            format="csv",
            format_options={"column_separator": ","},
            properties={"max_filter_ratio": 0.5},
        )
    )
    assert (result.xcom["load"]["filtered_rows"], result.xcom["load"]["sink_rows"]) == (1, 2)


def test_access_denied_is_not_retried(sales, run_dag, capfd):
    dag = make_dag(
        "bl_denied",
        table="orders",
        aws_conn_id="aws_no_policy",
        source="s3://starrocks-test/sample/orders.parquet",
        retries=2,
    )
    assert run_dag(dag).task_states == {"load": "failed"}
    assert len(loads(sales)) == 1
    logged = capfd.readouterr().out
    assert "CANCELLED" in logged
    assert re.search(r"access ?denied|403", logged, re.IGNORECASE)


def test_unknown_state_fails_saying_outcome_cannot_be_determined(sales, run_dag, capfd):
    sales.fe.force_next_load("UNKNOWN")
    dag = make_dag(
        "bl_unknown",
        table="orders",
        aws_conn_id="aws_iam_user",
        source="s3://starrocks-test/sample/orders.parquet",
    )
    assert run_dag(dag).task_states == {"load": "failed"}
    assert "cannot be determined" in capfd.readouterr().out


@pytest.mark.parametrize("deferrable", [pytest.param(False, id="sync"), pytest.param(True, id="deferrable")])
def test_secrets_stay_out_of_logs_xcom_and_trigger(sales, run_dag, capfd, deferrable):
    access, secret = sales.aws.users["loader"]
    result = run_dag(
        make_dag(
            f"bl_secrets_{deferrable}",
            table="orders",
            aws_conn_id="aws_iam_user",
            source="s3://starrocks-test/sample/orders.parquet",
            deferrable=deferrable,
        )
    )
    assert result.task_states == {"load": "success"}
    logged = capfd.readouterr()
    assert '"aws.s3.secret_key" = "***"' in logged.out
    for value in (access, secret):
        assert value not in logged.out + logged.err
        assert value not in json.dumps(result.xcom)
    assert any(secret in s for s in loads(sales))  # the FE itself did get the key
    rendered = json.dumps(_rendered_fields(f"bl_secrets_{deferrable}"), default=str)
    assert "orders.parquet" in rendered
    assert access not in rendered
    assert secret not in rendered


def _rendered_fields(dag_id):
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag_id).all()
        return [row.rendered_fields for row in rows]


def test_sync_and_deferrable_return_the_same_dict(sales, run_dag):
    results = []
    for deferrable in (False, True):
        result = run_dag(
            make_dag(
                "bl_same_dict",
                table="orders_copy" if deferrable else "orders",
                aws_conn_id="aws_iam_user",
                source="s3://starrocks-test/sample/orders.parquet",
                deferrable=deferrable,
            )
        )
        results.append(result.xcom["load"])
    timing = {"create_time", "load_start_time", "load_finish_time", "label", "job_id"}
    assert {k: v for k, v in results[0].items() if k not in timing} == {
        k: v for k, v in results[1].items() if k not in timing
    }
    assert results[0].keys() == results[1].keys()


# LoadStmt.PROPERTIES_SET (fe/fe-core/src/main/java/com/starrocks/sql/ast/LoadStmt.java): merge_condition from
# 3.1.4 (8a7f4f51); jsonpaths, json_root and strip_outer_array from 3.3.5 (7c653fb8) on. The JSON options are sent
# as load PROPERTIES, so on 3.1 StarRocks refuses them.
JSON_OPTIONS = {"jsonpaths": ["$.id", "$.name", "$.amount", "$.dt"], "strip_outer_array": True}
JSON_RELEASES = [pytest.param(r, id=r) for r in ("3.3", "3.4", "3.5", "newest")]


@pytest.mark.parametrize("release", JSON_RELEASES)
def test_json_load_with_options_runs_end_to_end(sales, run_dag, release):
    sales.fe.config.version = DEFAULT_VERSIONS[release]
    dag = make_dag(
        f"bl_json_{release.replace('.', '_')}",
        table="orders",
        aws_conn_id="aws_iam_user",
        source="s3://starrocks-test/sample/orders.json",
        format="json",
        format_options=JSON_OPTIONS,
    )
    result = run_dag(dag)
    assert result.task_states == {"load": "success"}, sales.statements
    assert result.xcom["load"]["sink_rows"] == 100
    (load,) = loads(sales)
    assert '"jsonpaths" = ' in load
    assert (
        sales.sql("SELECT count(*) FROM sales.orders WHERE name IS NOT NULL AND dt IS NOT NULL")[0][0] == 100
    )


def test_json_root_load_runs_end_to_end(sales, run_dag):
    sales.fe.config.version = DEFAULT_VERSIONS["3.4"]
    body = {
        "meta": {},
        "rows": [{"id": i, "name": f"n{i}", "amount": i * 1.5, "dt": "2024-01-01"} for i in range(3)],
    }
    put_object(sales, "nested/rows.json", json.dumps(body).encode())
    dag = make_dag(
        "bl_json_root",
        table="orders",
        aws_conn_id="aws_iam_user",
        source="s3://starrocks-test/nested/rows.json",
        format="json",
        format_options={"json_root": "$.rows"},
    )
    result = run_dag(dag)
    assert result.task_states == {"load": "success"}, sales.statements
    assert sales.sql("SELECT sum(amount) FROM sales.orders")[0][0] == 4.5


def test_json_options_are_refused_by_3_1(sales, run_dag):
    sales.fe.config.version = DEFAULT_VERSIONS["3.1"]
    dag = make_dag(
        "bl_json_3_1",
        table="orders",
        aws_conn_id="aws_iam_user",
        source="s3://starrocks-test/sample/orders.json",
        format="json",
        format_options=JSON_OPTIONS,
    )
    result = run_dag(dag)
    assert result.task_states == {"load": "failed"}
    assert count(sales) == 0


@pytest.mark.parametrize("release", [pytest.param(r, id=r) for r in RELEASE_NAMES])
def test_merge_condition_load_runs_end_to_end(sales, run_dag, release):
    sales.fe.config.version = DEFAULT_VERSIONS[release]
    dag = make_dag(
        f"bl_merge_{release.replace('.', '_')}",
        table="orders",
        aws_conn_id="aws_iam_user",
        source="s3://starrocks-test/sample/orders.parquet",
        format="parquet",
        properties={"merge_condition": "amount"},
    )
    result = run_dag(dag)
    assert result.task_states == {"load": "success"}, sales.statements
    (load,) = loads(sales)
    assert '"merge_condition" = "amount"' in load
    assert count(sales) == 100
