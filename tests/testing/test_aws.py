"""
The AWS side of the local stack against moto in server mode with IAM enforced.

Where moto differs from AWS (and what the emulator does about it):

- AssumeRole on a role that does not exist succeeds in moto; the emulator refuses it (AccessDenied) itself.
- A missing ExternalId passes moto's ``StringEquals sts:ExternalId`` condition; the emulator refuses it for the roles
  of ``ROLES_REQUIRING_EXTERNAL_ID``. Airflow-side AssumeRole calls (``temporary`` mode) go straight to moto and
  keep moto's laxness.
- moto compares trust principals literally: the roles trusted by the cluster name both the instance role ARN (what
  AWS matches) and the instance session ARN (what moto matches); ``arn:aws:iam::<account>:root`` principals never
  match in moto (AWS: any principal of that account with the right identity policy).
- moto requires an identity policy allowing ``sts:AssumeRole`` for the caller (AWS does too within an account,
  except when the trust policy names the user/role ARN itself, which moto does not model).
- An unsigned request makes moto fail with HTTP 500; the emulator answers AccessDenied (S3) or
  MissingAuthenticationTokenException (Glue) without sending it, as AWS does for a private bucket or Glue.
- Glue authorization failures come back from moto as an XML body that botocore reports as code "403"; the
  emulator extracts the code and message.
- Bucket regions are not enforced by moto for S3 (any ``aws.s3.region`` reaches the bucket); Glue catalogs are
  per region as on AWS (the default ``us-east-1`` sees no ``sales_db``).
- Instance-profile credentials are an STS session of ``starrocks_instance_role`` (no EC2 metadata service).
"""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.testing.aws import (
    BUCKET,
    EXTERNAL_ID,
    EXTERNAL_ID_ROLE,
    GLUE_ASSUMED_ROLE,
    GLUE_DATABASE,
    REGION,
    S3_ASSUMED_ROLE,
    UNTRUSTED_ROLE,
    StorageAccessError,
    role_arn,
)
from airflow_provider_starrocks.testing.sample_data import sample_objects

SAMPLE_GLOB = f"s3://{BUCKET}/sample/*"
INSTANCE = {"aws.s3.use_instance_profile": "true"}


def loader_keys(aws, prefix="aws.s3"):
    key, secret = aws.users["loader"]
    return {f"{prefix}.access_key": key, f"{prefix}.secret_key": secret}


def nopolicy_keys(aws, prefix="aws.s3"):
    key, secret = aws.users["nopolicy"]
    return {f"{prefix}.access_key": key, f"{prefix}.secret_key": secret}


def session_token_props(aws, prefix="aws.s3", role=S3_ASSUMED_ROLE):
    sts = aws._client("sts", aws.users["loader"] + ("",))
    creds = sts.assume_role(RoleArn=role_arn(role), RoleSessionName="airflow")["Credentials"]
    return {
        f"{prefix}.access_key": creds["AccessKeyId"],
        f"{prefix}.secret_key": creds["SecretAccessKey"],
        f"{prefix}.session_token": creds["SessionToken"],
    }


@pytest.fixture
def aws(starrocks_aws):
    return starrocks_aws


S3_OK = [
    pytest.param(lambda a: INSTANCE, id="instance_profile"),
    pytest.param(lambda a: {"aws.s3.use_instance_profile": "TRUE"}, id="instance_profile_upper_case_true"),
    pytest.param(lambda a: {"aws.s3.use_aws_sdk_default_behavior": "true"}, id="sdk_default_chain"),
    pytest.param(lambda a: {**INSTANCE, "aws.s3.iam_role_arn": role_arn(S3_ASSUMED_ROLE)}, id="assumed_role"),
    pytest.param(
        lambda a: {**loader_keys(a), "aws.s3.iam_role_arn": role_arn(S3_ASSUMED_ROLE)},
        id="assumed_role_from_keys",
    ),
    pytest.param(
        lambda a: {
            **INSTANCE,
            "aws.s3.iam_role_arn": role_arn(EXTERNAL_ID_ROLE),
            "aws.s3.external_id": EXTERNAL_ID,
        },
        id="assumed_role_with_external_id",
    ),
    pytest.param(
        lambda a: {
            **INSTANCE,
            "aws.s3.iam_role_arn": role_arn(S3_ASSUMED_ROLE),
            "aws.s3.sts.region": REGION,
            "aws.s3.sts.endpoint": a.endpoint,
        },
        id="assumed_role_custom_sts_endpoint",
    ),
    pytest.param(loader_keys, id="iam_user"),
    pytest.param(
        lambda a: {**loader_keys(a), "aws.s3.use_instance_profile": "false"}, id="iam_user_flag_false"
    ),
    pytest.param(session_token_props, id="session_token"),
    pytest.param(
        lambda a: {
            **loader_keys(a),
            "aws.s3.endpoint": a.endpoint.removeprefix("http://"),
            "aws.s3.enable_ssl": "false",
            "aws.s3.enable_path_style_access": "true",
        },
        id="s3_compatible_endpoint",
    ),
]


