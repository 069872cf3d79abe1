"""
External catalog properties: ``catalog_type`` + ``metastore`` mapped to the keys StarRocks reads for each type.

Sources: ``docs/en/data_source/catalog/{hive_catalog,hudi_catalog,deltalake_catalog,paimon_catalog}.md`` and
``docs/en/data_source/catalog/iceberg/iceberg_catalog.md`` in StarRocks/starrocks.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from airflow_provider_starrocks.exceptions import CatalogConfigError

CATALOG_TYPES = ("hive", "iceberg", "hudi", "deltalake", "paimon")

# catalog type -> (property naming the metastore, allowed metastores)
_METASTORE_KEY = {
    "hive": ("hive.metastore.type", ("hive", "glue")),
    "hudi": ("hive.metastore.type", ("hive", "glue")),
    "deltalake": ("hive.metastore.type", ("hive", "glue")),
    "iceberg": ("iceberg.catalog.type", ("hive", "glue", "rest", "jdbc")),
    "paimon": ("paimon.catalog.type", ("filesystem", "hive", "dlf")),
}
HIVE_URIS_KEY = "hive.metastore.uris"
ICEBERG_URI_KEY = "iceberg.catalog.uri"
ICEBERG_WAREHOUSE_KEY = "iceberg.catalog.warehouse"
PAIMON_WAREHOUSE_KEY = "paimon.catalog.warehouse"

# Keys the operator derives from its own arguments; a user property must not override them silently.
_DERIVED_KEYS = {
    "type": "catalog_type",
    "hive.metastore.type": "metastore",
    "iceberg.catalog.type": "metastore",
    "paimon.catalog.type": "metastore",
    HIVE_URIS_KEY: "metastore_uris",
    ICEBERG_URI_KEY: "rest_uri or jdbc_uri",
    ICEBERG_WAREHOUSE_KEY: "warehouse",
    PAIMON_WAREHOUSE_KEY: "warehouse",
}
# Substrings that make a property value a secret: JDBC passwords, OAuth2 credentials and tokens, object-store
# keys of other clouds (azure.blob.shared_key, gcp.gcs.service_account_private_key, ...).
_SECRET_WORDS = (
    "password",
    "passwd",
    "secret",
    "token",
    "credential",
    "access_key",
    "private_key",
    "shared_key",
)
_THRIFT_URI = re.compile(r"thrift://[A-Za-z0-9.\-\[\]:]+:\d{1,5}\Z")
_HTTP_URI = re.compile(r"https?://[^\s/]\S*\Z")
_JDBC_URI = re.compile(r"jdbc:[a-z0-9]+:\S+\Z")
_WAREHOUSE = re.compile(r"\S+\Z")


@dataclass(frozen=True)
class MetastoreSpec:
    """
    The metastore part of a catalog definition.

    :param catalog_type: one of :data:`CATALOG_TYPES`.
    :param metastore: the metastore kind allowed for that type (e.g. ``glue``).
    :param metastore_uris: Hive metastore Thrift URIs.
    :param rest_uri: the Iceberg REST catalog URI.
    :param jdbc_uri: the Iceberg JDBC catalog URI.
    :param warehouse: the Iceberg REST / JDBC or Paimon warehouse.
    """

    catalog_type: str
    metastore: str
    metastore_uris: str | Sequence[str] | None = None
    rest_uri: str | None = None
    jdbc_uri: str | None = None
    warehouse: str | None = None

    @property
    def uses_glue(self) -> bool:
        return self.metastore == "glue"


def _text(value: object, argument: str, pattern: re.Pattern[str], example: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise CatalogConfigError(f"{argument} {value!r} is invalid: give a value like {example!r}.")
    return value


def _uris(value: str | Sequence[str] | None, spec: MetastoreSpec) -> str:
    where = f"catalog_type={spec.catalog_type!r} with metastore={spec.metastore!r}"
    if value is None or value == "" or value == []:
        raise CatalogConfigError(
            f"metastore_uris is required for {where}: pass e.g. 'thrift://metastore-host:9083'."
        )
    items = value.split(",") if isinstance(value, str) else list(value)
    checked = [
        _text(
            item.strip() if isinstance(item, str) else item,
            "metastore_uris entry",
            _THRIFT_URI,
            "thrift://metastore-host:9083",
        )
        for item in items
    ]
    return ",".join(checked)


def metastore_properties(spec: MetastoreSpec) -> dict[str, str]:
    """
    Return the metastore properties for ``spec`` in the order StarRocks's docs show them, or raise.

    :param spec: the catalog type, the metastore and its fields.
    """
    if spec.catalog_type not in _METASTORE_KEY:
        raise CatalogConfigError(
            f"catalog_type {spec.catalog_type!r} is not supported: use one of {', '.join(CATALOG_TYPES)}."
        )
    key, allowed = _METASTORE_KEY[spec.catalog_type]
    if spec.metastore not in allowed:
        raise CatalogConfigError(
            f"metastore {spec.metastore!r} is not supported for catalog_type={spec.catalog_type!r}: use one of "
            f"{', '.join(allowed)} (it becomes {key!r})."
        )
    needs = {
        "metastore_uris": spec.metastore == "hive",
        "rest_uri": spec.metastore == "rest",
        "jdbc_uri": spec.metastore == "jdbc",
        "warehouse": spec.metastore in ("rest", "jdbc") or spec.catalog_type == "paimon",
    }
    for argument, allowed_here in needs.items():
        if not allowed_here and getattr(spec, argument) not in (None, "", []):
            raise CatalogConfigError(
                f"{argument} does not apply to catalog_type={spec.catalog_type!r} with "
                f"metastore={spec.metastore!r}: remove it."
            )
    props = {key: spec.metastore}
    if spec.metastore == "hive":
        props[HIVE_URIS_KEY] = _uris(spec.metastore_uris, spec)
    elif spec.metastore == "rest":
        if not spec.rest_uri:
            raise CatalogConfigError(
                "rest_uri is required for metastore='rest': pass the REST catalog's URL."
            )
        props[ICEBERG_URI_KEY] = _text(spec.rest_uri, "rest_uri", _HTTP_URI, "https://rest-catalog:8181")
    elif spec.metastore == "jdbc":
        if not spec.jdbc_uri:
            raise CatalogConfigError(
                "jdbc_uri is required for metastore='jdbc': pass e.g. 'jdbc:mysql://h:3306/db'."
            )
        props[ICEBERG_URI_KEY] = _text(
            spec.jdbc_uri, "jdbc_uri", _JDBC_URI, "jdbc:mysql://db-host:3306/iceberg"
        )
    warehouse_key = PAIMON_WAREHOUSE_KEY if spec.catalog_type == "paimon" else ICEBERG_WAREHOUSE_KEY
    if spec.warehouse:
        props[warehouse_key] = _text(spec.warehouse, "warehouse", _WAREHOUSE, "s3://bucket/warehouse/")
    elif spec.metastore == "jdbc" or spec.catalog_type == "paimon":
        raise CatalogConfigError(
            f"warehouse is required for catalog_type={spec.catalog_type!r} with metastore={spec.metastore!r}: "
            "pass e.g. 's3://bucket/warehouse/'."
        )
    return props


def check_user_properties(properties: Mapping[str, object] | None) -> dict[str, object]:
    """
    Check extra catalog properties: string keys, no key the operator derives from its arguments.

    AWS auth keys are refused separately by :func:`~airflow_provider_starrocks.utils.aws_auth.check_no_auth_keys`.

    :param properties: the user's extra properties.
    """
    if properties is None:
        return {}
    if not isinstance(properties, Mapping):
        raise CatalogConfigError(f"properties must be a dict of str to str, got {type(properties).__name__}.")
    for key, value in properties.items():
        if not isinstance(key, str) or not key.strip():
            raise CatalogConfigError(f"properties has the key {key!r}: keys must be non-empty strings.")
        argument = _DERIVED_KEYS.get(key.strip().lower())
        if argument is not None:
            raise CatalogConfigError(
                f"properties sets {key!r}, which the operator derives from {argument}: pass {argument} instead."
            )
        if not isinstance(value, (str, bool, int, float)):
            raise CatalogConfigError(
                f"properties[{key!r}] must be a str, bool or number, got {type(value).__name__}."
            )
    return dict(properties)


@functools.lru_cache(maxsize=1)
def _secret_words() -> tuple[str, ...]:
    # Airflow's own list (authorization, api_key, passphrase, ...), wherever this Airflow release keeps it.
    for module in ("airflow.sdk._shared.secrets_masker", "airflow.utils.log.secrets_masker"):
        try:
            fields = importlib.import_module(module).DEFAULT_SENSITIVE_FIELDS
        except (ImportError, AttributeError):
            continue
        return tuple(sorted(set(_SECRET_WORDS) | set(fields)))
    return _SECRET_WORDS


def is_secret_key(key: str) -> bool:
    """
    Return whether a property key names a secret, in any spelling (``fs.s3a.secret.key``, ``Api-Key``).

    :param key: the property key.
    """
    normalized = re.sub(r"\W+", "_", key.strip().lower())
    return any(word in normalized for word in _secret_words())


def secret_property_keys(properties: Mapping[str, object]) -> frozenset[str]:
    """
    Return the keys whose values are secrets (passwords, OAuth2 credentials and tokens, keys).

    :param properties: catalog or table properties.
    """
    return frozenset(key for key in properties if is_secret_key(key))
