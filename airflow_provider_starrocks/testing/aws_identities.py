"""Names, policies and bootstrap of the emulated AWS account (IAM users and roles, bucket, Glue catalog)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.sample_data import sample_objects

if TYPE_CHECKING:
    from collections.abc import Callable

ACCOUNT_ID = "123456789012"
REGION = "us-west-2"
BUCKET = "starrocks-test"
GLUE_DATABASE = "sales_db"
GLUE_TABLE = "orders"
GLUE_TABLE_LOCATION = f"s3://{BUCKET}/daily/"

USER_LOADER = "loader"
USER_NO_POLICY = "nopolicy"
#: May read and write the whole bucket: the identity for INSERT INTO FILES() unloads.
USER_WRITER = "writer"
#: Internal identities of the stack itself: the "instance metadata service" that hands the emulated cluster its
#: instance-profile credentials, and an administrator used by reset().
USER_INSTANCE_METADATA = "instance_metadata"
USER_ADMIN = "stack_admin"

INSTANCE_ROLE = "starrocks_instance_role"
S3_ASSUMED_ROLE = "s3_assumed_role"
GLUE_ASSUMED_ROLE = "glue_assumed_role"
EXTERNAL_ID_ROLE = "external_id_role"
UNTRUSTED_ROLE = "untrusted_role"
AIRFLOW_ROLE = "airflow_role"
S3_WRITE_ROLE = "s3_write_role"
#: The prefix the cluster's instance role may write to (unloads with the instance profile).
UNLOAD_PREFIX = "unload/"
EXTERNAL_ID = "sr-external-id"
#: Session name of the instance-profile credentials, like the EC2 instance id AWS uses for it.
INSTANCE_SESSION_NAME = "i-0a1b2c3d4e5f60718"
#: An account we do not own: the only principal `untrusted_role` trusts.
FOREIGN_ACCOUNT_ID = "210987654321"


def role_arn(name: str) -> str:
    """
    Return the ARN of a role of the emulated account.

    :param name: role name.
    """
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"


def user_arn(name: str) -> str:
    """
    Return the ARN of an IAM user of the emulated account.

    :param name: user name.
    """
    return f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"


INSTANCE_SESSION_ARN = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{INSTANCE_ROLE}/{INSTANCE_SESSION_NAME}"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


S3_READ_POLICY = _policy(
    {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"],
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    }
)
#: What INSERT INTO FILES() needs on top of S3 read: PutObject (single-part uploads) and the multipart calls
#: (be/src/io/s3_output_stream.cpp: CreateMultipartUpload / UploadPart / CompleteMultipartUpload) and
#: DeleteObject (the sink's rollback of the files a failed unload wrote).
_S3_WRITE_ACTIONS = [
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
]
S3_WRITE_POLICY = _policy(
    {"Effect": "Allow", "Action": _S3_WRITE_ACTIONS, "Resource": [f"arn:aws:s3:::{BUCKET}/*"]}
)
S3_WRITE_UNLOAD_PREFIX_POLICY = _policy(
    {"Effect": "Allow", "Action": _S3_WRITE_ACTIONS, "Resource": [f"arn:aws:s3:::{BUCKET}/{UNLOAD_PREFIX}*"]}
)
GLUE_READ_POLICY = _policy(
    {"Effect": "Allow", "Action": ["glue:Get*", "glue:List*", "glue:SearchTables"], "Resource": "*"}
)
# moto (unlike AWS) also wants an identity policy allowing sts:AssumeRole; scoping it to every role of the account
# keeps "untrusted" failures about trust, not about the caller's own rights.
ASSUME_ANY_ROLE_POLICY = _policy(
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/*"}
)
ADMIN_POLICY = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


def _trust(principals: list[str], condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return _policy(statement)


# The instance session ARN sits next to the role ARN because moto compares the caller's session ARN literally;
# AWS accepts both forms as principals.
_FROM_CLUSTER_AND_LOADER = [role_arn(INSTANCE_ROLE), INSTANCE_SESSION_ARN, user_arn(USER_LOADER)]
EXTERNAL_ID_CONDITION = {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}

#: role name -> (trust policy, identity policies)
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    INSTANCE_ROLE: (
        _trust([user_arn(USER_INSTANCE_METADATA)]),
        (S3_READ_POLICY, GLUE_READ_POLICY, ASSUME_ANY_ROLE_POLICY, S3_WRITE_UNLOAD_PREFIX_POLICY),
    ),
    S3_ASSUMED_ROLE: (_trust(_FROM_CLUSTER_AND_LOADER), (S3_READ_POLICY,)),
    GLUE_ASSUMED_ROLE: (_trust(_FROM_CLUSTER_AND_LOADER), (GLUE_READ_POLICY,)),
    EXTERNAL_ID_ROLE: (_trust(_FROM_CLUSTER_AND_LOADER, EXTERNAL_ID_CONDITION), (S3_READ_POLICY,)),
    UNTRUSTED_ROLE: (_trust([f"arn:aws:iam::{FOREIGN_ACCOUNT_ID}:root"]), (S3_READ_POLICY,)),
    AIRFLOW_ROLE: (_trust([user_arn(USER_LOADER)]), (S3_READ_POLICY,)),
    S3_WRITE_ROLE: (_trust(_FROM_CLUSTER_AND_LOADER), (S3_READ_POLICY, S3_WRITE_POLICY)),
}
#: Roles whose trust policy requires an ExternalId (checked by the emulator because moto lets a missing one pass).
ROLES_REQUIRING_EXTERNAL_ID: dict[str, str] = {EXTERNAL_ID_ROLE: EXTERNAL_ID}

#: user name -> identity policies
USERS: dict[str, tuple[str, ...]] = {
    USER_LOADER: (S3_READ_POLICY, GLUE_READ_POLICY, ASSUME_ANY_ROLE_POLICY),
    USER_NO_POLICY: (),
    USER_WRITER: (S3_READ_POLICY, S3_WRITE_POLICY),
    USER_INSTANCE_METADATA: (
        _policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn(INSTANCE_ROLE)}),
    ),
    USER_ADMIN: (ADMIN_POLICY,),
}

_GLUE_COLUMNS = [
    {"Name": "id", "Type": "bigint"},
    {"Name": "name", "Type": "string"},
    {"Name": "amount", "Type": "double"},
    {"Name": "dt", "Type": "date"},
]


def bootstrap(
    client: Callable[[str], Any], objects: dict[str, bytes] | None = None
) -> dict[str, tuple[str, str]]:
    """
    Create the account's users, roles, bucket, objects and Glue catalog; moto must not enforce IAM yet.

    :param client: factory returning a boto3 client for a service name.
    :param objects: bucket content (default: :func:`sample_objects`).
    :return: ``{user name: (access key id, secret access key)}``.
    """
    iam = client("iam")
    users: dict[str, tuple[str, str]] = {}
    for name, policies in USERS.items():
        iam.create_user(UserName=name)
        for index, document in enumerate(policies):
            iam.put_user_policy(UserName=name, PolicyName=f"{name}-{index}", PolicyDocument=document)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        users[name] = (key["AccessKeyId"], key["SecretAccessKey"])
    for name, (trust, policies) in ROLES.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        for index, document in enumerate(policies):
            iam.put_role_policy(RoleName=name, PolicyName=f"{name}-{index}", PolicyDocument=document)

    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key, body in (sample_objects() if objects is None else objects).items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    glue = client("glue")
    glue.create_database(DatabaseInput={"Name": GLUE_DATABASE})
    glue.create_table(
        DatabaseName=GLUE_DATABASE,
        TableInput={
            "Name": GLUE_TABLE,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "StorageDescriptor": {
                "Columns": _GLUE_COLUMNS,
                "Location": GLUE_TABLE_LOCATION,
                "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                },
            },
        },
    )
    return users
