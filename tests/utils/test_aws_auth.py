"""build_aws_properties: the truth table (tests/data/aws_auth_truth_table.json), masking and the result object."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_starrocks.utils.aws_auth import (
    CREDENTIAL_MODES,
    AwsAuthConfigError,
    build_aws_properties,
    check_no_auth_keys,
)

TRUTH_TABLE = json.loads((Path(__file__).parents[1] / "data" / "aws_auth_truth_table.json").read_text())[
    "rows"
]
ROW_CONN_ID = "aws_row"
FAKE_VALUES = {
    "{loader_key}": "AKIAFAKELOADER000001",
    "{loader_secret}": "fake/loader+secret/00000000000000000000000",
    "{nopolicy_key}": "AKIAFAKENOPOLICY0001",
    "{nopolicy_secret}": "fake/nopolicy+secret/000000000000000000000",
    "{temp_key}": "ASIAFAKETEMPORARY001",
    "{temp_secret}": "fake/temporary+secret/00000000000000000000",
    "{temp_token}": "FwoGZXIvYXdzEFakeSessionToken0000000000000000000000",
    "{s3_endpoint}": "http://127.0.0.1:9000",
}


def substitute(value: Any, values: dict[str, str]) -> Any:
    """Replace the truth table's ``{placeholders}`` everywhere in a JSON value."""
    if isinstance(value, str):
        for placeholder, real in values.items():
            value = value.replace(placeholder, real)
        return value
    if isinstance(value, dict):
        return {k: substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, values) for v in value]
    return value


def set_row_connection(monkeypatch: pytest.MonkeyPatch, row: dict[str, Any], values: dict[str, str]) -> None:
    """Define the row's connection as ``AIRFLOW_CONN_AWS_ROW`` (or make sure it does not exist)."""
    monkeypatch.delenv(f"AIRFLOW_CONN_{ROW_CONN_ID.upper()}", raising=False)
    if "connection" in row:
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{ROW_CONN_ID.upper()}", json.dumps(substitute(row["connection"], values))
        )


def truth_table_params(*, properties_only: bool = False) -> list[Any]:
    return [
        pytest.param(row, id=row["id"]) for row in TRUTH_TABLE if not properties_only or "properties" in row
    ]


@pytest.mark.parametrize("row", truth_table_params())
def test_truth_table(monkeypatch: pytest.MonkeyPatch, row: dict[str, Any]) -> None:
    set_row_connection(monkeypatch, row, FAKE_VALUES)
    if "error" in row:
        with pytest.raises(AwsAuthConfigError) as raised:
            build_aws_properties(**row["call"])
        assert str(raised.value) == substitute(row["error"], FAKE_VALUES)
        for secret in FAKE_VALUES.values():
            assert secret not in str(raised.value)
        return
    result = build_aws_properties(**row["call"])
    assert dict(result) == substitute(row["properties"], FAKE_VALUES)
    assert list(result) == list(substitute(row["properties"], FAKE_VALUES)), "key order"
    assert result.mode == row["mode"]


def test_truth_table_covers_every_explicit_mode() -> None:
    explicit = {row["call"].get("credential_mode", "auto") for row in TRUTH_TABLE}
    assert set(CREDENTIAL_MODES) <= explicit


@pytest.mark.parametrize(
    "row_id",
    [
        pytest.param("s3_iam_user", id="iam_user"),
        pytest.param("session_token", id="session_token"),
        pytest.param("keys_plus_role", id="keys_plus_role"),
    ],
)
def test_secrets_are_masked_and_redacted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, row_id: str
) -> None:
    from airflow.providers.common.compat.sdk import redact

    row = next(r for r in TRUTH_TABLE if r["id"] == row_id)
    set_row_connection(monkeypatch, row, FAKE_VALUES)
    with caplog.at_level(logging.DEBUG):
        result = build_aws_properties(**row["call"])
    secrets = [v for k, v in result.items() if k in result.secret_keys]
    assert {k.rsplit(".", 1)[-1] for k in result.secret_keys} <= {"access_key", "secret_key", "session_token"}
    assert "aws.s3.access_key" in result.secret_keys
    for secret in secrets:
        assert secret not in redact(f"value={secret}"), "registered with the masker"
        assert secret not in repr(result)
        assert secret not in str(result)
        assert secret not in json.dumps(result.redacted())
        assert secret not in caplog.text
    assert "***" in repr(result)
    assert f"credential_mode={result.mode}" in caplog.text


def test_result_is_read_only_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    result = build_aws_properties(None, region="us-west-2")
    assert dict(result) == {"aws.s3.use_instance_profile": "true", "aws.s3.region": "us-west-2"}
    assert type(dict(result)) is dict
    with pytest.raises(TypeError):
        result["aws.s3.region"] = "eu-west-1"  # type: ignore[index]
    assert result.secret_keys == frozenset()
    assert result.redacted() == dict(result)
    copied = copy.deepcopy(result)
    assert (dict(copied), copied.mode, copied.secret_keys) == (dict(result), result.mode, result.secret_keys)


