"""CREATE / ALTER / DROP PIPE and the pipe information_schema queries."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.expressions import StarRocksExpressionError
from airflow_provider_starrocks.utils.sql import StarRocksSqlValueError
from airflow_provider_starrocks.utils.statements.files import select_from_files
from airflow_provider_starrocks.utils.statements.pipes import (
    alter_pipe,
    create_pipe,
    drop_pipe,
    pipe_files,
    pipes,
)

FILES = {"path": "s3://b/daily/*", "format": "parquet", "aws.s3.use_instance_profile": "false",
         "aws.s3.access_key": "AKIAEXAMPLE", "aws.s3.secret_key": "topsecret"}  # fmt: skip
SECRETS = {"aws.s3.access_key", "aws.s3.secret_key"}


@pytest.mark.parametrize(
    ("if_exists", "head"),
    [
        pytest.param("error", "CREATE PIPE `sales`.`daily_pipe`", id="error"),
        pytest.param("ignore", "CREATE PIPE IF NOT EXISTS `sales`.`daily_pipe`", id="ignore"),
        pytest.param("replace", "CREATE OR REPLACE PIPE `sales`.`daily_pipe`", id="replace"),
    ],
)
def test_create_pipe_forms(if_exists: str, head: str) -> None:
    statement = create_pipe(
        database="sales",
        pipe="daily_pipe",
        table="orders",
        source=select_from_files("id, name", FILES, SECRETS),
        pipe_properties={"AUTO_INGEST": True, "POLL_INTERVAL": 10},
        if_exists=if_exists,
    )
    assert statement.sql.startswith(
        head + '\nPROPERTIES (\n    "AUTO_INGEST" = "true",\n    "POLL_INTERVAL" = "10"\n)'
    )
    assert "\nAS INSERT INTO `sales`.`orders`\nSELECT `id`, `name`\nFROM FILES(" in statement.sql
    assert "topsecret" in statement.sql
    assert "topsecret" not in statement.redacted
    assert "AKIAEXAMPLE" not in statement.redacted


def test_create_pipe_without_properties() -> None:
    source = select_from_files("*", {"path": "s3://b/x/", "format": "csv"})
    statement = create_pipe(database="sales", pipe="p", table="orders", source=source)
    assert statement.sql.startswith(
        "CREATE PIPE `sales`.`p`\nAS INSERT INTO `sales`.`orders`\nSELECT *\nFROM FILES("
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"if_exists": "skip"}, StarRocksSqlValueError, "if_exists", id="if-exists"),
        pytest.param({"pipe": "bad-name"}, StarRocksSqlValueError, "pipe", id="pipe-name"),
        pytest.param({"database": "1db"}, StarRocksSqlValueError, "database", id="database-name"),
    ],
)
def test_create_pipe_refuses(kwargs: dict, error: type, match: str) -> None:
    args = {
        "database": "sales",
        "pipe": "p",
        "table": "orders",
        "source": select_from_files("*", FILES),
        **kwargs,
    }
    with pytest.raises(error, match=match):
        create_pipe(**args)


@pytest.mark.parametrize(
    "select",
    [
        pytest.param("1 FROM x; DROP TABLE t", id="select-injection"),
        pytest.param("count(*) FROM FILES()", id="select-from"),
    ],
)
def test_pipe_source_refuses_a_select_that_is_not_a_select_list(select: str) -> None:
    with pytest.raises(StarRocksExpressionError, match="select"):
        select_from_files(select, FILES)


@pytest.mark.parametrize(
    ("action", "clause"),
    [
        pytest.param("suspend", "SUSPEND", id="suspend"),
        pytest.param("resume", "RESUME", id="resume"),
        pytest.param("retry", "RETRY ALL", id="retry"),
    ],
)
def test_alter_pipe(action: str, clause: str) -> None:
    assert alter_pipe("sales", "p", action).sql == f"ALTER PIPE `sales`.`p` {clause}"


def test_alter_pipe_refuses_unknown_action() -> None:
    with pytest.raises(StarRocksSqlValueError, match="action 'drop'"):
        alter_pipe("sales", "p", "drop")


def test_drop_pipe() -> None:
    assert drop_pipe("sales", "p").sql == "DROP PIPE `sales`.`p`"
    assert drop_pipe("sales", "p", if_exists=True).sql == "DROP PIPE IF EXISTS `sales`.`p`"


def test_pipe_files_quotes_file_names() -> None:
    sql = pipe_files("sales", "p", ['s3://b/x".parquet', "s3://b/a.parquet"]).sql
    assert sql.startswith("SELECT DATABASE_NAME, PIPE_ID, PIPE_NAME, FILE_NAME,")
    assert sql.endswith(
        'WHERE DATABASE_NAME = "sales" AND PIPE_NAME = "p" AND FILE_NAME IN ("s3://b/a.parquet", "s3://b/x\\".parquet")'
    )
    assert "FILE_NAME IN" not in pipe_files("sales", "p").sql


def test_pipes_never_reads_properties() -> None:
    sql = pipes("sales", "p").sql
    assert "PROPERTIES" not in sql
    assert sql.endswith('WHERE DATABASE_NAME = "sales" AND PIPE_NAME = "p"')
