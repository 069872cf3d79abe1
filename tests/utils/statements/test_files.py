"""SQL builders of FILES() loads: INSERT ... FROM FILES(), SUBMIT TASK, DROP TASK, task_runs."""

from __future__ import annotations

import pytest

from airflow_provider_starrocks.utils.statements.files import (
    drop_task,
    insert_from_files,
    submit_task,
    task_runs,
)
from airflow_provider_starrocks.utils.statements.session import set_session_variable, use_database

PROPS = {
    "path": "s3://b/k/*.csv",
    "format": "csv",
    "csv.column_separator": "\t",
    "aws.s3.secret_key": "s3cr3t!",
}


def build(**kwargs):
    args = {"database": "sales", "table": "orders", "label": "l-1", "files_properties": PROPS}
    return insert_from_files(**{**args, "secret_keys": {"aws.s3.secret_key"}, **kwargs})


def test_insert_from_files_text_and_redacted_twin():
    stmt = build(columns=["id", "na`me"], select="$1, upper($2)", where="$1 > 0")
    assert stmt.sql == (
        "INSERT INTO `sales`.`orders` WITH LABEL `l-1` (`id`, `na``me`)\n"
        "SELECT `$1`, UPPER(`$2`)\nFROM FILES(\n"
        '    "path" = "s3://b/k/*.csv",\n    "format" = "csv",\n    "csv.column_separator" = "\\t",\n'
        '    "aws.s3.secret_key" = "s3cr3t!"\n)\nWHERE (`$1` > 0)'
    )
    assert stmt.redacted == stmt.sql.replace("s3cr3t!", "***")
    assert "s3cr3t!" not in repr(stmt)
    assert "s3cr3t!" not in str(stmt)


def test_submit_task_wraps_the_insert_and_its_twin():
    task = submit_task("l-1", build(), {"session.insert_timeout": 600})
    assert task.sql.startswith(
        'SUBMIT TASK `l-1`\nPROPERTIES (\n    "session.insert_timeout" = "600"\n)\nAS INSERT'
    )
    assert "s3cr3t!" in task.sql
    assert "s3cr3t!" not in task.redacted


def test_set_session_variable_quotes_text_and_keeps_numbers():
    assert set_session_variable("insert_timeout", 600).sql == "SET `insert_timeout` = 600"
    assert set_session_variable("time_zone", "1; x").sql == 'SET `time_zone` = "1; x"'


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: build(select="1; DROP TABLE t"), "select", id="select"),
        pytest.param(lambda: build(where="a = 'x"), "unterminated '", id="where"),
        pytest.param(lambda: build(label="a b"), "label 'a b' is invalid", id="label"),
        pytest.param(lambda: build(table="a`b"), "table 'a`b' is invalid", id="table"),
        pytest.param(lambda: drop_task("x;y"), "is invalid", id="task_name"),
        pytest.param(lambda: set_session_variable("time_zone", "a\x00b"), "NUL", id="set_value"),
    ],
)
def test_builders_refuse_bad_values(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_small_statements():
    assert drop_task("t-1").sql == "DROP TASK `t-1`"
    assert use_database("sales").sql == "USE `sales`"
    assert set_session_variable("insert_timeout", 60).sql == "SET `insert_timeout` = 60"
    assert task_runs('a"b').sql == (
        "SELECT QUERY_ID, TASK_NAME, CREATE_TIME, FINISH_TIME, STATE, `DATABASE`, ERROR_CODE, ERROR_MESSAGE, "
        'PROGRESS FROM information_schema.task_runs WHERE TASK_NAME = "a\\"b" ORDER BY CREATE_TIME DESC'
    )
