"""StarRocksCreateRepositoryOperator against the local stack: each auth method, s3a, if_exists, bad inputs."""

from __future__ import annotations

import json
import logging
import re

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_starrocks.hooks.starrocks import StarRocksHook
from airflow_provider_starrocks.operators.backup import StarRocksCreateRepositoryOperator
from airflow_provider_starrocks.testing.aws import USER_BACKUP
from airflow_provider_starrocks.testing.aws_identities import BACKUP_ROLE, role_arn

LOCATION = "s3://starrocks-backup/repos"


def repositories() -> dict[str, tuple[str, str]]:
    rows, columns = StarRocksHook().query("SHOW REPOSITORIES")
    named = [dict(zip(columns, row)) for row in rows]
    return {r["RepoName"]: (r["Location"], r["IsReadOnly"]) for r in named}


def operator(**kwargs) -> StarRocksCreateRepositoryOperator:
    defaults = {
        "task_id": "create",
        "repository": "nightly",
        "location": LOCATION,
        "aws_conn_id": "aws_backup_user",
    }
    return StarRocksCreateRepositoryOperator(**{**defaults, **kwargs})


def sent(stack, prefix: str) -> list[str]:
    return [s for s in stack.statements if s.startswith(prefix)]


@pytest.mark.parametrize(
    ("aws_conn_id", "expected"),
    [
        pytest.param(
            "aws_backup_user",
            {"aws.s3.use_instance_profile": "false", "aws.s3.access_key": None, "aws.s3.secret_key": None},
            id="iam_user",
        ),
        pytest.param(
            "aws_backup_role",
            {"aws.s3.use_instance_profile": "true", "aws.s3.iam_role_arn": role_arn(BACKUP_ROLE)},
            id="assumed_role",
        ),
    ],
)
def test_auth_methods_create_a_writable_repository(starrocks, aws_conn_id, expected, capfd):
    result = operator(aws_conn_id=aws_conn_id).execute({})
    assert result == {
        "repository": "nightly",
        "location": "s3a://starrocks-backup/repos",
        "read_only": False,
        "action": "created",
        "validated": True,
    }
    assert repositories() == {"nightly": ("s3a://starrocks-backup/repos", "false")}
    (create,) = sent(starrocks, "CREATE REPOSITORY `nightly`")
    assert 'WITH BROKER\nON LOCATION "s3a://starrocks-backup/repos"' in create
    for key, value in expected.items():
        assert f'"{key}" = ' + (f'"{value}"' if value else "") in create
    assert "rewritten to s3a://starrocks-backup/repos" in capfd.readouterr().out
    assert sent(starrocks, "SHOW SNAPSHOT ON `nightly`")


def test_instance_profile_without_rights_on_the_bucket_fails_as_starrocks_does(starrocks):
    # The stack's instance role reads the sample bucket only: StarRocks cannot list the backup location.
    with pytest.raises(AirflowFailException, match="Failed to create repository: .*AccessDenied"):
        operator(aws_conn_id=None, region="us-west-2").execute({})
    assert repositories() == {}


def test_read_only_repository_on_an_existing_location(starrocks):
    operator().execute({})
    result = operator(repository="mirror", aws_conn_id="aws_backup_reader", read_only=True).execute({})
    assert result["read_only"] is True
    assert sent(starrocks, "CREATE READ ONLY REPOSITORY `mirror`")
    assert repositories()["mirror"][1] == "true"


@pytest.mark.parametrize(
    ("if_exists", "action"),
    [pytest.param("ignore", "ignored", id="ignore"), pytest.param("replace", "replaced", id="replace")],
)
def test_if_exists(starrocks, if_exists, action):
    operator().execute({})
    assert operator(if_exists=if_exists, aws_conn_id="aws_backup_role").execute({})["action"] == action
    assert set(repositories()) == {"nightly"}
    if action == "replaced":
        (twin,) = [s for s in sent(starrocks, "CREATE REPOSITORY `nightly__tmp_")]
        assert "iam_role_arn" in twin