@pytest.mark.parametrize("props", S3_OK)
def test_s3_credential_paths_succeed(aws, props):
    assert [key for key, _ in aws.list_objects(props(aws), SAMPLE_GLOB)] == [
        "sample/orders.csv",
        "sample/orders.json",
        "sample/orders.orc",
        "sample/orders.parquet",
    ]


ROLE_DENIED = "is not authorized to perform: sts:AssumeRole"
S3_FAIL = [
    pytest.param(
        lambda a: {
            **INSTANCE,
            "aws.s3.iam_role_arn": role_arn(EXTERNAL_ID_ROLE),
            "aws.s3.external_id": "wrong",
        },
        "AccessDenied",
        ROLE_DENIED,
        id="wrong_external_id",
    ),
    pytest.param(
        lambda a: {**INSTANCE, "aws.s3.iam_role_arn": role_arn(EXTERNAL_ID_ROLE)},
        "AccessDenied",
        ROLE_DENIED,
        id="missing_external_id",
    ),
    pytest.param(
        lambda a: {**INSTANCE, "aws.s3.iam_role_arn": role_arn(UNTRUSTED_ROLE)},
        "AccessDenied",
        ROLE_DENIED,
        id="untrusted_role",
    ),
    pytest.param(
        lambda a: {**INSTANCE, "aws.s3.iam_role_arn": role_arn("no_such_role")},
        "AccessDenied",
        ROLE_DENIED,
        id="nonexistent_role",
    ),
    pytest.param(
        lambda a: {**nopolicy_keys(a), "aws.s3.iam_role_arn": role_arn(S3_ASSUMED_ROLE)},
        "AccessDenied",
        ROLE_DENIED,
        id="caller_without_assume_policy",
    ),
    pytest.param(
        lambda a: {**INSTANCE, "aws.s3.iam_role_arn": role_arn(GLUE_ASSUMED_ROLE)},
        "AccessDenied",
        "Access Denied",
        id="role_without_s3_policy",
    ),
    pytest.param(
        lambda a: {**loader_keys(a), "aws.s3.secret_key": "not-the-secret"},
        "SignatureDoesNotMatch",
        "signature",
        id="wrong_secret",
    ),
    pytest.param(
        lambda a: {**loader_keys(a), "aws.s3.access_key": "AKIAIOSFODNN7EXAMPLE"},
        "InvalidAccessKeyId",
        "does not exist",
        id="unknown_access_key",
    ),
    pytest.param(nopolicy_keys, "AccessDenied", "Access Denied", id="user_without_policy"),
    pytest.param(
        lambda a: {"aws.s3.access_key": a.users["loader"][0]},
        "AccessDenied",
        "Access Denied",
        id="half_key_pair",
    ),
    pytest.param(
        lambda a: {"aws.s3.secret_key": a.users["loader"][1]},
        "AccessDenied",
        "Access Denied",
        id="secret_only",
    ),
    pytest.param(
        lambda a: {"aws.s3.use_instance_profile": "yes"},
        "AccessDenied",
        "Access Denied",
        id="non_java_boolean_is_false",
    ),
    pytest.param(
        lambda a: {"aws.s3.iam_role_arn": role_arn(S3_ASSUMED_ROLE)},
        "AccessDenied",
        "Access Denied",
        id="role_without_base_credentials",
    ),
    pytest.param(
        lambda a: {"aws.s3.use_web_identity_token_file": "true"},
        None,
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        id="web_identity_without_token_file",
    ),
    pytest.param(
        lambda a: {
            **INSTANCE,
            "aws.s3.iam_role_arn": role_arn(S3_ASSUMED_ROLE),
            "aws.s3.sts.endpoint": a.endpoint,
        },
        "IllegalArgumentException",
        "but no signing region was provided",
        id="sts_endpoint_without_region",
    ),
    pytest.param(
        lambda a: {
            **loader_keys(a),
            "aws.s3.endpoint": a.endpoint.removeprefix("http://"),
            "aws.s3.enable_path_style_access": "true",
        },
        None,
        "SSL",
        id="s3_compatible_without_enable_ssl_false",
    ),
]


