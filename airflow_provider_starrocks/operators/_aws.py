"""The AWS arguments of the operators that hand StarRocks S3 (or Glue) credentials from an Airflow connection."""

from __future__ import annotations

from typing import Any

from airflow_provider_starrocks.operators._hook import StarRocksBaseOperator


class _DefaultConnId(str):
    """The default ``aws_conn_id``, told apart from an explicit ``"aws_default"`` (Iceberg REST needs that)."""

    __slots__ = ()


DEFAULT_AWS_CONN_ID: str = _DefaultConnId("aws_default")


class StarRocksAwsOperator(StarRocksBaseOperator):
    """
    Base of the operators whose statements carry ``aws.s3.*`` credentials built by ``build_aws_properties``.

    :param aws_conn_id: the AWS connection; ``None`` uses the StarRocks nodes' instance profile.
    :param credential_mode: how StarRocks gets AWS credentials (see ``build_aws_properties``).
    :param region: the AWS region, overriding the connection's.
    :param starrocks_conn_id: the StarRocks connection.
    """

    def __init__(
        self,
        *,
        aws_conn_id: str | None = DEFAULT_AWS_CONN_ID,
        credential_mode: str = "auto",
        region: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        #: Whether ``aws_conn_id`` was passed (or came from ``default_args``) rather than left at its default.
        self.aws_conn_explicit = not isinstance(aws_conn_id, _DefaultConnId)
        self.aws_conn_id = str(aws_conn_id) if isinstance(aws_conn_id, _DefaultConnId) else aws_conn_id
        self.credential_mode = credential_mode
        self.region = region

    def aws_arguments(self) -> dict[str, Any]:
        """Return the AWS arguments as rendered, for a plan's spec."""
        return {
            "aws_conn_id": self.aws_conn_id,
            "credential_mode": self.credential_mode,
            "region": self.region,
        }