def test_assumed_role_logs_who_assumes_the_role(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    row = next(r for r in TRUTH_TABLE if r["id"] == "s3_assumed_role")
    set_row_connection(monkeypatch, row, FAKE_VALUES)
    with caplog.at_level(logging.INFO, logger="airflow_provider_starrocks.utils.aws_auth"):
        build_aws_properties(**row["call"])
    assert "its own node (instance) role" in caplog.text
    assert "not Airflow's role" in caplog.text


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        pytest.param({"format": "parquet"}, None, id="unrelated"),
        pytest.param({"aws.s3.connection.maximum": "10"}, None, id="other_aws_key"),
        pytest.param(None, None, id="none"),
        pytest.param({"aws.s3.access_key": "x"}, "'aws.s3.access_key'", id="access_key"),
        pytest.param({"AWS.S3.Region": "x"}, "'AWS.S3.Region'", id="case_insensitive"),
        pytest.param({"aws.glue.iam_role_arn": "x"}, "'aws.glue.iam_role_arn'", id="glue_role"),
        pytest.param({"aws.s3.sts.endpoint": "x"}, "'aws.s3.sts.endpoint'", id="sts_endpoint"),
        pytest.param({" aws.s3.endpoint": "x"}, "' aws.s3.endpoint'", id="padded"),
    ],
)
def test_check_no_auth_keys(properties: dict[str, str] | None, expected: str | None) -> None:
    if expected is None:
        check_no_auth_keys(properties, "properties")
        return
    with pytest.raises(AwsAuthConfigError) as raised:
        check_no_auth_keys(properties, "extra_properties")
    assert str(raised.value) == (
        f"extra_properties sets {expected}, which is derived from the AWS connection: remove it and configure "
        "the connection (or credential_mode, region, enable_path_style_access) instead."
    )


# -- against the local stack: moto with IAM enforced, credentials resolved as the StarRocks FE does ---------------


@pytest.fixture
def stack_values(starrocks_aws: Any) -> dict[str, str]:
    """The truth table's placeholders as the local stack's identities (temporary keys: loader assumes airflow_role)."""
    import boto3

    from airflow_provider_starrocks.testing.aws import (
        AIRFLOW_ROLE,
        REGION,
        USER_LOADER,
        USER_NO_POLICY,
        role_arn,
    )

    loader_key, loader_secret = starrocks_aws.users[USER_LOADER]
    nopolicy_key, nopolicy_secret = starrocks_aws.users[USER_NO_POLICY]
    sts = boto3.client(
        "sts",
        endpoint_url=starrocks_aws.endpoint,
        region_name=REGION,
        aws_access_key_id=loader_key,
        aws_secret_access_key=loader_secret,
    )
    temporary = sts.assume_role(RoleArn=role_arn(AIRFLOW_ROLE), RoleSessionName="truth-table")["Credentials"]
    return {
        "{loader_key}": loader_key,
        "{loader_secret}": loader_secret,
        "{nopolicy_key}": nopolicy_key,
        "{nopolicy_secret}": nopolicy_secret,
        "{temp_key}": temporary["AccessKeyId"],
        "{temp_secret}": temporary["SecretAccessKey"],
        "{temp_token}": temporary["SessionToken"],
        "{s3_endpoint}": starrocks_aws.endpoint,
    }


def read_as_starrocks(aws: Any, props: Any, service: str) -> str:
    """Reach the sample object (S3) or the sample table (Glue) as StarRocks would; return "ok" or the error."""
    from airflow_provider_starrocks.testing.aws import GLUE_DATABASE, GLUE_TABLE, StorageAccessError, call_aws

    try:
        if service == "glue":
            call_aws(aws.glue_client(props).get_table, DatabaseName=GLUE_DATABASE, Name=GLUE_TABLE)
        else:
            assert aws.read_object(props, "s3://starrocks-test/sample/orders.parquet")[:4] == b"PAR1"
    except StorageAccessError as error:
        return f"{error.code}: {error.message}"
    return "ok"


@pytest.mark.parametrize("row", truth_table_params(properties_only=True))
def test_truth_table_against_the_local_stack(
    monkeypatch: pytest.MonkeyPatch, starrocks_aws: Any, stack_values: dict[str, str], row: dict[str, Any]
) -> None:
    set_row_connection(monkeypatch, row, stack_values)
    result = build_aws_properties(**row["call"])
    assert dict(result) == substitute(row["properties"], stack_values)
    outcome = read_as_starrocks(starrocks_aws, result, row["call"].get("service", "s3"))
    expected = row["stack"]
    if expected == "ok":
        assert outcome == "ok"
    elif expected.startswith("error:"):
        assert expected[len("error:") :] in outcome
    else:
        assert outcome.startswith(f"{expected}: ")


