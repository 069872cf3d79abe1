"""The catalog and file-external-table statement builders: CREATE / DROP, SHOW and the validation probes."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.column_types import parse_columns
from airflow_provider_starrocks.utils.sql import StarRocksSqlValueError
from airflow_provider_starrocks.utils.statements import catalogs


def test_create_external_catalog_statement():
    stmt = catalogs.create_external_catalog(
        "sales",
        {"type": "hive", "aws.s3.secret_key": 'se"cret', "enable_recursive_listing": True},
        {"aws.s3.secret_key"},
        comment='it\'s "ours"',
    )
    assert stmt.sql == (
        'CREATE EXTERNAL CATALOG `sales` COMMENT "it\'s \\"ours\\""\nPROPERTIES (\n'
        '    "type" = "hive",\n    "aws.s3.secret_key" = "se\\"cret",\n    "enable_recursive_listing" = "true"\n)'
    )
    assert "se" + '\\"cret' not in stmt.redacted
    assert '"aws.s3.secret_key" = "***"' in stmt.redacted


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("1abc", id="digit_first"),
        pytest.param("a-b", id="dash"),
        pytest.param("a" * 65, id="too_long"),
    ],
)
def test_catalog_builders_refuse_bad_names(name):
    with pytest.raises(StarRocksSqlValueError, match="catalog_name"):
        catalogs.drop_catalog(name)


def test_create_file_external_table_statement():
    stmt = catalogs.create_file_external_table(
        "test_s3_db",
        "file_table",
        parse_columns("id varchar(65500), attributes map<varchar(100), varchar(2000)>"),
        {"path": "s3://starrocks-test/", "format": "ORC", "aws.s3.secret_key": "sek"},
        {"aws.s3.secret_key"},
    )
    assert stmt.sql.startswith(
        "CREATE EXTERNAL TABLE `test_s3_db`.`file_table` (\n    `id` VARCHAR(65500),\n"
        "    `attributes` MAP<VARCHAR(100),VARCHAR(2000)>\n) ENGINE=file\nPROPERTIES (\n"
    )
    assert '"aws.s3.secret_key" = "sek"' in stmt.sql
    assert '"aws.s3.secret_key" = "***"' in stmt.redacted


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        pytest.param(lambda: catalogs.drop_table("db", "t`x"), "DROP TABLE `db`.`t``x`", id="drop_table"),
        pytest.param(lambda: catalogs.show_tables("db"), "SHOW TABLES FROM `db`", id="show_tables"),
        pytest.param(
            lambda: catalogs.select_one_row("db", "t"), "SELECT * FROM `db`.`t` LIMIT 1", id="select"
        ),
    ],
)
def test_table_builders(builder, expected):
    assert builder().sql == expected
