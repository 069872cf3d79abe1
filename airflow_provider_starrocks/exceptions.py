"""
Every exception class of the provider, and the one rule that tells a fatal StarRocks error from a retryable one.

Importing this module costs nothing beyond Airflow's own exception classes, so DAG files and callers may import
it freely. The modules that used to define these classes re-export them, so ``except`` clauses written against
the old locations (e.g. ``airflow_provider_starrocks.utils.load_state.StarRocksLoadError``) keep working.

Retryable errors derive from ``AirflowException`` (Airflow retries the task), fatal ones also from
``AirflowFailException`` (the task fails at once); argument errors are ``ValueError`` subclasses raised before any SQL.
"""

from __future__ import annotations

import re

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

__all__ = [
    "AwsAuthConfigError",
    "BackupArgumentError",
    "StarRocksAnswerLostError",
    "CatalogConfigError",
    "ColumnSpecError",
    "LabelAlreadyUsedError",
    "LoadArgumentError",
    "SharedPollError",
    "StarRocksConnectionConfigError",
    "StarRocksConnectionError",
    "StarRocksExpressionError",
    "StarRocksJobError",
    "StarRocksJobFatalError",
    "StarRocksLoadError",
    "StarRocksLoadFatalError",
    "StarRocksSqlValueError",
    "StarRocksStatementError",
    "StarRocksVersionError",
    "UnreadableStatusError",
    "is_fatal_message",
]

# -- fatal versus retryable ---------------------------------------------------------------------------------------

# StarRocks errors are recognized by message text: codes are not stable across versions. Each marker names a
# failure a retry cannot fix (bad input, missing rights, wrong credentials, names taken or missing, data quality);
# the text is the FE's answer to a statement, a load job's ErrorMsg or a task run's ERROR_MESSAGE.
FATAL_MARKERS: dict[str, str] = {
    "access_denied": r"access ?denied",
    "forbidden": r"forbidden",
    "http_403": r"\b403\b",
    "signature_mismatch": r"SignatureDoesNotMatch",
    "expired_token": r"ExpiredToken",
    "not_authorized": r"not authorized",
    # Also InvalidAccessKeyId, InvalidClientTokenId, "... is invalid property", "Invalid catalog type".
    "invalid": r"invalid",
    "not_supported": r"not supported",
    "analyzing_error": r"analyzing error",
    "syntax_error": r"syntax error",
    # Also RepositoryMgr's "repository with same name already exist: <name>" (no s).
    "already_exists": r"already exists?\b",
    "unknown_database": r"Unknown database",
    "unknown_table": r"Unknown table",
    "does_not_exist": r"doesn't exist|does not exist",
    "null_or_empty": r"can not be null or empty",
    "quality": r"quality not good enough",
    "label_format": r"Label format error",
    "no_source_file": r"No source file",
    "no_files_found": r"No files were found",
    "must_between": r"must between",
    "must_be_greater": r"must be (?:equal or )?greater",
    "priority_out_of_range": r"priority should in",
    "not_a_number": r"is not a number",
    "not_a_boolean": r"is not a boolean",
}
_FATAL_TEXT = re.compile("|".join(f"(?:{pattern})" for pattern in FATAL_MARKERS.values()), re.IGNORECASE)
# MySQL ERR_ACCESS_DENIED_ERROR / ERR_AUTHENTICATION_FAIL: the login itself was refused.
_FATAL_CODES = frozenset({1045})


def is_fatal_message(text: str | None, code: int | None = None) -> bool:
    """
    Return whether a StarRocks error describes a failure that a retry cannot fix.

    :param text: the FE's error message, a load job's ``ErrorMsg`` or a task run's ``ERROR_MESSAGE``.
    :param code: the MySQL error code, when the driver gave one.
    """
    return code in _FATAL_CODES or bool(text and _FATAL_TEXT.search(text))


# -- asynchronous jobs and loads ----------------------------------------------------------------------------------


class StarRocksJobError(AirflowException):
    """An asynchronous StarRocks job failed, was cancelled, or its outcome cannot be determined."""


class StarRocksJobFatalError(StarRocksJobError, AirflowFailException):
    """A job failure that a retry cannot fix."""


class StarRocksLoadError(StarRocksJobError):
    """A StarRocks load failed, was cancelled, or its outcome cannot be determined."""


class StarRocksLoadFatalError(StarRocksLoadError, StarRocksJobFatalError):
    """A load failure that a retry cannot fix (bad input, access denied, data quality)."""


class StarRocksAnswerLostError(StarRocksLoadError):
    """The statement was sent but its answer never came: StarRocks may have run it."""


class LabelAlreadyUsedError(StarRocksLoadError):
    """StarRocks refused the label: a job under it is in flight or FINISHED."""


class UnreadableStatusError(ValueError):
    """A status row without the fields that decide a job's state (read again, counted as a failed poll)."""


class SharedPollError(Exception):
    """The shared status query failed, even on a fresh connection."""


# -- connections ----------------------------------------------------------------------------------------------


class StarRocksConnectionError(Exception):
    """The FE could not be reached, refused the login, or does not know the database."""


class StarRocksConnectionConfigError(StarRocksConnectionError, AirflowFailException):
    """The connection is undefined, its password is refused or its database unknown: a retry cannot fix that."""


class StarRocksVersionError(AirflowFailException):
    """The server is older than a feature needs; a retry cannot fix that."""


# -- statements StarRocks refused ---------------------------------------------------------------------------------


class StarRocksStatementError(Exception):
    """
    A statement StarRocks refused, with its message already scrubbed of secrets.

    :param message: StarRocks's error text.
    :param code: the MySQL error code, when the driver gave one.
    """

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def already_exists(self) -> bool:
        # RepositoryMgr.addAndInitRepoIfNotExist says "already exist" (no s).
        return "already exist" in self.message.lower()

    @property
    def permanent(self) -> bool:
        return is_fatal_message(self.message, self.code)


# -- arguments refused before any SQL is sent -----------------------------------------------------------------


class StarRocksSqlValueError(ValueError):
    """A user value that cannot be placed in StarRocks SQL."""


class ColumnSpecError(StarRocksSqlValueError):
    """A column definition outside the supported grammar."""


class StarRocksExpressionError(ValueError):
    """An expression argument that is not what its clause takes."""


class AwsAuthConfigError(ValueError):
    """An AWS connection or argument that cannot be turned into StarRocks AWS properties."""


class CatalogConfigError(ValueError):
    """A catalog argument that cannot become valid catalog properties."""


class LoadArgumentError(ValueError):
    """A broker-load argument that cannot be turned into a valid load."""


class BackupArgumentError(ValueError):
    """An argument of the backup, restore or repository operators that cannot become a valid statement."""
