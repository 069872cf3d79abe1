"""AWS connections as the Airflow UI saves them: empty optional extras arrive as null or ""."""

from __future__ import annotations

import json

import pytest
from airflow.providers.common.compat.sdk import Connection

from airflow_provider_starrocks.utils.aws_auth import build_aws_properties

# What an empty optional field of the form leaves in the extra JSON.
_EMPTY_FIELDS = {
    "role_arn": None,
    "aws_session_token": None,
    "assume_role_method": None,
    "assume_role_kwargs": None,
    "endpoint_url": "",
    "botocore_config": None,
    "config_kwargs": None,
    "service_config": None,
    "profile_name": "",
    "aws_access_key_id": None,
    "aws_secret_access_key": "",
}


def _with_empty_fields(conn_json: str, conn_id: str, **overrides) -> Connection:
    fields = json.loads(conn_json)
    extra = fields.pop("extra")
    extra = {**_EMPTY_FIELDS, **{k: v for k, v in extra.items() if v is not None}, **overrides}
    return Connection(conn_id=conn_id, extra=json.dumps(extra), **fields)


@pytest.mark.parametrize(
    ("conn_id", "mode", "glob"),
    [
        pytest.param("aws_iam_user", "iam_user", "s3://starrocks-test/sample/*.csv", id="iam_user"),
        pytest.param(
            "aws_assumed_role", "assumed_role", "s3://starrocks-test/sample/*.csv", id="assumed_role"
        ),
        pytest.param("aws_external_id", "assumed_role", "s3://starrocks-test/sample/*.csv", id="external_id"),
        pytest.param(
            "aws_instance_profile",
            "instance_profile",
            "s3://starrocks-test/sample/*.csv",
            id="instance_profile",
        ),
    ],
)
def test_form_saved_aws_connection_reads_s3(starrocks, monkeypatch, conn_id, mode, glob):
    """The same properties as the connection without the empty fields, and StarRocks can read S3 with them."""
    original = starrocks.airflow_connections()[conn_id]
    expected = build_aws_properties(conn_id)
    conn = _with_empty_fields(original, "form_conn")
    monkeypatch.setenv("AIRFLOW_CONN_FORM_CONN", conn.as_json())
    props = build_aws_properties("form_conn")
    assert props.mode == mode
    assert dict(props) == dict(expected)
    assert [key for key, _ in starrocks.aws.list_objects(props, glob)] == ["sample/orders.csv"]


def test_empty_region_falls_back_to_the_region_argument(starrocks, monkeypatch):
    conn = _with_empty_fields(starrocks.airflow_connections()["aws_iam_user"], "form_conn", region_name="")
    monkeypatch.setenv("AIRFLOW_CONN_FORM_CONN", conn.as_json())
    assert build_aws_properties("form_conn", region="us-west-2")["aws.s3.region"] == "us-west-2"
    with pytest.raises(ValueError, match=r"extra.region_name: no region for AWS s3"):
        build_aws_properties("form_conn")


def test_form_saved_temporary_connection(starrocks, monkeypatch):
    """Airflow itself resolves the credentials in temporary mode: its hook must see the same cleaned extras."""
    conn = _with_empty_fields(starrocks.airflow_connections()["aws_temporary"], "form_conn")
    monkeypatch.setenv("AIRFLOW_CONN_FORM_CONN", conn.as_json())
    props = build_aws_properties("form_conn", credential_mode="temporary")
    assert props.mode == "temporary"
    assert "aws.s3.session_token" in props
    assert [key for key, _ in starrocks.aws.list_objects(props, "s3://starrocks-test/sample/*.csv")] == [
        "sample/orders.csv"
    ]