def test_if_exists_error(starrocks):
    operator().execute({})
    with pytest.raises(
        AirflowFailException, match="Repository 'nightly' already exists: set if_exists='ignore'"
    ):
        operator().execute({})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"repository": "1bad"}, "repository '1bad' is invalid", id="repository_name"),
        pytest.param({"repository": "a`b"}, "repository 'a`b' is invalid", id="repository_backtick"),
        pytest.param(
            {"location": "hdfs://nn/backups"}, "location: 'hdfs://nn/backups' is not an S3", id="scheme"
        ),
        pytest.param({"location": "s3://Upper/x"}, "is not an S3 location", id="bucket_case"),
        pytest.param({"location": 5}, "location: 5 is not a string", id="location_type"),
        pytest.param({"if_exists": "maybe"}, "if_exists: 'maybe' is not supported", id="if_exists"),
        pytest.param({"validate": "perhaps"}, "validate: 'perhaps' is not a boolean", id="validate"),
        pytest.param({"read_only": 1}, "read_only: 1 is not a boolean", id="read_only"),
        pytest.param(
            {"properties": {"aws.s3.access_key": "x"}}, "aws.s3.access_key", id="auth_key_in_properties"
        ),
        pytest.param({"properties": ["x"]}, "properties: list is not a dict", id="properties_type"),
        pytest.param({"properties": {"k": object()}}, "properties['k']", id="property_value"),
        pytest.param(
            {"credential_mode": "temporary", "aws_conn_id": "aws_temporary"}, "temporary", id="temporary"
        ),
        pytest.param({"credential_mode": "bogus"}, "credential_mode", id="credential_mode"),
    ],
)
def test_bad_input_fails_before_sql(starrocks, kwargs, message):
    with pytest.raises(AirflowFailException, match=re.escape(message)):
        operator(**kwargs).execute({})
    assert starrocks.statements == []


def test_session_token_is_refused_for_a_stored_repository(starrocks, monkeypatch):
    key, secret = starrocks.aws.users[USER_BACKUP]
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_WITH_TOKEN",
        json.dumps(
            {
                "conn_type": "aws",
                "login": key,
                "password": secret,
                "extra": {"region_name": "us-west-2", "aws_session_token": "FwoGZXIvYXdzEXAMPLETOKEN"},
            }
        ),
    )
    with pytest.raises(AirflowFailException, match="session token would expire under a stored repository"):
        operator(aws_conn_id="aws_with_token").execute({})
    assert starrocks.statements == []


def test_secrets_stay_out_of_logs_and_result(starrocks, capfd, caplog):
    caplog.set_level(logging.INFO)  # DEBUG holds the in-process emulator's own signed S3 requests
    key, secret = starrocks.aws.users[USER_BACKUP]
    result = operator().execute({})
    (create,) = sent(starrocks, "CREATE REPOSITORY")
    assert secret in create
    captured = capfd.readouterr()
    for text in (captured.out, captured.err, caplog.text, repr(result)):
        assert secret not in text
        assert key not in text
    assert '"aws.s3.secret_key" = "***"' in captured.out + captured.err + caplog.text


class FailingListHook(StarRocksHook):
    """SHOW SNAPSHOT refused once CREATE succeeded: StarRocks lists the location at CREATE too, so the stack cannot
    fail only the second listing (e.g. a bucket policy changed in between); the double sits at the hook."""

    def execute_statement(self, statement, conn=None):
        if statement.sql.startswith("SHOW SNAPSHOT"):
            raise RuntimeError("Failed to list snapshot in repo: nightly, err: AccessDenied")
        return super().execute_statement(statement, conn)


def test_repository_failing_validation_is_dropped_again(starrocks):
    task = operator()
    task.hook = FailingListHook()
    with pytest.raises(
        AirflowFailException, match=r"validating repository 'nightly' \(it was dropped again\)"
    ):
        task.execute({})
    assert repositories() == {}
    assert sent(starrocks, "DROP REPOSITORY `nightly`")
