"""
Read ``aws.s3.*`` / ``aws.glue.*`` properties the way the StarRocks FE does.

Mirrors ``fe/fe-core/src/main/java/com/starrocks/credential/aws/AwsCloudConfigurationProvider.java`` and
``AwsCloudCredential.java`` (StarRocks/starrocks): every key optional, strings default to ``""``, booleans through
Java's ``Boolean.parseBoolean``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

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
