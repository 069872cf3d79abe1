"""
StarRocks ``aws.s3.*`` / ``aws.glue.*`` properties from an Airflow AWS connection.

StarRocks reads these keys in ``AwsCloudConfigurationProvider`` (fe/fe-core/.../credential/aws/) and picks base
credentials in this order: SDK default chain, instance profile, web identity, access key + secret key; an
``iam_role_arn`` is assumed on top of them. An incomplete set is dropped silently by the FE (``validate()``
returns false) and only fails later with an opaque storage error, so everything is checked here, before SQL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.exceptions import AwsAuthConfigError
from airflow_provider_starrocks.utils.aws_credentials import (
    AUTO_HINT,
    auto_mode,
    connection_error,
    load_wrapper,
    temporary_credentials,
)
from airflow_provider_starrocks.utils.sql import REDACTED

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper

log = logging.getLogger(__name__)

CREDENTIAL_MODES = (
    "auto",
    "iam_user",
    "assumed_role",
    "instance_profile",
    "default_chain",
    "web_identity",
    "temporary",
)
SERVICES = ("s3", "glue")
PURPOSES = ("load", "catalog", "table", "pipe")

# Suffixes after "aws.<service>." that build_aws_properties owns (CloudConfigurationConstants.java).
AUTH_KEY_SUFFIXES = frozenset(
    {
        "use_aws_sdk_default_behavior",
        "use_instance_profile",
        "use_web_identity_token_file",
        "access_key",
        "secret_key",
        "session_token",
        "iam_role_arn",
        "external_id",
        "region",
        "endpoint",
        "enable_path_style_access",
        "enable_ssl",
        "sts.region",
        "sts.endpoint",
    }
)
# The ExternalId guards the role against confused deputies; Airflow's masker does not know it, so treat it
# as a secret too.
_SECRET_SUFFIXES = ("access_key", "secret_key", "session_token", "external_id")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)


class AwsProperties(Mapping[str, str]):
    """
    Read-only ``aws.<service>.*`` properties; ``repr``/``str`` show secrets as ``***``.

    :param properties: the properties, in the order StarRocks's docs show them.
    :param secret_keys: the keys whose values are credentials.
    :param mode: the credential mode that produced them.
    """

    __slots__ = ("_properties", "mode", "secret_keys")

    def __init__(self, properties: Mapping[str, str], secret_keys: frozenset[str], mode: str) -> None:
        self._properties = dict(properties)
        self.secret_keys = frozenset(secret_keys)
        self.mode = mode

    def __getitem__(self, key: str) -> str:
        return self._properties[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._properties)

    def __len__(self) -> int:
        return len(self._properties)

    def redacted(self) -> dict[str, str]:
        """Return a plain dict with every secret value replaced by ``***``."""
        return {k: REDACTED if k in self.secret_keys else v for k, v in self._properties.items()}

    def __repr__(self) -> str:
        return f"AwsProperties(mode={self.mode!r}, {self.redacted()!r})"

    __str__ = __repr__


def check_no_auth_keys(properties: Mapping[str, object] | None, argument_name: str) -> None:
    """
    Refuse user-supplied properties that would collide with the AWS auth properties (case-insensitive).

    :param properties: the user's extra properties.
    :param argument_name: the argument they came from, for the error message.
    """
    for key in properties or {}:
        normalized = str(key).strip().lower()
        for service in SERVICES:
            prefix = f"aws.{service}."
            if normalized.startswith(prefix) and normalized[len(prefix) :] in AUTH_KEY_SUFFIXES:
                raise AwsAuthConfigError(
                    f"{argument_name} sets {key!r}, which is derived from the AWS connection: remove it and "
                    "configure the connection (or credential_mode, region, enable_path_style_access) instead."
                )


def build_aws_properties(
    aws_conn_id: str | None,
    service: str = "s3",
    *,
    credential_mode: str = "auto",
    region: str | None = None,
    purpose: str = "load",
    enable_path_style_access: bool | None = None,
    sts_region: str | None = None,
    sts_endpoint: str | None = None,
) -> AwsProperties:
    """
    Build the StarRocks ``aws.<service>.*`` properties from an Airflow AWS connection.

    :param aws_conn_id: the ``aws`` connection, or ``None`` for the StarRocks nodes' instance profile.
    :param service: ``"s3"`` or ``"glue"``.
    :param credential_mode: one of :data:`CREDENTIAL_MODES`; ``"auto"`` derives it from the connection.
    :param region: the AWS region; wins over the connection's ``region_name``.
    :param purpose: ``"load"``, ``"catalog"``, ``"table"`` or ``"pipe"``; catalogs, tables and pipes store
        their properties, so they refuse session tokens.
    :param enable_path_style_access: S3 path-style access; defaults to the connection's s3 addressing style.
    :param sts_region: region of the STS endpoint StarRocks uses to assume the role.
    :param sts_endpoint: STS endpoint StarRocks uses to assume the role (needs ``sts_region``).
    """
    for name, value, allowed in (
        ("service", service, SERVICES),
        ("credential_mode", credential_mode, CREDENTIAL_MODES),
        ("purpose", purpose, PURPOSES),
    ):
        if value not in allowed:
            raise connection_error(
                aws_conn_id, name, f"{value!r} is not supported", f"use one of {', '.join(allowed)}"
            )
    wrapper = load_wrapper(aws_conn_id, region) if aws_conn_id is not None else None
    mode = credential_mode
    if mode == "auto":
        mode = auto_mode(aws_conn_id, wrapper) if wrapper is not None else "instance_profile"
    if wrapper is None and mode in ("iam_user", "assumed_role", "temporary"):
        raise connection_error(
            None, "credential_mode", f"{mode!r} needs an AWS connection", "pass aws_conn_id"
        )
    if purpose != "load" and mode == "temporary":
        raise connection_error(
            aws_conn_id,
            "credential_mode",
            f"temporary credentials would expire under a stored {purpose}",
            "use iam_user (static keys), assumed_role or instance_profile",
        )

    p = f"aws.{service}."
    props: dict[str, str] = {}
    role_arn = external_id = None
    if wrapper is not None and wrapper.role_arn and wrapper.assume_role_method == "assume_role":
        role_arn = wrapper.role_arn
        external_id = wrapper.assume_role_kwargs.get("ExternalId")

    if mode == "iam_user":
        if wrapper is None or not wrapper.aws_access_key_id or not wrapper.aws_secret_access_key:
            raise connection_error(
                aws_conn_id, "login/password", "iam_user needs an access key pair", "set both"
            )
        if wrapper.role_arn and role_arn is None:
            raise connection_error(
                aws_conn_id,
                "extra.assume_role_method",
                f"StarRocks can only assume role_arn with assume_role, not {wrapper.assume_role_method!r}",
                AUTO_HINT,
            )
        if wrapper.aws_session_token and purpose != "load":
            raise connection_error(
                aws_conn_id,
                "extra.aws_session_token",
                f"a session token would expire under a stored {purpose}",
                "use a connection with static keys or a role",
            )
        props[p + "use_instance_profile"] = "false"
        props[p + "access_key"] = wrapper.aws_access_key_id
        props[p + "secret_key"] = wrapper.aws_secret_access_key
        if wrapper.aws_session_token:
            props[p + "session_token"] = wrapper.aws_session_token
    elif mode == "temporary":
        assert wrapper is not None  # checked above: temporary needs a connection
        access_key, secret_key, token = temporary_credentials(aws_conn_id or "", region, wrapper)
        props[p + "use_instance_profile"] = "false"
        props[p + "access_key"] = access_key
        props[p + "secret_key"] = secret_key
        if token:
            props[p + "session_token"] = token
        role_arn = external_id = None  # Airflow has already assumed it
    elif mode in ("assumed_role", "instance_profile"):
        if mode == "assumed_role" and role_arn is None:
            raise connection_error(
                aws_conn_id,
                "extra.role_arn",
                "assumed_role needs a role_arn (assumed with assume_role)",
                "set extra.role_arn",
            )
        props[p + "use_instance_profile"] = "true"
        if mode == "instance_profile":
            role_arn = external_id = None
    elif mode == "default_chain":
        props[p + "use_aws_sdk_default_behavior"] = "true"
    else:
        props[p + "use_web_identity_token_file"] = "true"

    if role_arn is not None:
        if not _ROLE_ARN.fullmatch(role_arn):
            raise connection_error(
                aws_conn_id,
                "extra.role_arn",
                f"{role_arn!r} is not an IAM role ARN",
                "use arn:aws:iam::<12-digit account>:role/<name>",
            )
        props[p + "iam_role_arn"] = role_arn
        if external_id:
            props[p + "external_id"] = str(external_id)

    _location(props, p, service, wrapper, aws_conn_id, region, enable_path_style_access)
    _sts(props, p, aws_conn_id, role_arn, sts_region, sts_endpoint)

    secret_keys = frozenset(p + s for s in _SECRET_SUFFIXES if p + s in props)
    _mask(props[k] for k in secret_keys)
    log.info(
        "StarRocks %s credentials from AWS connection %r: credential_mode=%s (requested %s), purpose=%s.",
        service,
        aws_conn_id,
        mode,
        credential_mode,
        purpose,
    )
    if role_arn is not None:
        # Who calls sts:AssumeRole decides which principal the role's trust policy must name.
        log.info(
            "StarRocks itself assumes %s with %s: the role's trust policy must trust that principal, not "
            "Airflow's role.",
            role_arn,
            "the connection's IAM user keys" if mode == "iam_user" else "its own node (instance) role",
        )
    return AwsProperties(props, secret_keys, mode)


def _location(
    props: dict[str, str],
    p: str,
    service: str,
    wrapper: AwsConnectionWrapper | None,
    conn_id: str | None,
    region: str | None,
    path_style: bool | None,
) -> None:
    endpoint = wrapper.get_service_endpoint_url(service) if wrapper is not None else None
    region = region or (wrapper.region_name if wrapper is not None else None)
    if region:
        props[p + "region"] = str(region)
    elif not endpoint:
        raise connection_error(
            conn_id,
            "extra.region_name",
            f"no region for AWS {service}",
            "set region_name in the connection's extra or pass region=",
        )
    if endpoint:
        if not re.match(r"https?://[^\s/]", str(endpoint)):
            raise connection_error(
                conn_id, f"extra.service_config.{service}.endpoint_url", "not an http(s) URL", "fix the URL"
            )
        props[p + "endpoint"] = str(endpoint)
    if service == "s3":
        if path_style is None and wrapper is not None and wrapper.botocore_config is not None:
            style = (getattr(wrapper.botocore_config, "s3", None) or {}).get("addressing_style")
            path_style = {"path": True, "virtual": False}.get(str(style))
        if path_style is not None:
            props[p + "enable_path_style_access"] = "true" if path_style else "false"
        if endpoint and str(endpoint).startswith("http://"):
            if p + "iam_role_arn" in props:
                raise connection_error(
                    conn_id,
                    f"extra.service_config.{service}.endpoint_url",
                    "StarRocks needs SSL (aws.s3.enable_ssl) to assume a role, the endpoint is http://",
                    "use an https:// endpoint or drop role_arn",
                )
            props[p + "enable_ssl"] = "false"
    elif path_style is not None:
        raise connection_error(
            conn_id, "enable_path_style_access", "only applies to s3", "leave it unset for glue"
        )


def _sts(
    props: dict[str, str],
    p: str,
    conn_id: str | None,
    role_arn: str | None,
    sts_region: str | None,
    sts_endpoint: str | None,
) -> None:
    if (sts_region or sts_endpoint) and role_arn is None:
        raise connection_error(
            conn_id, "sts_region/sts_endpoint", "only used to assume a role", "set role_arn or drop them"
        )
    if sts_endpoint and not sts_region:
        # AwsCloudCredential.applyAssumeRole: "STS endpoint is set to <x> but no signing region was provided".
        raise connection_error(
            conn_id, "sts_region", "sts_endpoint needs a signing region", "pass sts_region too"
        )
    if sts_region:
        props[p + "sts.region"] = sts_region
    if sts_endpoint:
        props[p + "sts.endpoint"] = sts_endpoint


def _mask(values: Any) -> None:
    from airflow.providers.common.compat.sdk import mask_secret

    for value in values:
        mask_secret(value)
