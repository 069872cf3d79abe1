"""Create a StarRocks external catalog (Hive, Iceberg, Hudi, Delta Lake, Paimon) with AWS auth from connections."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException, mask_secret

from airflow_provider_starrocks.operators._aws import DEFAULT_AWS_CONN_ID, StarRocksAwsOperator
from airflow_provider_starrocks.operators._create_flow import (
    Lifecycle,
    check_create_arguments,
    create_idempotently,
    statement_runner,
)
from airflow_provider_starrocks.utils import lineage, sql
from airflow_provider_starrocks.utils.aws_auth import build_aws_properties, check_no_auth_keys
from airflow_provider_starrocks.utils.catalog_properties import (
    MetastoreSpec,
    check_user_properties,
    metastore_properties,
    secret_property_keys,
)
from airflow_provider_starrocks.utils.statements import catalogs

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_starrocks.utils.sql import Statement

_CATALOG_NAME_LIMIT = 64


__all__ = ["DEFAULT_AWS_CONN_ID", "StarRocksCreateExternalCatalogOperator"]


class StarRocksCreateExternalCatalogOperator(StarRocksAwsOperator):
    """
    Create an external catalog, validate that StarRocks can reach its metastore, and never leave a broken one.

    The S3 credentials come from ``aws_conn_id`` and, for a Glue metastore, the Glue credentials from
    ``glue_aws_conn_id`` (default: the same connection). Catalogs store their properties, so session tokens
    are refused; use static keys, a role StarRocks assumes (``role_arn`` in the connection) or the instance
    profile (``aws_conn_id=None``). Needs the SYSTEM-level CREATE EXTERNAL CATALOG privilege.

    :param catalog_name: the catalog to create (letters, digits, ``_``; at most 64 characters).
    :param catalog_type: ``hive``, ``iceberg``, ``hudi``, ``deltalake`` or ``paimon``.
    :param metastore: ``hive`` or ``glue`` (hive, hudi, deltalake); ``hive``, ``glue``, ``rest`` or ``jdbc``
        (iceberg); ``filesystem``, ``hive`` or ``dlf`` (paimon).
    :param metastore_uris: Hive metastore URIs (``thrift://host:9083``), a comma-separated string or a list.
    :param rest_uri: the Iceberg REST catalog URI (``iceberg.catalog.uri``).
    :param jdbc_uri: the Iceberg JDBC catalog URI (``jdbc:mysql://...``).
    :param warehouse: the Iceberg REST / JDBC or Paimon warehouse.
    :param aws_conn_id: the AWS connection for S3; ``None`` uses the StarRocks nodes' instance profile. For
        Iceberg REST catalogs (vended credentials) S3 properties are added only when this is passed explicitly.
    :param glue_aws_conn_id: the AWS connection for Glue; default ``aws_conn_id``.
    :param credential_mode: how credentials are given to StarRocks (see ``build_aws_properties``); ``auto``
        derives it from the connection. ``temporary`` is refused for catalogs.
    :param region: the AWS region for S3 and Glue; default the connection's ``region_name``.
    :param comment: the catalog comment.
    :param properties: extra catalog properties; AWS auth keys and keys derived from the other arguments are
        refused. Values of secret-looking keys (passwords, OAuth2 credentials and tokens) are masked.
    :param if_exists: ``error`` (default), ``ignore`` (leave the existing catalog) or ``replace`` (validate
        the new definition under a temporary name, then drop and re-create).
    :param validate: list the catalog's databases after creating it; on failure drop it again and fail.
    :param starrocks_conn_id: the StarRocks connection.
    """

    template_fields: Sequence[str] = (
        "catalog_name",
        "metastore_uris",
        "rest_uri",
        "jdbc_uri",
        "warehouse",
        "comment",
        "properties",
    )
    template_fields_renderers = {"properties": "json"}

    def __init__(
        self,
        *,
        catalog_name: str,
        catalog_type: str,
        metastore: str,
        metastore_uris: str | list[str] | None = None,
        rest_uri: str | None = None,
        jdbc_uri: str | None = None,
        warehouse: str | None = None,
        glue_aws_conn_id: str | None = None,
        comment: str | None = None,
        properties: dict[str, Any] | None = None,
        if_exists: str = "error",
        validate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.catalog_name = catalog_name
        self.catalog_type = catalog_type
        self.metastore = metastore
        self.metastore_uris = metastore_uris
        self.rest_uri = rest_uri
        self.jdbc_uri = jdbc_uri
        self.warehouse = warehouse
        self.glue_aws_conn_id = glue_aws_conn_id
        self.comment = comment
        self.properties = properties
        self.if_exists = if_exists
        self.validate = validate
        self._lineage_action: str | None = None  # created / replaced / ignored, for OpenLineage

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        super().render_template_fields(context, jinja_env)
        # Before the rendered fields are stored, so that the masker hides them there too.
        _mask_secret_properties(self.properties)

    def _check_arguments(self) -> None:
        check_create_arguments(self.if_exists, self.comment)
        if not isinstance(self.validate, bool):
            raise ValueError(f"validate must be True or False, got {self.validate!r}.")
        from airflow_provider_starrocks.hooks.starrocks import DEFAULT_CATALOG

        sql.validate_name(self.catalog_name, "catalog_name")
        if self.catalog_name == DEFAULT_CATALOG:
            raise ValueError(
                f"catalog_name must not be {DEFAULT_CATALOG!r}, the internal catalog: pick another."
            )
        if self.glue_aws_conn_id is not None and self.metastore != "glue":
            raise ValueError(
                f"glue_aws_conn_id only applies to metastore='glue', not {self.metastore!r}: remove it."
            )

    def build_properties(self) -> tuple[dict[str, object], frozenset[str]]:
        """Return the catalog properties and the keys whose values are secrets; raises ``ValueError``."""
        self._check_arguments()
        spec = MetastoreSpec(
            catalog_type=self.catalog_type,
            metastore=self.metastore,
            metastore_uris=self.metastore_uris,
            rest_uri=self.rest_uri,
            jdbc_uri=self.jdbc_uri,
            warehouse=self.warehouse,
        )
        meta = metastore_properties(spec)
        check_no_auth_keys(self.properties, "properties")
        extra = check_user_properties(self.properties)
        props: dict[str, object] = {"type": self.catalog_type}
        secret_keys: set[str] = set()
        if self.metastore != "rest" or self.aws_conn_explicit:
            s3 = self._aws("s3", self.aws_conn_id)
            props.update(s3)
            secret_keys |= s3.secret_keys
        props.update(meta)
        if spec.uses_glue:
            glue_conn = self.glue_aws_conn_id if self.glue_aws_conn_id is not None else self.aws_conn_id
            glue = self._aws("glue", glue_conn)
            props.update(glue)
            secret_keys |= glue.secret_keys
        props.update(extra)
        user_secrets = secret_property_keys(extra)
        _mask_secret_properties(extra)
        return props, frozenset(secret_keys | user_secrets)

    def _aws(self, service: str, conn_id: str | None) -> Any:
        return build_aws_properties(
            conn_id, service, credential_mode=self.credential_mode, region=self.region, purpose="catalog"
        )

    def execute(self, context: Context) -> dict[str, Any]:
        try:
            props, secret_keys = self.build_properties()
            # Built once here so that every bad value fails before any SQL is sent.
            catalogs.create_external_catalog(
                self.catalog_name, props, secret_keys, comment=self.comment or None
            )
        except ValueError as err:
            raise AirflowFailException(f"{type(self).__name__} {self.task_id!r}: {err}") from None
        secret_values = [str(props[k]) for k in secret_keys]

        def statement(name: str) -> Statement:
            return catalogs.create_external_catalog(name, props, secret_keys, comment=self.comment or None)

        conn = self.hook.get_conn()
        run = statement_runner(self.hook, conn, secret_values)
        try:

            def exists(name: str) -> bool:
                rows, columns = run(catalogs.show_catalogs())
                index = columns.index("Catalog") if "Catalog" in columns else 0
                return any(row[index] == name for row in rows)

            def validate(name: str) -> None:
                rows, _ = run(catalogs.show_databases_in_catalog(name))
                self.log.info("Catalog %r is reachable: %d database(s) listed.", name, len(rows))

            ops = Lifecycle(
                kind="catalog",
                exists=exists,
                create=lambda name: run(statement(name)),
                drop=lambda name: run(catalogs.drop_catalog(name)),
                validate=validate,
                temp_name_limit=_CATALOG_NAME_LIMIT,
            )
            action = create_idempotently(
                ops, self.catalog_name, if_exists=self.if_exists, validate=self.validate
            )
        finally:
            conn.close()
        self._lineage_action = action
        return {
            "catalog": self.catalog_name,
            "catalog_type": self.catalog_type,
            "metastore": self.metastore,
            "action": action,
            "validated": self.validate and action != "ignored",
        }

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """
        Report the catalog as one output dataset, ``starrocks://host:port`` / ``<catalog_name>``.

        Its databases and tables are not listed: that costs metastore calls, can be thousands of datasets and
        changes behind StarRocks's back. Tasks that read or write them name them ``<catalog>.<db>.<table>``
        under the same namespace, below this dataset.

        :param task_instance: the task instance (unused).
        """
        try:
            namespace = lineage.hook_namespace(self.hook)
        except Exception as exc:  # lineage never fails the task
            self.log.warning("No OpenLineage dataset for this catalog: %s", exc)
            return None
        output = lineage.DatasetSpec(
            namespace, str(self.catalog_name), lifecycle=lineage.LIFECYCLE.get(self._lineage_action or "")
        )
        return lineage.operator_lineage([], [output])


def _mask_secret_properties(properties: Any) -> None:
    if not isinstance(properties, dict):
        return
    for key in secret_property_keys({k: v for k, v in properties.items() if isinstance(k, str)}):
        value = properties[key]
        if isinstance(value, str) and value:
            mask_secret(value)
