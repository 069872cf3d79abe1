"""Pure logic of the catalog operator: metastore mapping, user properties, the SQL builders, flow helpers."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.operators._create_flow import statement_error, temporary_name
from airflow_provider_starrocks.utils import sql
from airflow_provider_starrocks.utils.catalog_properties import (
    CatalogConfigError,
    MetastoreSpec,
    check_user_properties,
    metastore_properties,
    secret_property_keys,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            MetastoreSpec("hive", "hive", metastore_uris="thrift://10.0.0.1:9083"),
            {"hive.metastore.type": "hive", "hive.metastore.uris": "thrift://10.0.0.1:9083"},
            id="hive_hms",
        ),
        pytest.param(
            MetastoreSpec("hudi", "hive", metastore_uris=["thrift://a:9083", " thrift://b:9083"]),
            {"hive.metastore.type": "hive", "hive.metastore.uris": "thrift://a:9083,thrift://b:9083"},
            id="hudi_hms_uri_list",
        ),
        pytest.param(MetastoreSpec("hive", "glue"), {"hive.metastore.type": "glue"}, id="hive_glue"),
        pytest.param(
            MetastoreSpec("deltalake", "glue"), {"hive.metastore.type": "glue"}, id="deltalake_glue"
        ),
        pytest.param(MetastoreSpec("iceberg", "glue"), {"iceberg.catalog.type": "glue"}, id="iceberg_glue"),
        pytest.param(
            MetastoreSpec("iceberg", "rest", rest_uri="https://rest:8181", warehouse="wh"),
            {
                "iceberg.catalog.type": "rest",
                "iceberg.catalog.uri": "https://rest:8181",
                "iceberg.catalog.warehouse": "wh",
            },
            id="iceberg_rest",
        ),
        pytest.param(
            MetastoreSpec("iceberg", "jdbc", jdbc_uri="jdbc:mysql://h:3306/ice", warehouse="s3://b/wh/"),
            {
                "iceberg.catalog.type": "jdbc",
                "iceberg.catalog.uri": "jdbc:mysql://h:3306/ice",
                "iceberg.catalog.warehouse": "s3://b/wh/",
            },
            id="iceberg_jdbc",
        ),
        pytest.param(
            MetastoreSpec("paimon", "filesystem", warehouse="s3://b/paimon/"),
            {"paimon.catalog.type": "filesystem", "paimon.catalog.warehouse": "s3://b/paimon/"},
            id="paimon_filesystem",
        ),
        pytest.param(
            MetastoreSpec("paimon", "hive", metastore_uris="thrift://h:9083", warehouse="s3://b/p/"),
            {
                "paimon.catalog.type": "hive",
                "hive.metastore.uris": "thrift://h:9083",
                "paimon.catalog.warehouse": "s3://b/p/",
            },
            id="paimon_hive",
        ),
    ],
)
def test_metastore_properties(spec, expected):
    assert metastore_properties(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param(MetastoreSpec("jdbc", "hive"), "catalog_type 'jdbc' is not supported", id="bad_type"),
        pytest.param(MetastoreSpec("hive", "rest"), "metastore 'rest' is not supported", id="bad_metastore"),
        pytest.param(MetastoreSpec("hive", "hive"), "metastore_uris is required", id="missing_uris"),
        pytest.param(
            MetastoreSpec("hive", "hive", metastore_uris="http://h:9083"),
            "metastore_uris entry",
            id="not_thrift",
        ),
        pytest.param(
            MetastoreSpec("hive", "glue", metastore_uris="thrift://h:9083"),
            "metastore_uris does not apply",
            id="uris_with_glue",
        ),
        pytest.param(MetastoreSpec("iceberg", "rest"), "rest_uri is required", id="missing_rest_uri"),
        pytest.param(
            MetastoreSpec("iceberg", "rest", rest_uri="rest:8181"),
            "rest_uri 'rest:8181' is invalid",
            id="bad_rest",
        ),
        pytest.param(
            MetastoreSpec("iceberg", "jdbc", jdbc_uri="jdbc:mysql://h/db"),
            "warehouse is required",
            id="jdbc_wh",
        ),
        pytest.param(
            MetastoreSpec("iceberg", "jdbc", jdbc_uri="mysql://h/db", warehouse="w"),
            "jdbc_uri",
            id="bad_jdbc",
        ),
        pytest.param(MetastoreSpec("paimon", "filesystem"), "warehouse is required", id="paimon_no_wh"),
        pytest.param(
            MetastoreSpec("hive", "glue", warehouse="s3://b/"),
            "warehouse does not apply",
            id="warehouse_hive",
        ),
    ],
)
def test_metastore_properties_refuses(spec, message):
    with pytest.raises(CatalogConfigError, match=message):
        metastore_properties(spec)


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        pytest.param({"type": "hive"}, "derives from catalog_type", id="type"),
        pytest.param({"Hive.Metastore.Type": "glue"}, "derives from metastore", id="metastore_case"),
        pytest.param({"hive.metastore.uris": "thrift://h:1"}, "metastore_uris", id="uris"),
        pytest.param({"": "x"}, "non-empty strings", id="empty_key"),
        pytest.param({"a": ["x"]}, "must be a str, bool or number", id="list_value"),
        pytest.param(["a"], "must be a dict", id="not_a_dict"),
    ],
)
def test_user_properties_refused(properties, message):
    with pytest.raises(CatalogConfigError, match=message):
        check_user_properties(properties)


def test_secret_property_keys():
    props = {
        "iceberg.catalog.jdbc.password": "p",
        "iceberg.catalog.oauth2.credential": "c",
        "iceberg.catalog.oauth2.token": "t",
        "iceberg.catalog.jdbc.user": "u",
        "enable_recursive_listing": "true",
    }
    assert secret_property_keys(props) == {
        "iceberg.catalog.jdbc.password",
        "iceberg.catalog.oauth2.credential",
        "iceberg.catalog.oauth2.token",
    }


def test_temporary_name_is_valid_and_bounded():
    name = temporary_name("c" * 64, 64)
    assert len(name) == 64
    assert sql.validate_name(name, "catalog_name") == name


def test_statement_error_scrubs_secrets():
    err = statement_error(
        Exception(1064, "bad key AKIAEXAMPLE / secret s3cr3tvalue"), ["s3cr3tvalue", "AKIAEXAMPLE"]
    )
    assert err.code == 1064
    assert err.message == "bad key *** / secret ***"
    assert not err.permanent
    assert statement_error(Exception(1064, "AccessDenied: not allowed"), []).permanent


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        pytest.param("fs.s3a.access.key", True, id="s3a_access_key"),
        pytest.param("fs.s3a.secret.key", True, id="s3a_secret_key"),
        pytest.param("authorization", True, id="airflow_authorization"),
        pytest.param("Api-Key", True, id="airflow_api_key"),
        pytest.param("passphrase", True, id="airflow_passphrase"),
        pytest.param("jdbc_password", True, id="password"),
        pytest.param("hive.metastore.uris", False, id="uri"),
        pytest.param("aws.s3.region", False, id="region"),
    ],
)
def test_secret_key_names_follow_airflow_and_any_spelling(key, secret):
    from airflow_provider_starrocks.utils.catalog_properties import is_secret_key

    assert is_secret_key(key) is secret
