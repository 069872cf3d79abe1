"""
Read ``aws.s3.*`` / ``aws.glue.*`` properties the way the StarRocks FE does.

Mirrors ``fe/fe-core/src/main/java/com/starrocks/credential/aws/AwsCloudConfigurationProvider.java`` and
``AwsCloudCredential.java`` (StarRocks/starrocks): every key optional, strings default to ``""``, booleans through
Java's ``Boolean.parseBoolean``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.aws_errors import StorageAccessError, call_aws
from airflow_provider_starrocks.testing.aws_identities import ROLES, ROLES_REQUIRING_EXTERNAL_ID, role_arn

if TYPE_CHECKING:
    from collections.abc import Mapping


def parse_bool(value: str | None) -> bool:
    """
    Return Java ``Boolean.parseBoolean(value)``: true only for ``"true"`` in any case, no trimming.

    :param value: the property value, or None when absent.
    """
    return value is not None and value.lower() == "true"


@dataclasses.dataclass(frozen=True)
class AwsCredentialProperties:
    """The credential-related properties of one prefix (``aws.s3`` or ``aws.glue``), as the FE reads them."""

    use_aws_sdk_default_behavior: bool = False
    use_instance_profile: bool = False
    use_web_identity_token_file: bool = False
    access_key: str = ""
    secret_key: str = dataclasses.field(default="", repr=False)
    session_token: str = dataclasses.field(default="", repr=False)
    iam_role_arn: str = ""
    external_id: str = ""
    sts_region: str = ""
    sts_endpoint: str = ""
    region: str = ""
    endpoint: str = ""
    enable_ssl: bool = True
    enable_path_style_access: bool = False

    @classmethod
    def from_properties(cls, props: Mapping[str, str], prefix: str) -> AwsCredentialProperties:
        """
        Read the properties under ``prefix``.

        :param props: statement properties (``aws.s3.access_key`` etc.).
        :param prefix: ``aws.s3`` or ``aws.glue``.
        """

        def text(name: str) -> str:
            return props.get(f"{prefix}.{name}", "")

        ssl = props.get(f"{prefix}.enable_ssl")
        return cls(
            use_aws_sdk_default_behavior=parse_bool(props.get(f"{prefix}.use_aws_sdk_default_behavior")),
            use_instance_profile=parse_bool(props.get(f"{prefix}.use_instance_profile")),
            use_web_identity_token_file=parse_bool(props.get(f"{prefix}.use_web_identity_token_file")),
            access_key=text("access_key"),
            secret_key=text("secret_key"),
            session_token=text("session_token"),
            iam_role_arn=text("iam_role_arn"),
            external_id=text("external_id"),
            sts_region=text("sts.region"),
            sts_endpoint=text("sts.endpoint"),
            region=text("region"),
            endpoint=text("endpoint"),
            # enable_ssl defaults to true, so here only an explicit non-"true" value turns it off.
            enable_ssl=True if ssl is None else parse_bool(ssl),
            enable_path_style_access=parse_bool(props.get(f"{prefix}.enable_path_style_access")),
        )

    def validate(self) -> bool:
        """Return ``AwsCloudCredential.validate()``: a ``use_*`` switch or both keys; otherwise the FE drops them."""
        return (
            self.use_aws_sdk_default_behavior
            or self.use_instance_profile
            or self.use_web_identity_token_file
            or bool(self.access_key and self.secret_key)
        )

    def base_source(self) -> str:
        """Name the base credential source in the FE's order: sdk_default, instance_profile, web_identity, keys, none."""
        if self.use_aws_sdk_default_behavior:
            return "sdk_default"
        if self.use_instance_profile:
            return "instance_profile"
        if self.use_web_identity_token_file:
            return "web_identity"
        if self.access_key and self.secret_key:
            return "keys"
        return "none"


def ensure_scheme(endpoint: str, *, ssl: bool = True) -> str:
    """
    Return ``endpoint`` with a scheme (``https://`` unless ``ssl`` is false), as ``AwsCredentialUtil.ensureSchemeInEndpoint``.

    :param endpoint: host[:port] or URL.
    :param ssl: scheme to add when none is present.
    """
    if "://" in endpoint:
        return endpoint
    return f"{'https' if ssl else 'http'}://{endpoint}"


Credentials = tuple[str, str, str]  # access key, secret key, session token ("" when none)
#: Builds an STS client: (base credentials, endpoint or None for moto, signing region) -> boto3 client.
StsFactory = Callable[[Credentials, "str | None", str], Any]
_WEB_IDENTITY_MISSING = (
    "Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE or the javaproperty aws.webIdentityTokenFile "
    "must be set."
)


def resolve_credentials(
    props: AwsCredentialProperties,
    instance_credentials: Credentials | None,
    sts_client: StsFactory,
    *,
    hadoop_s3a: bool,
) -> Credentials | None:
    """
    Return the credentials the FE would sign with, or None when it would send the request unsigned.

    :param props: the parsed properties.
    :param instance_credentials: the cluster's instance-profile credentials.
    :param sts_client: STS client factory for AssumeRole.
    :param hadoop_s3a: the S3 (Hadoop S3A) path, where ``sts.endpoint`` needs ``sts.region``.
    :raises StorageAccessError: when the credentials cannot be obtained.
    """
    source = props.base_source()
    if source in ("sdk_default", "instance_profile"):
        # On the emulated cluster's hosts the SDK default chain ends at the instance profile.
        base = instance_credentials
    elif source == "web_identity":
        raise StorageAccessError(_WEB_IDENTITY_MISSING)
    elif source == "keys":
        base = (props.access_key, props.secret_key, props.session_token)
    else:
        # validate() is false: the FE drops the AWS configuration and the request goes out unsigned.
        return None
    if base is None or not props.iam_role_arn:
        return base
    if props.sts_endpoint and not props.sts_region and hadoop_s3a:
        # AwsCloudCredential.applyAssumeRole: Hadoop's AWS SDK v1 needs a signing region with an endpoint.
        raise StorageAccessError(
            f"STS endpoint is set to {props.sts_endpoint} but no signing region was provided",
            code="IllegalArgumentException",
        )
    sts = sts_client(
        base, ensure_scheme(props.sts_endpoint) if props.sts_endpoint else None, props.sts_region
    )
    _check_assume_role(sts, props)
    kwargs = {"RoleArn": props.iam_role_arn, "RoleSessionName": str(uuid.uuid4())}
    if props.external_id:
        kwargs["ExternalId"] = props.external_id
    creds = call_aws(sts.assume_role, **kwargs)["Credentials"]
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


def _check_assume_role(sts: Any, props: AwsCredentialProperties) -> None:
    # moto lets AssumeRole succeed on a role that does not exist and lets a missing ExternalId pass a
    # StringEquals condition; AWS refuses both with AccessDenied, so refuse them here.
    name = props.iam_role_arn.rsplit("/", 1)[-1]
    exists = props.iam_role_arn == role_arn(name) and name in ROLES
    if exists and not (name in ROLES_REQUIRING_EXTERNAL_ID and not props.external_id):
        return
    caller = call_aws(sts.get_caller_identity)["Arn"]
    raise StorageAccessError(
        f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {props.iam_role_arn}",
        code="AccessDenied",
    )
