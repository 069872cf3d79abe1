"""External catalogs: CREATE / DROP / SHOW CATALOGS / SHOW CREATE CATALOG and database listing.

Analyzer texts from ``CatalogAnalyzer`` (fe/fe-core/src/main/java/com/starrocks/sql/analyzer/CatalogAnalyzer.java);
masking from ``CredentialUtil.maskCredential`` (fe/fe-core/src/main/java/com/starrocks/credential/CredentialUtil.java).

Listing databases (``SHOW DATABASES FROM <catalog>``):
- Glue-backed catalogs (``hive.metastore.type=glue`` for hive/hudi/deltalake, ``iceberg.catalog.type=glue``) call
  Glue ``get_databases`` with the catalog's ``aws.glue.*`` credentials;
- Hive-metastore catalogs (thrift URIs) fail as an unreachable metastore does;
- every other catalog kind (REST, JDBC, hadoop, paimon...) fails with a "not supported by the StarRocks emulator" error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.fe.errors import StarRocksError, analysis_error, not_supported
from airflow_provider_starrocks.testing.fe.store import DEFAULT_CATALOG, ExternalCatalog

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.store import Store
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

CATALOG_TYPES = ("hive", "iceberg", "hudi", "deltalake", "paimon", "jdbc", "odps", "kudu", "unified")
MASKED_KEYS = ("aws.s3.access_key", "aws.s3.secret_key", "aws.glue.access_key", "aws.glue.secret_key")
REMOVED_KEYS = ("password",)  # CredentialUtil.doMask removes JDBCResource.PASSWORD
CATALOG_NAME_REGEX = r"^[a-zA-Z]\w{0,63}$|^_[a-zA-Z0-9]\w{0,62}$"  # FeNameFormat COMMON_NAME_REGEX


def mask_properties(props: dict[str, str]) -> dict[str, str]:
    """Mask credentials as ``CredentialUtil.maskCredential`` does (keep 2 characters on each side).

    :param props: the stored properties.
    """
    masked: dict[str, str] = {}
    for key, value in props.items():
        if key in REMOVED_KEYS:
            continue
        if key in MASKED_KEYS or key.endswith(".session_token"):
            value = "******" if len(value) <= 4 else value[:2] + "******" + value[-2:]
        masked[key] = value
    return masked


def require_catalog(store: Store, name: str) -> None:
    if name != DEFAULT_CATALOG and name not in store.catalogs:
        # ErrorCode.ERR_BAD_CATALOG_ERROR.
        raise StarRocksError(f"Unknown catalog '{name}'")


def create_catalog(store: Store, ts: TokenStream) -> None:
    """Handle ``CREATE EXTERNAL CATALOG [IF NOT EXISTS] name [COMMENT "..."] PROPERTIES (...)``.

    :param store: the store.
    :param ts: the token stream after ``CREATE EXTERNAL CATALOG``.
    """
    if_not_exists = ts.accept_kw("IF", "NOT", "EXISTS")
    name = ts.identifier_or_string()
    comment = ts.string() if ts.accept_kw("COMMENT") else ""
    ts.expect_kw("PROPERTIES")
    props = ts.property_list()
    ts.end()
    if not name:
        raise analysis_error("'catalog name' can not be null or empty")
    if name == DEFAULT_CATALOG:
        raise analysis_error(
            "External catalog name can't be the same as internal catalog name 'default_catalog'"
        )
    if not re.match(CATALOG_NAME_REGEX, name):
        raise analysis_error(f"Incorrect catalog name '{name}'")
    catalog_type = props.get("type", "")
    if not catalog_type:
        raise analysis_error("'type' can not be null or empty")
    if catalog_type.lower() not in CATALOG_TYPES:
        raise analysis_error(f"[type : {catalog_type}] is not supported")
    with store.lock:
        if name in store.catalogs:
            if if_not_exists:
                return
            # ErrorCode.ERR_CATALOG_EXISTED_ERROR (5514).
            raise StarRocksError(f"Catalog '{name}' already exists")
        store.catalogs[name] = ExternalCatalog(name, catalog_type.lower(), comment, dict(props))


def drop_catalog(store: Store, name: str, if_exists: bool) -> None:
    if name == DEFAULT_CATALOG:
        raise analysis_error("Can't drop the default internal catalog")
    with store.lock:
        if name not in store.catalogs:
            if if_exists:
                return
            raise StarRocksError(f"Unknown catalog '{name}'")
        del store.catalogs[name]


def show_catalogs(store: Store) -> tuple[list[tuple[Any, ...]], list[str]]:
    rows: list[tuple[Any, ...]] = [
        (DEFAULT_CATALOG, "Internal", "An internal catalog contains this cluster's self-managed tables.")
    ]
    with store.lock:
        rows += [(c.name, c.type.capitalize() if c.type != "deltalake" else "DeltaLake", c.comment)
                 for c in sorted(store.catalogs.values(), key=lambda c: c.name)]  # fmt: skip
    return rows, ["Catalog", "Type", "Comment"]


def show_create_catalog(store: Store, name: str) -> tuple[list[tuple[Any, ...]], list[str]]:
    with store.lock:
        catalog = store.catalogs.get(name)
    if catalog is None:
        raise StarRocksError(f"Unknown catalog '{name}'")
    props = ",\n".join(f'"{k}" = "{v}"' for k, v in mask_properties(catalog.properties).items())
    comment = f'\ncomment "{catalog.comment}"' if catalog.comment else ""
    text = f"CREATE EXTERNAL CATALOG `{catalog.name}`{comment}\nPROPERTIES (\n{props}\n)"
    return [(catalog.name, text)], ["Catalog", "Create Catalog"]


def _metastore_kind(catalog: ExternalCatalog) -> str:
    props = catalog.properties
    if catalog.type in ("hive", "hudi", "deltalake"):
        return props.get("hive.metastore.type", "hive").lower()
    if catalog.type == "iceberg":
        return props.get("iceberg.catalog.type", "").lower()
    if catalog.type == "paimon":
        return "paimon-" + props.get("paimon.catalog.type", "").lower()
    return catalog.type


def list_databases(fe: FeContext, name: str) -> list[str]:
    """List the databases of an external catalog (see the module docstring for what is emulated).

    :param fe: the emulator.
    :param name: the catalog name.
    """
    with fe.store.lock:
        catalog = fe.store.catalogs.get(name)
    if catalog is None:
        raise StarRocksError(f"Unknown catalog '{name}'")
    kind = _metastore_kind(catalog)
    if kind == "glue":
        try:
            from airflow_provider_starrocks.testing.aws import call_aws

            client = fe.aws.glue_client(catalog.properties)
            names: list[str] = []
            token: str | None = None
            while True:
                page = call_aws(client.get_databases, **({"NextToken": token} if token else {}))
                names += [db["Name"] for db in page.get("DatabaseList", [])]
                token = page.get("NextToken")
                if not token:
                    return sorted(names)
        except Exception as exc:  # StorageAccessError / botocore errors
            code = getattr(exc, "code", None) or type(exc).__name__
            message = getattr(exc, "message", None) or str(exc)
            # HiveMetaClient.getAllDatabaseNames wraps metastore (Glue) failures this way.
            raise StarRocksError(
                f"Failed to get all database names from meta store: {message} (Service: AWSGlue; Error Code: {code})"
            ) from None
    if kind == "hive":
        uris = catalog.properties.get("hive.metastore.uris", "")
        # HiveMetaClient.getAllDatabaseNames around the Hive client's connect failure (nothing listens here).
        raise StarRocksError(
            "Failed to get all database names from meta store: Could not connect to meta store using any of the URIs "
            f"provided. Most recent failure: org.apache.thrift.transport.TTransportException: "
            f"java.net.ConnectException: Connection refused ({uris})"
        )
    raise not_supported(f"listing databases of a {catalog.type} catalog of kind '{kind or 'unset'}'")
