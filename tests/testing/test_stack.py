from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

from airflow_provider_starrocks.testing.aws import BUCKET, REGION, role_arn
from airflow_provider_starrocks.testing.stack import StarRocksStack

CONN_IDS = [
    "starrocks_default",
    "aws_instance_profile",
    "aws_assumed_role",
    "aws_glue_role",
    "aws_iam_user",
    "aws_external_id",
    "aws_no_policy",
    "aws_temporary",
    "aws_s3_compatible",
    "aws_writer",
    "aws_write_role",
]


def fe_available() -> bool:
    try:
        return hasattr(importlib.import_module("airflow_provider_starrocks.testing.fe"), "FeEmulator")
    except ImportError:
        return False


needs_fe = pytest.mark.skipif(not fe_available(), reason="the FE emulator (testing/fe) is not available yet")


@pytest.fixture
def aws_only(starrocks_aws, monkeypatch):
    """A stack object sharing the session's moto, FE not started: enough for the Airflow/AWS side."""
    starrocks_aws.reset()
    stack = StarRocksStack(aws=starrocks_aws)
    for name, value in stack.env().items():
        monkeypatch.setenv(name, value)
    return stack


class TestAirflowSide:
    def test_connections_cover_the_documented_ids_and_parse_in_airflow(self, aws_only):
        from airflow.models.connection import Connection

        connections = aws_only.airflow_connections()
        assert list(connections) == CONN_IDS
        for conn_id, value in connections.items():
            conn = Connection.from_json(value, conn_id=conn_id)
            assert conn.conn_type == ("starrocks" if conn_id == "starrocks_default" else "aws")

    def test_env_points_boto3_at_moto(self, aws_only):
        env = aws_only.env()
        assert env["AWS_ENDPOINT_URL"] == aws_only.aws.endpoint
        assert env["AWS_DEFAULT_REGION"] == REGION
        assert {f"AIRFLOW_CONN_{conn_id.upper()}" for conn_id in CONN_IDS} <= set(env)

    def test_temporary_mode_assumes_airflow_role_for_real(self, aws_only):
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        hook = AwsBaseHook(aws_conn_id="aws_temporary", client_type="sts")
        identity = hook.get_session().client("sts").get_caller_identity()
        assert identity["Arn"].startswith(
            role_arn("airflow_role").replace(":iam:", ":sts:").replace(":role/", ":assumed-role/")
        )
        creds = hook.get_credentials()
        assert creds.token

    @pytest.mark.parametrize(
        ("conn_id", "expected"),
        [
            pytest.param("aws_iam_user", True, id="iam_user"),
            pytest.param("aws_temporary", True, id="temporary"),
            pytest.param("aws_s3_compatible", True, id="s3_compatible"),
        ],
    )
    def test_s3_hook_reaches_moto(self, aws_only, conn_id, expected):
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        assert S3Hook(aws_conn_id=conn_id).check_for_key("sample/orders.csv", bucket_name=BUCKET) is expected

    @pytest.mark.parametrize(
        ("conn_id", "service", "mode", "error_code"),
        [
            pytest.param("aws_instance_profile", "s3", "auto", None, id="instance_profile"),
            pytest.param("aws_assumed_role", "s3", "auto", None, id="assumed_role"),
            pytest.param("aws_iam_user", "s3", "auto", None, id="iam_user"),
            pytest.param("aws_external_id", "s3", "auto", None, id="external_id"),
            pytest.param("aws_temporary", "s3", "temporary", None, id="temporary"),
            pytest.param("aws_s3_compatible", "s3", "auto", None, id="s3_compatible"),
            pytest.param("aws_no_policy", "s3", "auto", "AccessDenied", id="no_policy"),
            pytest.param("aws_glue_role", "glue", "auto", None, id="glue_role"),
            pytest.param("aws_assumed_role", "glue", "auto", "AccessDenied", id="s3_role_on_glue"),
        ],
    )
    def test_connections_through_aws_auth_reach_moto(self, aws_only, conn_id, service, mode, error_code):
        from airflow_provider_starrocks.testing.aws import StorageAccessError, call_aws
        from airflow_provider_starrocks.utils.aws_auth import build_aws_properties

        props = dict(build_aws_properties(conn_id, service, credential_mode=mode))

        def access():
            if service == "s3":
                return len(aws_only.aws.list_objects(props, f"s3://{BUCKET}/sample/*"))
            return len(call_aws(aws_only.aws.glue_client(props).get_databases)["DatabaseList"])

        if error_code is None:
            assert access() >= 1
        else:
            with pytest.raises(StorageAccessError) as caught:
                access()
            assert caught.value.code == error_code

    def test_s3_hook_without_policy_is_denied(self, aws_only):
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError, match="403|AccessDenied|Forbidden"):
            S3Hook(aws_conn_id="aws_no_policy").check_for_key("sample/orders.csv", bucket_name=BUCKET)


