"""
Create a StarRocks object idempotently: check, create, validate, roll back, or replace through a temporary twin.

Shared by the external catalog and file external table operators. Both objects store credentials that
``SHOW CREATE ...`` masks, so an object that was dropped could not be restored: a replacement is created and
validated under a temporary name first, and the old object is dropped only once the new definition works.
"""

from __future__ import annotations

import logging
import secrets as _random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_starrocks.exceptions import StarRocksStatementError
from airflow_provider_starrocks.utils.redaction import scrub_secrets

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook
    from airflow_provider_starrocks.utils.sql import Statement

    Runner = Callable[[Statement], tuple[list[tuple[Any, ...]], list[str]]]

log = logging.getLogger(__name__)

IF_EXISTS_CHOICES = ("error", "ignore", "replace")


def statement_error(exc: BaseException, secret_values: Iterable[str]) -> StarRocksStatementError:
    """
    Turn a driver exception into a :class:`StarRocksStatementError` whose text holds no secret.

    :param exc: the exception raised by the hook or the driver.
    :param secret_values: the values to hide.
    """
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) == 2 and isinstance(args[0], int):
        code, message = args[0], str(args[1])
    else:
        code, message = None, str(exc) or type(exc).__name__
    return StarRocksStatementError(scrub_secrets(message, secret_values), code)


def check_create_arguments(if_exists: object, comment: object) -> None:
    """
    Refuse a bad ``if_exists`` or ``comment``, the arguments every create operator shares; raises ``ValueError``.

    :param if_exists: one of :data:`IF_EXISTS_CHOICES`.
    :param comment: ``None`` or a string.
    """
    if if_exists not in IF_EXISTS_CHOICES:
        raise ValueError(f"if_exists {if_exists!r} is invalid: use one of {', '.join(IF_EXISTS_CHOICES)}.")
    if comment is not None and not isinstance(comment, str):
        raise ValueError(f"comment must be a string, got {type(comment).__name__}.")


def statement_runner(hook: StarRocksHook, conn: Any, secret_values: Iterable[str]) -> Runner:
    """
    Return a function that runs one statement on ``conn`` and raises :class:`StarRocksStatementError` on failure.

    :param hook: the StarRocks hook.
    :param conn: an open connection of the hook.
    :param secret_values: the values to scrub from error texts.
    """
    secrets = list(secret_values)

    def run(statement: Statement) -> tuple[list[tuple[Any, ...]], list[str]]:
        try:
            return hook.execute_statement(statement, conn)
        except Exception as exc:  # the driver's error types vary; the text is scrubbed of secrets
            raise statement_error(exc, secrets) from None

    return run


def temporary_name(name: str, limit: int) -> str:
    """
    Return a fresh temporary name derived from ``name``, at most ``limit`` characters.

    :param name: the object's name.
    :param limit: the longest name StarRocks accepts for the object.
    """
    suffix = f"__tmp_{_random.token_hex(4)}"
    return name[: limit - len(suffix)] + suffix


@dataclass
class Lifecycle:
    """
    How to check, create, drop and validate one kind of object; each callable takes the object's name.

    :param kind: ``"catalog"`` or ``"table"``, for messages.
    :param exists: whether an object of that name exists.
    :param create: create it (raises :class:`StarRocksStatementError`).
    :param drop: drop it.
    :param validate: make StarRocks reach the object's storage or metastore (raises on failure).
    :param temp_name_limit: the longest valid name, for the temporary twin of ``replace``.
    """

    kind: str
    exists: Callable[[str], bool]
    create: Callable[[str], Any]
    drop: Callable[[str], Any]
    validate: Callable[[str], Any]
    temp_name_limit: int


def fail(err: StarRocksStatementError, what: str) -> AirflowException:
    """
    Build the task failure for ``err``: :class:`AirflowFailException` when a retry cannot help.

    :param err: the StarRocks error.
    :param what: what was being done, e.g. ``"validating catalog 'sales'"``.
    """
    exc_type = AirflowFailException if err.permanent else AirflowException
    return exc_type(f"StarRocks failed {what}: {err.message}")


def _validate_or_drop(ops: Lifecycle, name: str) -> None:
    try:
        ops.validate(name)
    except StarRocksStatementError as err:
        log.warning(
            "%s %r failed validation; dropping it again because this task created it.", ops.kind, name
        )
        try:
            ops.drop(name)
        except StarRocksStatementError as drop_err:
            log.error("Could not drop %s %r after failed validation: %s", ops.kind, name, drop_err.message)
        raise fail(err, f"validating {ops.kind} {name!r} (it was dropped again)") from None


def _replace(ops: Lifecycle, name: str, validate: bool) -> str:
    temp = temporary_name(name, ops.temp_name_limit)
    log.info("Replacing %s %r: creating the new definition as %r first.", ops.kind, name, temp)
    try:
        ops.create(temp)
    except StarRocksStatementError as err:
        raise fail(err, f"creating the replacement {ops.kind} {temp!r}; {name!r} is unchanged") from None
    try:
        if validate:
            ops.validate(temp)
    except StarRocksStatementError as err:
        raise fail(
            err, f"validating the replacement for {ops.kind} {name!r}; {name!r} is unchanged"
        ) from None
    finally:
        try:
            ops.drop(temp)
        except StarRocksStatementError as err:
            log.error("Could not drop the temporary %s %r: %s", ops.kind, temp, err.message)
    try:
        ops.drop(name)
    except StarRocksStatementError as err:
        raise fail(err, f"dropping {ops.kind} {name!r} to replace it; it is unchanged") from None
    try:
        ops.create(name)
    except StarRocksStatementError as err:
        # The validated definition could not be re-created (e.g. a concurrent create took the name).
        raise fail(err, f"re-creating {ops.kind} {name!r} after dropping the old definition") from None
    if validate:
        _validate_or_drop(ops, name)
    return "replaced"


def _existing(ops: Lifecycle, name: str, if_exists: str, validate: bool) -> str:
    if if_exists == "ignore":
        log.info("%s %r already exists; if_exists='ignore' leaves it unchanged.", ops.kind.capitalize(), name)
        return "ignored"
    if if_exists == "replace":
        return _replace(ops, name, validate)
    raise AirflowFailException(
        f"{ops.kind.capitalize()} {name!r} already exists: set if_exists='ignore' to keep it or "
        "if_exists='replace' to replace it."
    )


def create_idempotently(ops: Lifecycle, name: str, *, if_exists: str, validate: bool) -> str:
    """
    Create ``name`` as ``if_exists`` says and return ``"created"``, ``"ignored"`` or ``"replaced"``.

    :param ops: the object's lifecycle callables.
    :param name: the object's name.
    :param if_exists: ``"error"``, ``"ignore"`` or ``"replace"``.
    :param validate: whether to validate the created object (dropping it again when that fails).
    """
    try:
        found = ops.exists(name)
    except StarRocksStatementError as err:
        raise fail(err, f"checking whether {ops.kind} {name!r} exists") from None
    if found:
        return _existing(ops, name, if_exists, validate)
    try:
        ops.create(name)
    except StarRocksStatementError as err:
        if not err.already_exists:
            raise fail(err, f"creating {ops.kind} {name!r}") from None
        log.info("%s %r was created concurrently after the existence check.", ops.kind.capitalize(), name)
        return _existing(ops, name, if_exists, validate)
    if validate:
        _validate_or_drop(ops, name)
    return "created"
