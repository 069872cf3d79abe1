"""
Credential resolution: read an Airflow AWS connection and decide which credentials StarRocks should use.

:func:`~airflow_provider_starrocks.utils.aws_auth.build_aws_properties` turns the answer into ``aws.<service>.*``
properties. The amazon provider's ``connection_wrapper`` and ``base_aws`` import botocore and boto3, so they are
imported inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_starrocks.exceptions import AwsAuthConfigError

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper

AUTO_HINT = (
    "set credential_mode='temporary' (Airflow resolves the credentials) or an explicit credential_mode"
)


def connection_error(conn_id: str | None, field: str, problem: str, fix: str) -> AwsAuthConfigError:
    """
    Return the error for a bad connection field, naming the connection, the field and the fix.

    :param conn_id: the AWS connection id.
    :param field: the field or argument at fault.
    :param problem: what is wrong with it.
    :param fix: what to do.
    """
    return AwsAuthConfigError(f"AWS connection {conn_id!r}, {field}: {problem}; {fix}.")


def load_wrapper(conn_id: str, region: str | None) -> AwsConnectionWrapper:
    """
    Return the amazon provider's view of the connection, after checks the wrapper would skip silently.

    :param conn_id: the AWS connection id.
    :param region: the region that wins over the connection's ``region_name``.
    """
    from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper
    from airflow.providers.common.compat.sdk import AirflowNotFoundException, BaseHook

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise connection_error(
            conn_id,
            "aws_conn_id",
            "no such connection",
            "create it (e.g. an AIRFLOW_CONN_* variable) or pass aws_conn_id=None to use the StarRocks "
            "nodes' instance profile",
        ) from None
    if (conn.conn_type or "aws") != "aws":
        raise connection_error(conn_id, "conn_type", f"is {conn.conn_type!r}", "use an 'aws' connection")
    # The connection form saves an empty optional field as null (or ""): both mean "unset", as in StarRocks's
    # own connection extras, instead of e.g. an "unsupported" assume_role_method None.
    extra = {k: v for k, v in conn.extra_dejson.items() if v is not None and v != ""}
    # The wrapper silently drops half a key pair, so look at the connection's own fields first.
    for id_name, id_value, secret_name, secret_value in (
        ("login", conn.login, "password", conn.password),
        (
            "extra.aws_access_key_id",
            extra.get("aws_access_key_id"),
            "extra.aws_secret_access_key",
            extra.get("aws_secret_access_key"),
        ),
    ):
        if bool(id_value) != bool(secret_value):
            present, missing = (id_name, secret_name) if id_value else (secret_name, id_name)
            raise connection_error(
                conn_id, missing, f"{present} is set but {missing} is empty", "set both or neither"
            )
    try:
        cleaned = AwsConnectionWrapper.from_connection_metadata(
            conn_id=conn_id, login=conn.login or None, password=conn.password or None, extra=extra
        )
        return AwsConnectionWrapper(conn=cleaned, region_name=region)
    except NotImplementedError:
        raise connection_error(
            conn_id,
            "extra.assume_role_method",
            "unsupported method",
            "use assume_role, assume_role_with_saml or assume_role_with_web_identity",
        ) from None


def auto_mode(conn_id: str | None, wrapper: AwsConnectionWrapper) -> str:
    """
    Return the credential mode ``"auto"`` stands for with this connection, or raise if StarRocks cannot use it.

    :param conn_id: the AWS connection id, for messages.
    :param wrapper: the connection from :func:`load_wrapper`.
    """
    if wrapper.role_arn and wrapper.assume_role_method != "assume_role":
        raise connection_error(
            conn_id,
            "extra.assume_role_method",
            f"{wrapper.assume_role_method!r} can only be resolved by Airflow",
            AUTO_HINT,
        )
    if wrapper.aws_access_key_id:
        return "iam_user"
    if wrapper.aws_session_token:
        raise connection_error(
            conn_id,
            "extra.aws_session_token",
            "a session token without an access key",
            "add the key pair (login/password) or remove the token",
        )
    if wrapper.profile_name:
        raise connection_error(
            conn_id, "extra.profile_name", "profiles can only be resolved by Airflow", AUTO_HINT
        )
    if wrapper.role_arn:
        return "assumed_role"
    return "instance_profile"


def temporary_credentials(
    conn_id: str, region: str | None, wrapper: AwsConnectionWrapper
) -> tuple[str, str, str | None]:
    """
    Let Airflow resolve the connection to temporary credentials: ``(access_key, secret_key, session_token)``.

    :param conn_id: the AWS connection id.
    :param region: the region for STS.
    :param wrapper: the connection from :func:`load_wrapper`.
    """
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=conn_id, region_name=region)
    # The hook would wrap the raw connection again, form nulls included (assume_role_method None fails there).
    hook.conn_config = wrapper
    try:
        creds = hook.get_credentials(region_name=region)
    except Exception as err:  # boto raises many unrelated types; the message names the connection
        raise connection_error(
            conn_id,
            "credentials",
            f"Airflow could not resolve them ({type(err).__name__}: {err})",
            "check the connection's keys, profile or role and its trust policy",
        ) from None
    return creds.access_key, creds.secret_key, creds.token or None
