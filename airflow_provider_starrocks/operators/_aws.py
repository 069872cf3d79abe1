"""The AWS arguments of the operators that hand StarRocks S3 (or Glue) credentials from an Airflow connection."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_starrocks.exceptions import StarRocksLoadFatalError
from airflow_provider_starrocks.operators._hook import StarRocksBaseOperator

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_starrocks.operators._load_spec import S3Spec

_Spec = TypeVar("_Spec", bound="S3Spec")
_Plan = TypeVar("_Plan")


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

    def spec_of(self, spec_type: type[_Spec]) -> _Spec:
        """
        Return this operator's arguments as rendered, as the typed spec its plan builder checks.

        :param spec_type: the spec class; its field names are this operator's attribute names.
        """
        return spec_type(**{field.name: getattr(self, field.name) for field in dataclasses.fields(spec_type)})

    def checked_plan(self, build: Callable[..., _Plan], *args: Any, what: str) -> _Plan:
        """
        Run a plan builder, which checks every argument before any SQL; a bad argument fails the task for good.

        :param build: the plan builder.
        :param args: its arguments (the spec first).
        :param what: the operation, for the message ("Invalid <what> arguments: ...").
        """
        try:
            return build(*args)
        except ValueError as exc:
            raise StarRocksLoadFatalError(f"Invalid {what} arguments: {exc}") from None