@pytest.mark.parametrize(("props", "code", "text"), S3_FAIL)
def test_s3_credential_paths_fail_as_aws_would(aws, props, code, text):
    resolved = props(aws)
    with pytest.raises(StorageAccessError) as caught:
        aws.list_objects(resolved, SAMPLE_GLOB)
    assert caught.value.code == code
    assert text in caught.value.message
    for name, value in resolved.items():
        if name.endswith(("secret_key", "session_token")):
            assert value not in str(caught.value)


GLUE = {"aws.glue.region": REGION}
GLUE_OK = [
    pytest.param(lambda a: {**GLUE, "aws.glue.use_instance_profile": "true"}, id="instance_profile"),
    pytest.param(
        lambda a: {
            **GLUE,
            "aws.glue.use_instance_profile": "true",
            "aws.glue.iam_role_arn": role_arn(GLUE_ASSUMED_ROLE),
        },
        id="assumed_role",
    ),
    pytest.param(
        lambda a: {
            **GLUE,
            "aws.glue.use_instance_profile": "true",
            "aws.glue.sts.endpoint": a.endpoint,
            "aws.glue.iam_role_arn": role_arn(GLUE_ASSUMED_ROLE),
        },
        id="sts_endpoint_without_region_is_fine_for_glue",
    ),
    pytest.param(lambda a: {**GLUE, **loader_keys(a, "aws.glue")}, id="iam_user"),
    pytest.param(
        lambda a: {**GLUE, **session_token_props(a, "aws.glue", GLUE_ASSUMED_ROLE)}, id="session_token"
    ),
]


@pytest.mark.parametrize("props", GLUE_OK)
def test_glue_credential_paths_succeed(aws, props):
    from airflow_provider_starrocks.testing.aws import call_aws

    databases = call_aws(aws.glue_client(props(aws)).get_databases)["DatabaseList"]
    assert [db["Name"] for db in databases] == [GLUE_DATABASE]


GLUE_FAIL = [
    pytest.param(
        lambda a: {**GLUE, **nopolicy_keys(a, "aws.glue")}, "AccessDenied", id="user_without_policy"
    ),
    pytest.param(
        lambda a: {
            **GLUE,
            "aws.glue.use_instance_profile": "true",
            "aws.glue.iam_role_arn": role_arn(S3_ASSUMED_ROLE),
        },
        "AccessDenied",
        id="role_without_glue_policy",
    ),
    pytest.param(
        lambda a: {**GLUE, **loader_keys(a, "aws.glue"), "aws.glue.secret_key": "wrong"},
        "SignatureDoesNotMatch",
        id="wrong_secret",
    ),
    pytest.param(
        lambda a: {**GLUE, "aws.glue.access_key": a.users["loader"][0]},
        "MissingAuthenticationTokenException",
        id="half_key_pair",
    ),
    pytest.param(
        lambda a: {
            **GLUE,
            "aws.glue.use_instance_profile": "true",
            "aws.glue.iam_role_arn": role_arn(UNTRUSTED_ROLE),
        },
        "AccessDenied",
        id="untrusted_role",
    ),
]


@pytest.mark.parametrize(("props", "code"), GLUE_FAIL)
def test_glue_credential_paths_fail(aws, props, code):
    from airflow_provider_starrocks.testing.aws import call_aws

    with pytest.raises(StorageAccessError) as caught:
        call_aws(aws.glue_client(props(aws)).get_databases)
    assert caught.value.code == code