@pytest.fixture
def airflow_on_moto(starrocks_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Send Airflow's own boto3 to the stack's moto and define ``aws_temporary`` as the stack does."""
    from airflow_provider_starrocks.testing.aws import AIRFLOW_ROLE, REGION, USER_LOADER, role_arn

    for name, value in starrocks_aws.env().items():
        monkeypatch.setenv(name, value)
    key, secret = starrocks_aws.users[USER_LOADER]
    extra = {"region_name": REGION, "role_arn": role_arn(AIRFLOW_ROLE)}
    connection = {"conn_type": "aws", "login": key, "password": secret, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_TEMPORARY", json.dumps(connection))
    return starrocks_aws


def test_temporary_mode_assumes_airflow_role_on_the_stack(
    airflow_on_moto: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from airflow.providers.common.compat.sdk import redact

    from airflow_provider_starrocks.testing.aws import USER_LOADER

    # INFO, not DEBUG: botocore's own DEBUG output prints STS response bodies whatever the caller does.
    with caplog.at_level(logging.INFO):
        result = build_aws_properties("aws_temporary", credential_mode="temporary")
    assert list(result) == [
        "aws.s3.use_instance_profile",
        "aws.s3.access_key",
        "aws.s3.secret_key",
        "aws.s3.session_token",
        "aws.s3.region",
    ]
    assert result.mode == "temporary"
    assert result["aws.s3.access_key"] != airflow_on_moto.users[USER_LOADER][0], (
        "airflow_role's, not loader's"
    )
    assert read_as_starrocks(airflow_on_moto, result, "s3") == "ok"
    for key in result.secret_keys:
        assert result[key] not in redact(f"value={result[key]}")
        assert result[key] not in caplog.text
        assert result[key] not in repr(result)


def test_temporary_mode_reports_a_refused_assume_role(
    airflow_on_moto: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_starrocks.testing.aws import AIRFLOW_ROLE, USER_NO_POLICY, role_arn

    key, secret = airflow_on_moto.users[USER_NO_POLICY]
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{ROW_CONN_ID.upper()}",
        json.dumps(
            {
                "conn_type": "aws",
                "login": key,
                "password": secret,
                "extra": {"region_name": "us-west-2", "role_arn": role_arn(AIRFLOW_ROLE)},
            }
        ),
    )
    with pytest.raises(AwsAuthConfigError) as raised:
        build_aws_properties(ROW_CONN_ID, credential_mode="temporary")
    message = str(raised.value)
    assert message.startswith("AWS connection 'aws_row', credentials: Airflow could not resolve them (")
    assert "AccessDenied" in message
    assert key not in message
    assert secret not in message


S3_PROPERTY_ROWS = [
    pytest.param(row, id=row["id"])
    for row in TRUTH_TABLE
    if "properties" in row and row["call"].get("service", "s3") == "s3"
]
ORDERS_COLUMNS = [("id", "BIGINT"), ("name", "VARCHAR(100)"), ("amount", "DOUBLE"), ("dt", "DATE")]


@pytest.mark.parametrize("row", S3_PROPERTY_ROWS)
def test_truth_table_through_sql_on_the_local_stack(
    monkeypatch: pytest.MonkeyPatch, starrocks: Any, stack_values: dict[str, str], row: dict[str, Any]
) -> None:
    """The same rows as file external tables: real SQL, read by the FE emulator with IAM enforced."""
    import pymysql

    from airflow_provider_starrocks.utils.statements import catalogs

    set_row_connection(monkeypatch, row, stack_values)
    call = {**row["call"], "purpose": "table"}
    if "aws.s3.session_token" in row["properties"]:
        with pytest.raises(AwsAuthConfigError, match="would expire under a stored table"):
            build_aws_properties(**call)
        return
    result = build_aws_properties(**call)
    create = catalogs.create_file_external_table(
        "auth_db",
        "orders",
        ORDERS_COLUMNS,
        {"path": "s3://starrocks-test/sample/orders.parquet", "format": "parquet", **result},
        result.secret_keys,
    )
    for secret in (result[k] for k in result.secret_keys):
        assert secret not in create.redacted
    connection = pymysql.connect(
        host=starrocks.fe_host,
        port=starrocks.fe_port,
        user=starrocks.user,
        password=starrocks.password,
        ssl_disabled=True,
    )
    try:
        cursor = connection.cursor()
        cursor.execute("CREATE DATABASE auth_db")
        cursor.execute(create.sql)
        try:
            cursor.execute(catalogs.select_one_row("auth_db", "orders").sql)
            outcome = "ok" if cursor.fetchall()[0][0] == 1 else "wrong row"
        except pymysql.MySQLError as error:
            outcome = str(error.args[-1])
    finally:
        connection.close()
    expected = row["stack"]
    if expected == "ok":
        assert outcome == "ok"
    elif expected.startswith("error:"):
        assert expected[len("error:") :] in outcome
    else:
        assert outcome.startswith(f"Access storage error. Error code: {expected}. ")
