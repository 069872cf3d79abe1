"""Create a StarRocks backup repository on S3 with AWS auth from an Airflow connection (public in ``backup``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.operators._aws import StarRocksAwsOperator
from airflow_provider_starrocks.operators._backup_args import check_location, check_repository
from airflow_provider_starrocks.operators._create_flow import (
    IF_EXISTS_CHOICES,
    Lifecycle,
    create_idempotently,
    statement_error,
)
from airflow_provider_starrocks.utils.arguments import check_flag
from airflow_provider_starrocks.utils.aws_auth import build_aws_properties, check_no_auth_keys
from airflow_provider_starrocks.utils.sql import render_value
from airflow_provider_starrocks.utils.statements.backup import (
    create_repository,
    drop_repository,
    show_repositories,
    show_snapshot,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.utils.sql import Statement

_REPOSITORY_NAME_LIMIT = 64


class StarRocksCreateRepositoryOperator(StarRocksAwsOperator):
    """
    Create a backup repository on S3 (``CREATE [READ ONLY] REPOSITORY ... WITH BROKER ON LOCATION``).

    The credentials come from ``aws_conn_id``. A repository stores its properties, so session tokens and the
    ``temporary`` mode are refused: use static keys, a role StarRocks assumes (``role_arn`` in the connection)
    or the StarRocks nodes' instance profile (``aws_conn_id=None``). ``s3://`` locations are rewritten to
    ``s3a://``, the scheme CREATE REPOSITORY documents (the FE also reads ``s3://`` through S3A). Needs the REPOSITORY privilege on
    SYSTEM. ``validate`` lists the repository's snapshots (``SHOW SNAPSHOT ON``), which proves list and read
    rights only: StarRocks ignores a failed write of the repository's ``__repo_info`` file (``HdfsUtil.HdfsWriter.close``
    only logs it), so missing write rights show in the first backup, which stays in UPLOADING with the access error
    in its task errors until its timeout.

    :param repository: the repository name (letters, digits, ``_``; at most 64 characters).
    :param location: ``s3://bucket/prefix`` or ``s3a://bucket/prefix``.
    :param aws_conn_id: the AWS connection; ``None`` uses the StarRocks nodes' instance profile.
    :param credential_mode: how StarRocks gets AWS credentials (see ``build_aws_properties``); ``temporary`` is
        refused (the credentials would expire under the stored repository).
    :param region: the AWS region, overriding the connection's.
    :param read_only: create a read-only repository (restores only), e.g. on a second cluster during a migration:
        give it the same name and location as the writing cluster's, since StarRocks keeps a repository's files
        under ``<location>/__starrocks_repository_<name>/``.
    :param if_exists: ``error`` (default), ``ignore`` (keep the existing repository) or ``replace`` (validate the
        new definition under a temporary name first, then drop and re-create; the temporary twin leaves its
        ``__starrocks_repository_<name>__tmp_<hex>/__repo_info`` file under the location, which StarRocks never deletes).
    :param validate: list the repository's snapshots after creating it; on failure drop it again and fail.
    :param properties: further repository properties; AWS auth keys are refused (they come from the connection).
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields: Sequence[str] = ("repository", "location", "properties")
    template_fields_renderers = {"properties": "json"}

    def __init__(
        self,
        *,
        repository: str,
        location: str,
        read_only: bool = False,
        if_exists: str = "error",
        validate: bool = True,
        properties: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.repository = repository
        self.location = location
        self.read_only = read_only
        self.if_exists = if_exists
        self.validate = validate
        self.properties = properties

    def _plan(self) -> tuple[str, bool, dict[str, object], frozenset[str]]:
        if self.if_exists not in IF_EXISTS_CHOICES:
            raise ValueError(
                f"if_exists: {self.if_exists!r} is not supported; use one of {', '.join(IF_EXISTS_CHOICES)}."
            )
        validate = check_flag(self.validate, "validate")
        read_only = check_flag(self.read_only, "read_only")
        check_repository(self.repository)
        location = check_location(self.location, self.log)
        if self.properties is not None and not isinstance(self.properties, dict):
            raise ValueError(f"properties: {type(self.properties).__name__} is not a dict; pass a dict.")
        check_no_auth_keys(self.properties, "properties")
        extra = dict(self.properties or {})
        for key, value in extra.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"properties: key {key!r} is not a non-empty string; fix the key.")
            render_value(value, f"properties[{key!r}]")
        aws = build_aws_properties(
            self.aws_conn_id,
            "s3",
            credential_mode=self.credential_mode,
            region=self.region,
            purpose="repository",
        )
        props: dict[str, object] = {**aws, **extra}
        self._read_only = read_only
        return location, validate, props, aws.secret_keys

    def execute(self, context: Context) -> dict[str, Any]:
        try:
            location, validate, props, secret_keys = self._plan()
            create_repository(self.repository, location, props, secret_keys, read_only=self._read_only)
        except ValueError as err:
            raise AirflowFailException(f"{type(self).__name__} {self.task_id!r}: {err}") from None
        secret_values = [str(props[k]) for k in secret_keys]

        def statement(name: str) -> Statement:
            return create_repository(name, location, props, secret_keys, read_only=self._read_only)

        conn = self.hook.get_conn()
        try:

            def run(stmt: Statement) -> tuple[list[tuple[Any, ...]], list[str]]:
                try:
                    return self.hook.execute_statement(stmt, conn)
                except Exception as exc:  # the driver's error types vary; the text is scrubbed of secrets
                    raise statement_error(exc, secret_values) from None

            def exists(name: str) -> bool:
                rows, columns = run(show_repositories())
                index = columns.index("RepoName") if "RepoName" in columns else 1
                return any(row[index] == name for row in rows)

            def check(name: str) -> None:
                rows, _ = run(show_snapshot(name))
                self.log.info("Repository %r is reachable: %d snapshot(s) listed.", name, len(rows))

            ops = Lifecycle(
                kind="repository",
                exists=exists,
                create=lambda name: run(statement(name)),
                drop=lambda name: run(drop_repository(name)),
                validate=check,
                temp_name_limit=_REPOSITORY_NAME_LIMIT,
            )
            action = create_idempotently(ops, self.repository, if_exists=self.if_exists, validate=validate)
        finally:
            self.hook.close_quietly(conn)
        return {
            "repository": self.repository,
            "location": location,
            "read_only": self._read_only,
            "action": action,
            "validated": validate and action != "ignored",
        }
