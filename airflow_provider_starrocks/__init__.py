"""Apache Airflow provider for StarRocks."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

PACKAGE_NAME = "airflow-provider-starrocks"


def get_provider_info() -> dict[str, Any]:
    """Return the provider metadata Airflow reads through the ``apache_airflow_provider`` entry point."""
    return {
        "package-name": PACKAGE_NAME,
        "name": "StarRocks",
        "description": "StarRocks (https://www.starrocks.io/): connections, external catalogs and S3 loads.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "StarRocks",
                "external-doc-url": "https://docs.starrocks.io/",
                "tags": ["software"],
            }
        ],
        "hooks": [
            {
                "integration-name": "StarRocks",
                "python-modules": ["airflow_provider_starrocks.hooks.starrocks"],
            }
        ],
        "operators": [
            {
                "integration-name": "StarRocks",
                "python-modules": [
                    "airflow_provider_starrocks.operators.catalog",
                    "airflow_provider_starrocks.operators.file_table",
                    "airflow_provider_starrocks.operators.broker_load",
                    "airflow_provider_starrocks.operators.files",
                    "airflow_provider_starrocks.operators.unload",
                    "airflow_provider_starrocks.operators.pipe",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": "StarRocks",
                "python-modules": [
                    "airflow_provider_starrocks.sensors.load",
                    "airflow_provider_starrocks.sensors.pipe",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": "StarRocks",
                "python-modules": ["airflow_provider_starrocks.triggers.load"],
            }
        ],
        "connection-types": [
            {
                "connection-type": "starrocks",
                "hook-class-name": "airflow_provider_starrocks.hooks.starrocks.StarRocksHook",
                "hook-name": "StarRocks",
                "ui-field-behaviour": {
                    "hidden-fields": [],
                    "relabeling": {"schema": "Database", "port": "Port (FE query port, 9030)"},
                    "placeholders": {
                        "host": "starrocks-fe.example.com",
                        "port": "9030",
                        "schema": "default database, e.g. analytics",
                        "login": "root",
                        "extra": '{"catalog": "default_catalog", "session_variables": {"query_timeout": 600}}',
                    },
                },
                "conn-fields": {
                    "catalog": {
                        "label": "Catalog",
                        "description": "Catalog to switch to after connecting (default: default_catalog).",
                        "schema": {"type": ["string", "null"]},
                    },
                    "connect_timeout": {
                        "label": "Connect timeout (s)",
                        "description": "Seconds to wait for the FE to accept the connection (default 10).",
                        "schema": {"type": ["integer", "null"], "minimum": 1},
                    },
                },
            }
        ],
    }
