"""
Backup, restore and repository operators: every user string is refused before any SQL, naming its argument, or
reaches the FE emulator as exactly that value (read back from the emulator's own parse: its repositories, SHOW
REPOSITORIES, SHOW BACKUP), never as extra SQL.
"""

from __future__ import annotations

import hashlib
import types
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PIECES = [
    "'",
    '"',
    "`",
    "\\",
    "\n",
    ";",
    "--",
    "/*",
    "#",
    "%s",
    '""',
    "``",
    "\u202e",
    "\U0001f600",
    '") ; DROP DATABASE x; --',
    "`) ; DROP DATABASE x; --",
    '" = "x", "aws.s3.access_key" = "y',
    "{{ 7*7 }}",
    "\x00",
]
INJECTION = "\\\") ; DROP REPOSITORY x; -- '`/* \u202e %s\n"
hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet="ab_Z09 .-/", max_size=3)), max_size=6
).map("".join)
plain = st.from_regex(r"\A[a-z][a-z0-9_]{0,12}\Z")
name_or_hostile = st.one_of(plain, hostile, plain.flatmap(lambda n: hostile.map(n.__add__)))


def run_or_refusal(stack: Any, operator: Any, argument: str, context: Any = None) -> tuple[list[str], Any]:
    """Run ``operator.execute``; return what it sent and its result, or ``([], None)`` after a clean refusal."""
    before = len(stack.statements)
    error: Exception | None = None
    result = None
    try:
        result = operator.execute(context if context is not None else {})
    except Exception as exc:
        error = exc
    sent = stack.statements[before:]
    if error is None:
        return sent, result
    assert not [s for s in sent if not s.startswith("SHOW")], (
        f"{argument}: failed after SQL {sent!r}: {error}"
    )
    assert argument in str(error), f"refusal does not name {argument!r}: {error}"
    return [], None


@pytest.fixture
def fe(starrocks):
    starrocks.statements.clear()
    return starrocks


def repository_operator(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.backup import StarRocksCreateRepositoryOperator

    kwargs.setdefault("repository", "sec_repo")
    kwargs.setdefault("location", "s3://starrocks-backup/sec")
    return StarRocksCreateRepositoryOperator(
        task_id="create_repository", aws_conn_id="aws_backup_user", validate=False, **kwargs
    )


def created(stack: Any) -> Any:
    """The one repository the emulator holds, dropped again so the next example starts clean."""
    repos = stack.fe.backups.repos
    (name,) = [row[1] for row in repos.show()[0]]
    repo = repos.get(name)
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

    StarRocksHook().query(f"DROP REPOSITORY `{name}`")
    return repo


@SETTINGS
@given(name=name_or_hostile)
def test_repository_name_is_refused_or_exact(fe, name):
    sent, result = run_or_refusal(fe, repository_operator(repository=name), "repository")
    if sent:
        assert created(fe).name == name == result["repository"]


@SETTINGS
@example(suffix=INJECTION)
@given(suffix=hostile)
def test_repository_location_is_refused_or_exact(fe, suffix):
    location = "s3://starrocks-backup/sec/" + suffix
    sent, result = run_or_refusal(fe, repository_operator(location=location), "location")
    if sent:
        stored = created(fe).location
        assert stored == result["location"]
        assert stored == "s3a://starrocks-backup" + ("/sec/" + suffix).rstrip("/")


@SETTINGS
@example(value=INJECTION)
@given(value=hostile)
def test_repository_property_value_is_refused_or_exact(fe, value):
    operator = repository_operator(properties={"sec.custom": value})
    sent, _ = run_or_refusal(fe, operator, "propert")
    if sent:
        props = created(fe).properties
        assert props["sec.custom"] == value
        assert "aws.s3.access_key" in props
        assert len([k for k in props if k.startswith("aws.s3.access_key")]) == 1


def context() -> dict[str, Any]:
    ti = types.SimpleNamespace(
        dag_id="sec", task_id="backup", run_id="manual__sec", map_index=-1, try_number=1
    )
    return {"ti": ti}


@pytest.fixture
def fe_sales(fe, monkeypatch):
    """The stack with database ``sales`` (table ``orders``) and repository ``sec_repo``; statement log emptied."""
    monkeypatch.setattr(fe.fe.config, "backup_state_delay", 0.0)
    fe.sql(
        "CREATE DATABASE sales",
        "CREATE TABLE sales.orders (id BIGINT) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
    )
    repository_operator().execute({})
    fe.statements.clear()
    return fe


def backup_operator(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.backup import StarRocksBackupOperator

    return StarRocksBackupOperator(
        task_id="backup", database="sales", repository="sec_repo", poll_interval=0.01, **kwargs
    )


@SETTINGS
@given(name=name_or_hostile)
def test_snapshot_name_is_refused_or_exact(fe_sales, name):
    sent, result = run_or_refusal(fe_sales, backup_operator(snapshot=name), "snapshot", context())
    if sent:
        # Examples repeat while hypothesis shrinks: a snapshot already in the repository is returned, not retaken.
        listed = [row[0] for row in fe_sales.sql("SHOW SNAPSHOT ON sec_repo")]
        assert name in listed
        assert result["snapshot"] == name


@SETTINGS
@example(table=INJECTION)
@given(table=name_or_hostile)
def test_table_name_is_refused_or_reaches_the_fe_as_one_name(fe_sales, table):
    before = len(fe_sales.statements)
    try:
        backup_operator(snapshot="sec_snap", tables=[table]).execute(context())
        raise AssertionError(f"backed up an unknown table {table!r}")
    except Exception as exc:
        message = str(exc)
    sent = fe_sales.statements[before:]
    if not [s for s in sent if s.startswith("BACKUP")]:
        assert "tables" in message
        return
    # Read back by the emulator's own parse: it looked up exactly that one table, and nothing ran after it.
    assert f"Incorrect table name '{table}'" in message
    assert [s for s in sent if not s.startswith(("SHOW", "BACKUP", "SET NAMES", "SET AUTOCOMMIT"))] == []


@SETTINGS
@given(partition=name_or_hostile)
def test_partition_name_is_refused_or_exact(fe_sales, partition):
    snapshot = "sec_part_" + hashlib.sha256(partition.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    operator = backup_operator(snapshot=snapshot, tables={"orders": [partition]})
    sent, _ = run_or_refusal(fe_sales, operator, "partition", context())
    backups = [s for s in sent if s.startswith("BACKUP")]
    if backups:  # none when hypothesis repeats an example: that snapshot is already in the repository
        assert f"`orders` PARTITION (`{partition}`)" in backups[0]