@needs_fe
class TestInProcessStack:
    def test_uri_and_query(self, starrocks):
        import pymysql

        assert starrocks.uri == f"starrocks://root:{starrocks.password}@127.0.0.1:{starrocks.fe_port}/"
        conn = pymysql.connect(
            host=starrocks.fe_host, port=starrocks.fe_port, user=starrocks.user, password=starrocks.password
        )
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchall() == ((1,),)
        assert "SELECT 1" in starrocks.statements

    def test_reset_forgets_statements(self, starrocks):
        import pymysql

        conn = pymysql.connect(
            host=starrocks.fe_host, port=starrocks.fe_port, user=starrocks.user, password=starrocks.password
        )
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT 1")
        starrocks.reset()
        assert starrocks.statements == []

    def test_env_is_exported(self, starrocks):
        conn = json.loads(os.environ["AIRFLOW_CONN_STARROCKS_DEFAULT"])
        assert conn["port"] == starrocks.fe_port
        assert conn["password"] == starrocks.password


@needs_fe
def test_serve_prints_uri_and_connections():
    env = {**os.environ, "STARROCKS_STACK_PASSWORD": "serve-test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_starrocks.testing", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert lines[0].startswith("StarRocks URI: starrocks://root:serve-test@127.0.0.1:")
    assert lines[1].startswith("AWS endpoint: http://127.0.0.1:")
    assert lines[2].startswith("export AIRFLOW_CONN_STARROCKS_DEFAULT='{")
    assert process.returncode == 0


@needs_fe
def test_out_of_process_stack_starts_resets_and_stops():
    import pymysql

    with StarRocksStack(out_of_process=True) as stack:
        conn = pymysql.connect(
            host=stack.fe_host, port=stack.fe_port, user=stack.user, password=stack.password
        )
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchall() == ((1,),)
        stack.reset()
        assert (
            len(stack.aws.list_objects({"aws.s3.use_instance_profile": "true"}, f"s3://{BUCKET}/daily/")) == 3
        )
        with pytest.raises(RuntimeError, match="out_of_process=False"):
            _ = stack.statements


class TestExternalStack:
    def test_reads_the_uri_and_aws_connections(self, monkeypatch):
        from airflow_provider_starrocks.testing.external import ExternalStack

        monkeypatch.setenv("STARROCKS_TEST_URI", "starrocks://admin:p%40ss@sr.example:9031/")
        monkeypatch.setenv(
            "STARROCKS_TEST_AWS_CONNECTIONS", json.dumps({"aws_iam_user": {"conn_type": "aws"}})
        )
        stack = ExternalStack.from_env()
        assert stack is not None
        assert (stack.fe_host, stack.fe_port, stack.user, stack.password) == (
            "sr.example",
            9031,
            "admin",
            "p@ss",
        )
        assert set(stack.env()) == {"AIRFLOW_CONN_STARROCKS_DEFAULT", "AIRFLOW_CONN_AWS_IAM_USER"}

    def test_emulator_only_features_raise_stack_unavailable(self):
        from airflow_provider_starrocks.testing.external import ExternalStack, StackUnavailable

        stack = ExternalStack("starrocks://root:@127.0.0.1:9030/")
        with pytest.raises(StackUnavailable, match="statement capture"):
            _ = stack.statements

    def test_the_plugin_skips_a_test_or_fixture_that_meets_stack_unavailable(self, tmp_path):
        import subprocess
        import sys

        (tmp_path / "pytest.ini").write_text("[pytest]\n")
        (tmp_path / "test_on_a_real_cluster.py").write_text(
            "import pytest\n"
            "from airflow_provider_starrocks.testing.external import ExternalStack\n"
            "STACK = ExternalStack('starrocks://root:@127.0.0.1:9030/')\n"
            "@pytest.fixture\n"
            "def fe():\n"
            "    return STACK.fe\n"
            "def test_in_a_fixture(fe):\n"
            "    pass\n"
            "def test_in_the_body():\n"
            "    STACK.statements\n"
            "def test_other_errors_still_fail():\n"
            "    raise RuntimeError('not a skip')\n"
        )
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "airflow_provider_starrocks.testing.pytest_plugin"]
            + ["-p", "no:cacheprovider", "-rs", "-q", str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert "1 failed, 2 skipped" in out.stdout, out.stdout + out.stderr
        assert "fault injection needs the local emulator" in out.stdout
        assert "statement capture needs the local emulator" in out.stdout

    def test_rejects_other_schemes(self):
        from airflow_provider_starrocks.testing.external import ExternalStack

        with pytest.raises(ValueError, match="STARROCKS_TEST_URI must look like"):
            ExternalStack("mysql://root@127.0.0.1:9030/")