def test_glue_default_region_sees_no_catalog(aws):
    from airflow_provider_starrocks.testing.aws import call_aws

    client = aws.glue_client({"aws.glue.use_instance_profile": "true"})
    assert call_aws(client.get_databases)["DatabaseList"] == []


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        pytest.param(f"s3://{BUCKET}/daily/*/part-0.parquet", 3, id="star_per_component"),
        pytest.param(f"s3a://{BUCKET}/daily/2024-01-0[12]/*", 2, id="s3a_char_class"),
        pytest.param(f"s3://{BUCKET}/daily/2024-01-0[^1]/*", 2, id="negated_class"),
        pytest.param(f"s3://{BUCKET}/daily/2024-01-0?/part-0.parquet", 3, id="question_mark"),
        pytest.param(f"s3://{BUCKET}/sample/orders.{{csv,json}}", 2, id="alternation"),
        pytest.param(f"s3://{BUCKET}/daily/", 3, id="directory"),
        pytest.param(f"s3://{BUCKET}/*", 0, id="star_does_not_cross_slash"),
        pytest.param(f"s3://{BUCKET}/sample/orders.parquet", 1, id="exact_key"),
        pytest.param(f"s3://{BUCKET}/sample/orders.parq", 0, id="prefix_is_not_a_match"),
        pytest.param(f"s3://{BUCKET}/nothing/*", 0, id="no_match"),
    ],
)
def test_list_objects_expands_globs(aws, uri, expected):
    found = aws.list_objects(INSTANCE, uri)
    assert len(found) == expected
    assert all(size > 0 for _, size in found)


def test_read_object_returns_the_sample_bytes(aws):
    assert (
        aws.read_object(INSTANCE, f"s3a://{BUCKET}/sample/orders.csv")
        == sample_objects()["sample/orders.csv"]
    )


def test_read_missing_object_is_no_such_key(aws):
    with pytest.raises(StorageAccessError) as caught:
        aws.read_object(INSTANCE, f"s3://{BUCKET}/sample/missing.csv")
    assert caught.value.code == "NoSuchKey"


def test_read_object_needs_rights(aws):
    with pytest.raises(StorageAccessError) as caught:
        aws.read_object(nopolicy_keys(aws), f"s3://{BUCKET}/sample/orders.csv")
    assert caught.value.code == "AccessDenied"


def test_reset_restores_bucket_and_refreshes_instance_credentials(aws):
    admin = aws._client("s3", aws.users["stack_admin"] + ("",))
    initial = aws.list_objects(INSTANCE, f"s3://{BUCKET}/")
    before = aws.instance_credentials
    admin.put_object(Bucket=BUCKET, Key="sample/extra.csv", Body=b"x")
    admin.put_object(Bucket=BUCKET, Key="sample/orders.csv", Body=b"changed")
    admin.delete_object(Bucket=BUCKET, Key="sample/orders.json")

    aws.reset()

    assert aws.list_objects(INSTANCE, f"s3://{BUCKET}/") == initial
    assert (
        aws.read_object(INSTANCE, f"s3://{BUCKET}/sample/orders.csv") == sample_objects()["sample/orders.csv"]
    )
    assert aws.instance_credentials != before


def test_full_reset_rebootstraps_with_new_keys(aws):
    old_loader = aws.users["loader"]
    aws.reset(full=True)
    assert aws.users["loader"] != old_loader
    with pytest.raises(StorageAccessError):
        aws.list_objects(
            {"aws.s3.access_key": old_loader[0], "aws.s3.secret_key": old_loader[1]}, SAMPLE_GLOB
        )
    assert len(aws.list_objects(loader_keys(aws), SAMPLE_GLOB)) == 4


def test_second_emulator_in_one_process_is_refused(aws):
    from airflow_provider_starrocks.testing.aws import AwsEmulator

    with pytest.raises(RuntimeError, match="already running"):
        AwsEmulator(objects={}).start()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("true", True, id="true"),
        pytest.param("TRUE", True, id="upper_case"),
        pytest.param("True", True, id="capitalised"),
        pytest.param(" true", False, id="not_trimmed"),
        pytest.param("1", False, id="one"),
        pytest.param("yes", False, id="yes"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="absent"),
    ],
)
def test_booleans_follow_java_parse_boolean(value, expected):
    from airflow_provider_starrocks.testing.aws_credentials import parse_bool

    assert parse_bool(value) is expected


def test_plugin_import_is_cheap():
    import subprocess
    import sys

    code = (
        "import sys, airflow_provider_starrocks.testing.pytest_plugin;"
        "print(sorted(m for m in ('boto3', 'botocore', 'moto', 'pyarrow', 'mysql_mimic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
