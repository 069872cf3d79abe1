"""
What a FILES() load submitted as a task leaves in StarRocks, and its clean-up.

``SUBMIT TASK`` stores the INSERT text, FILES() keys included, as the task's definition. StarRocks shows it in
``information_schema.tasks`` until ``DROP TASK`` (or ``task_ttl_second``, 1 day) and keeps a copy with every run
in ``information_schema.task_runs`` (and the ``_statistics_.task_run_history`` archive) for ``task_runs_ttl_second``
(7 days), which ``DROP TASK`` does not shorten (scheduler/TaskRun.java, TaskManager.java dropTasks;
test/sql/test_task/R/test_drop). Both tables redact DEFINITION from 3.5.6 on (#62311, backport #62569:
catalog/system/information/TasksSystemTable.java and TaskRunsSystemTable.java with SqlCredentialRedactor);
3.3 and 3.4 show it in clear text to anyone with any privilege on the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.hooks.load_status import driver_message
from airflow_provider_starrocks.operators._load_record import LoadRecord
from airflow_provider_starrocks.utils.arguments import check_keep_task  # noqa: F401  (re-exported)
from airflow_provider_starrocks.utils.statements.files import drop_task
from airflow_provider_starrocks.utils.statements.session import use_database

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: The first release whose ``information_schema.tasks`` / ``task_runs`` redact credentials in DEFINITION.
TASK_REDACTION_SINCE = (3, 5, 6)
_KEY_SUFFIXES = (".access_key", ".secret_key", ".session_token")
SAFER_MODES = (
    "credential_mode='instance_profile' or 'assumed_role' (StarRocks's own node role, optionally assuming a "
    "role: no key in the SQL)"
)


def task_tables_redact(version: Sequence[int]) -> bool:
    """
    Whether this StarRocks release redacts credentials in the DEFINITION of its task tables.

    :param version: (major, minor, patch).
    """
    return tuple(version) >= TASK_REDACTION_SINCE


def carries_keys(auth: Mapping[str, str]) -> bool:
    """
    Whether the FILES() auth properties hold AWS keys (iam_user, temporary, keys with a role).

    :param auth: the ``aws.s3.*`` properties.
    """
    return any(key.endswith(_KEY_SUFFIXES) for key in auth)


def _release(version: Sequence[int] | None) -> str:
    return ".".join(map(str, version)) if version else "this StarRocks"


def warn_stored_keys(
    log: Any, name: str, auth: Mapping[str, str], version: Sequence[int], keep: bool
) -> None:
    """
    Warn, before ``SUBMIT TASK``, when the task's definition will show AWS keys in clear text.

    :param log: the operator's logger.
    :param name: the task name.
    :param auth: the ``aws.s3.*`` properties.
    :param version: the server version.
    :param keep: ``keep_task``.
    """
    if not carries_keys(auth) or task_tables_redact(version):
        return
    after = (
        "kept (keep_task=True) in information_schema.tasks until you DROP TASK it"
        if keep
        else "in information_schema.tasks until the run ends (then the task is dropped)"
    )
    log.warning(
        "StarRocks %s does not redact task definitions (3.5.6+ does): the AWS keys of task %r will be readable "
        "in clear text by anyone with a privilege on database's tasks: %s, and in information_schema.task_runs "
        "for task_runs_ttl_second (7 days by default; DROP TASK does not remove runs). Use %s, or "
        "submit_as_task=False.",
        _release(version),
        name,
        after,
        SAFER_MODES,
    )


def release_task(op: Any, conn: Any, name: str, database: str) -> None:
    """
    Drop the finished task (or keep it with ``keep_task``); never raise: the load's outcome stands.

    :param op: the operator (``hook``, ``log``, ``keep_task``).
    :param conn: an open connection.
    :param name: the task name.
    :param database: the task's database.
    """
    if op.keep_task:
        op.log.warning(
            "Keeping StarRocks task %r (keep_task=True). Before StarRocks 3.5.6 its definition, with any AWS keys "
            "of the connection, stays readable in information_schema.tasks; remove it with: %s",
            name,
            drop_task(name).redacted,
        )
        return
    try:
        op.hook.execute_statement(use_database(database), conn)
        op.hook.drop_task(name, conn)
    except Exception as exc:
        op.log.warning(
            "Could not drop StarRocks task %r (%s): its definition stays in information_schema.tasks until "
            "task_ttl_second; drop it by hand with: USE %s; %s",
            name,
            driver_message(exc),
            use_database(database).redacted[4:],
            drop_task(name).redacted,
        )


class TaskRecord(LoadRecord):
    """This task's record of a finished FILES() task run, for a retry that finds neither label nor run."""

    KEY = "starrocks_files_task"

    def done(self, name: str, result: Mapping[str, Any]) -> None:
        """
        Record the successful run and its XCom result.

        :param name: the task name.
        :param result: the operator's result.
        """
        self._put({"task": name, "state": "SUCCESS", "result": dict(result)})

    def succeeded(self, name: str) -> dict[str, Any] | None:
        """
        Return the recorded result of a successful run of ``name``, if any.

        :param name: the task name.
        """
        value = self.get()
        if value and value.get("task") == name and value.get("state") == "SUCCESS":
            result = value.get("result")
            return dict(result) if isinstance(result, dict) else None
        return None
