"""The provider's exception classes and its one fatal-versus-retryable rule, as each call site applies it."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_starrocks import exceptions
from airflow_provider_starrocks.exceptions import (
    FATAL_MARKERS,
    StarRocksJobError,
    StarRocksJobFatalError,
    StarRocksLoadError,
    StarRocksLoadFatalError,
    is_fatal_message,
)
from airflow_provider_starrocks.operators._create_flow import statement_error
from airflow_provider_starrocks.utils.load_state import LoadState
from airflow_provider_starrocks.utils.task_run_state import TaskRunState

# One StarRocks / AWS text per marker, as it reaches the classifier (a load's ErrorMsg, a task run's
# ERROR_MESSAGE, the FE's answer to CREATE ... or LOAD LABEL).
FATAL_TEXTS = [
    pytest.param(
        "access_denied",
        "Access denied; you need (at least one of) the INSERT privilege(s)",
        id="access_denied",
    ),
    pytest.param(
        "access_denied", "S3 error: AccessDenied: User is not authorized", id="access_denied_s3_code"
    ),
    pytest.param("forbidden", "Glue: 403 Forbidden", id="forbidden"),
    pytest.param("http_403", "Status Code: 403; Error Code: null", id="http_403"),
    pytest.param(
        "signature_mismatch", "SignatureDoesNotMatch: the signature we calculated", id="signature_mismatch"
    ),
    pytest.param("expired_token", "ExpiredToken: The provided token has expired", id="expired_token"),
    pytest.param(
        "not_authorized", "User: arn:aws:iam::1:user/x is not authorized to perform", id="not_authorized"
    ),
    pytest.param(
        "invalid", "InvalidAccessKeyId: The AWS Access Key Id you provided", id="invalid_access_key_id"
    ),
    pytest.param("invalid", "InvalidClientTokenId: The security token is invalid", id="invalid_client_token"),
    pytest.param("invalid", "'foo' is invalid property", id="invalid_property"),
    pytest.param("invalid", "Invalid catalog type: nosuch", id="invalid_catalog_type"),
    pytest.param("not_supported", "FORMAT AS 'avro' is not supported", id="not_supported"),
    pytest.param(
        "analyzing_error",
        "Getting analyzing error. Detail message: Column 'x' cannot be resolved.",
        id="analyzing_error",
    ),
    pytest.param(
        "syntax_error", "Getting syntax error at line 1, column 5. Detail message: ...", id="syntax_error"
    ),
    pytest.param("syntax_error", "Syntax error in broker load", id="syntax_error_short"),
    pytest.param("already_exists", "Can't create catalog 'c': catalog already exists", id="already_exists"),
    pytest.param("unknown_database", "Unknown database 'x'", id="unknown_database"),
    pytest.param("unknown_table", "Unknown table 'orders'", id="unknown_table"),
    pytest.param("does_not_exist", "Table 'orders' doesn't exist", id="doesnt_exist"),
    pytest.param("does_not_exist", "Database sales does not exist", id="does_not_exist"),
    pytest.param("null_or_empty", "hive.metastore.uris can not be null or empty", id="null_or_empty"),
    pytest.param(
        "quality", "type:ETL_QUALITY_UNSATISFIED; msg:quality not good enough to cancel", id="quality"
    ),
    pytest.param("label_format", "Label format error. regex: ^[-\\w]{1,128}$", id="label_format"),
    pytest.param("no_source_file", "No source file in this table(orders).", id="no_source_file"),
    pytest.param(
        "no_files_found", "No files were found matching the pattern(s) or path(s)", id="no_files_found"
    ),
    pytest.param("must_between", "max_filter_ratio must between 0.0 and 1.0", id="must_between"),
    pytest.param("must_be_greater", "timeout must be equal or greater than 0", id="must_be_greater"),
    pytest.param("priority_out_of_range", "priority should in HIGHEST|HIGH|NORMAL|LOW|LOWEST", id="priority"),
    pytest.param("not_a_number", "Timeout is not a number", id="not_a_number"),
    pytest.param("not_a_boolean", "strict_mode is not a boolean", id="not_a_boolean"),
]

RETRYABLE_TEXTS = [
    pytest.param(None, id="none"),
    pytest.param("", id="empty"),
    pytest.param("Lost connection to MySQL server during query", id="connection_lost"),
    pytest.param("type:TIMEOUT; msg:load timeout by txn manager", id="load_timeout"),
    pytest.param("Too many versions. tablet_id: 10086", id="too_many_versions"),
    pytest.param("Backend node not found. Check if any backend node is down.", id="backend_down"),
    pytest.param("query id 14031 was cancelled by the user", id="number_with_403_inside"),
]


def test_every_marker_has_a_named_case():
    assert {param.values[0] for param in FATAL_TEXTS} == set(FATAL_MARKERS)


@pytest.mark.parametrize(("marker", "text"), FATAL_TEXTS)
def test_marker_texts_are_fatal(marker, text):
    assert is_fatal_message(text)
    assert is_fatal_message(text.upper()), "markers are case-insensitive"


@pytest.mark.parametrize("text", RETRYABLE_TEXTS)
def test_other_texts_are_retryable(text):
    assert not is_fatal_message(text)


@pytest.mark.parametrize(
    ("code", "fatal"),
    [
        pytest.param(1045, True, id="access_denied_login"),
        pytest.param(1064, False, id="generic_error"),
        pytest.param(2013, False, id="lost_connection"),
        pytest.param(None, False, id="no_code"),
    ],
)
def test_mysql_codes(code, fatal):
    assert is_fatal_message("something went wrong", code) is fatal


@pytest.mark.parametrize(("marker", "text"), FATAL_TEXTS)
def test_every_site_applies_the_one_rule(marker, text):
    """The create flow, the load status, the task run status and load submission all answer the same."""
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    assert statement_error(Exception(1064, text), []).permanent
    assert LoadState(label="l", state="CANCELLED", error_msg=text).is_fatal
    assert TaskRunState(label="t", state="FAILED", error_message=text).is_fatal
    assert isinstance(StarRocksHook()._submit_error(Exception(1064, text), "l", []), StarRocksLoadFatalError)


@pytest.mark.parametrize("text", [p for p in RETRYABLE_TEXTS if p.values[0]])
def test_every_site_retries_the_rest(text):
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    assert not statement_error(Exception(1064, text), []).permanent
    assert statement_error(Exception(1045, text), []).permanent  # the login itself was refused
    assert not LoadState(label="l", state="CANCELLED", error_msg=text).is_fatal
    assert not TaskRunState(label="t", state="FAILED", error_message=text).is_fatal
    error = StarRocksHook()._submit_error(Exception(1064, text), "l", [])
    assert type(error) is StarRocksLoadError


def test_job_and_load_hierarchy():
    fatal = StarRocksLoadFatalError("x")
    for cls in (StarRocksLoadError, StarRocksJobFatalError, StarRocksJobError, AirflowFailException):
        assert isinstance(fatal, cls)
    assert issubclass(StarRocksLoadError, StarRocksJobError)
    assert issubclass(StarRocksJobError, AirflowException)
    assert not issubclass(StarRocksLoadError, AirflowFailException)
    assert not issubclass(StarRocksJobError, AirflowFailException)
    assert StarRocksLoadFatalError.__mro__.index(StarRocksLoadError) < StarRocksLoadFatalError.__mro__.index(
        StarRocksJobFatalError
    )


@pytest.mark.parametrize(
    ("module", "name"),
    [
        pytest.param("airflow_provider_starrocks.utils.load_state", "StarRocksLoadError", id="load_error"),
        pytest.param(
            "airflow_provider_starrocks.utils.load_state", "StarRocksLoadFatalError", id="load_fatal"
        ),
        pytest.param("airflow_provider_starrocks.utils.load_state", "UnreadableStatusError", id="unreadable"),
        pytest.param(
            "airflow_provider_starrocks.utils.load_state", "is_fatal_message", id="is_fatal_message"
        ),
        pytest.param(
            "airflow_provider_starrocks.hooks.load_status", "LabelAlreadyUsedError", id="label_used"
        ),
        pytest.param(
            "airflow_provider_starrocks.hooks.starrocks", "StarRocksConnectionError", id="connection"
        ),
        pytest.param(
            "airflow_provider_starrocks.hooks.starrocks",
            "StarRocksConnectionConfigError",
            id="connection_config",
        ),
        pytest.param("airflow_provider_starrocks.hooks.starrocks", "StarRocksVersionError", id="version"),
        pytest.param(
            "airflow_provider_starrocks.operators._create_flow", "StarRocksStatementError", id="statement"
        ),
        pytest.param("airflow_provider_starrocks.triggers._poller", "SharedPollError", id="shared_poll"),
        pytest.param("airflow_provider_starrocks.utils.sql", "StarRocksSqlValueError", id="sql_value"),
        pytest.param("airflow_provider_starrocks.utils.column_types", "ColumnSpecError", id="column_spec"),
        pytest.param(
            "airflow_provider_starrocks.utils.expressions", "StarRocksExpressionError", id="expression"
        ),
        pytest.param("airflow_provider_starrocks.utils.aws_auth", "AwsAuthConfigError", id="aws_auth"),
        pytest.param(
            "airflow_provider_starrocks.utils.catalog_properties", "CatalogConfigError", id="catalog"
        ),
        pytest.param(
            "airflow_provider_starrocks.utils.load_options", "LoadArgumentError", id="load_argument"
        ),
    ],
)
def test_old_locations_re_export_the_same_object(module, name):
    assert getattr(importlib.import_module(module), name) is getattr(exceptions, name)


def test_every_exception_class_of_the_package_lives_in_exceptions():
    import pathlib

    root = pathlib.Path(exceptions.__file__).parent
    defined = [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in root.rglob("*.py")
        if "testing" not in path.parts and path.name != "exceptions.py"
        for line in path.read_text().splitlines()
        if line.startswith("class ") and ("Error" in line.split("(")[0] or "Exception" in line.split("(")[0])
    ]
    assert defined == []


def test_importing_exceptions_is_cheap():
    code = (
        "import sys\n"
        "import airflow_provider_starrocks.exceptions\n"
        "ours = sorted(m for m in sys.modules if m.startswith('airflow_provider_starrocks.'))\n"
        "heavy = [m for m in ('pymysql', 'aiomysql', 'boto3', 'botocore', 'openlineage') "
        "if m in sys.modules]\n"
        "print(ours, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['airflow_provider_starrocks.exceptions'] []"
