"""
Shared helpers of the security suite: canary secrets, the leak scanner and recorders of every place a secret
could end up (task logs, XCom, rendered template fields, trigger kwargs, hook lineage, OpenLineage events,
exception texts).
"""

from __future__ import annotations

import json
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

# Distinctive canaries (20+ characters). The ones with '/', '+', '=', '"' and '\' make the encoded forms
# (URL-encoded, JSON, repr, SQL-escaped) differ from the raw text, so every encoding is really scanned for.
CANARY_ACCESS_KEY = "AKIALEAKCANARY1234567"
CANARY_SECRET_KEY = "LEAKCANARY/secret+0123456789abcdefXYZ"
CANARY_SESSION_TOKEN = "LEAKCANARYsession/token+0123456789abcdef=="
CANARY_EXTERNAL_ID = "LEAKCANARY-external-id-0123456789"
CANARY_JDBC_PASSWORD = 'LEAKCANARY"jdbc\\pass/word+0123456789'
CANARY_OAUTH2_CREDENTIAL = "LEAKCANARYclient:oauth2+secret/0123456789"
CANARY_STARROCKS_PASSWORD = "LEAKCANARY-starrocks/pw+0123456789"

CANARIES = {
    "canary_access_key": CANARY_ACCESS_KEY,
    "canary_secret_key": CANARY_SECRET_KEY,
    "canary_session_token": CANARY_SESSION_TOKEN,
    "canary_external_id": CANARY_EXTERNAL_ID,
    "canary_jdbc_password": CANARY_JDBC_PASSWORD,
    "canary_oauth2_credential": CANARY_OAUTH2_CREDENTIAL,
    "canary_starrocks_password": CANARY_STARROCKS_PASSWORD,
}


def encodings(secret: str) -> dict[str, str]:
    """
    Return every form in which ``secret`` could leak, by encoding name.

    :param secret: the secret value.
    """
    json_escaped = json.dumps(secret)[1:-1]
    forms = {
        "raw": secret,
        "sql-escaped": secret.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'"),
        "backslash-escaped": secret.encode("unicode_escape").decode("ascii"),
        "url-quote": quote(secret),
        "url-quote-safe-none": quote(secret, safe=""),
        "url-quote-plus": quote_plus(secret),
        "json": json_escaped,
        "json-in-json": json.dumps(json_escaped)[1:-1],
        "repr": repr(secret)[1:-1],
        "repr-of-repr": repr(repr(secret))[1:-1],
    }
    return {name: form for name, form in forms.items() if form}


def scan_for_secrets(
    texts: Mapping[str, str] | Iterable[str], secrets: Mapping[str, str] | Iterable[str]
) -> list[str]:
    """
    Find every secret, raw or encoded (backslash/SQL-escaped, URL-encoded, JSON, repr), in ``texts``.

    :param texts: the captured texts, by where they came from (or a plain iterable).
    :param secrets: the secret values, by name (or a plain iterable).
    :return: one line per hit, e.g. ``"task log: canary_secret_key (url-quote)"``; empty when nothing leaked.
    """
    named_texts = dict(texts) if isinstance(texts, dict) else {f"text[{i}]": t for i, t in enumerate(texts)}
    named_secrets = (
        dict(secrets) if isinstance(secrets, dict) else {f"secret[{i}]": s for i, s in enumerate(secrets)}
    )
    hits = []
    for where, text in named_texts.items():
        if not text:
            continue
        for name, secret in named_secrets.items():
            if not secret:
                continue
            for encoding, form in encodings(secret).items():
                if form in text:
                    hits.append(f"{where}: {name} ({encoding})")
                    break
    return hits


def exception_texts(exc: BaseException) -> str:
    """
    Return everything an exception shows: ``str``, ``repr``, the formatted traceback and its chain.

    :param exc: the exception.
    """
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(type(exc), exc, exc.__traceback__)])


@dataclass
class LeakRecorder:
    """
    Records of the boundaries a test cannot read back afterwards: hook lineage payloads and triggers.

    The lineage recording wraps the real ``send_sql_hook_lineage`` and the collector's methods and passes every
    call on: it is the one allowed boundary mock of the suite.
    """

    lineage: list[str] = field(default_factory=list)
    triggers: list[Any] = field(default_factory=list)

    def trigger_texts(self) -> dict[str, str]:
        texts = {}
        for i, trigger in enumerate(self.triggers):
            texts[f"trigger[{i}].serialize()"] = repr(trigger.serialize())
            texts[f"trigger[{i}] repr"] = repr(trigger)
        return texts


@pytest.fixture
def leak_recorder(monkeypatch: pytest.MonkeyPatch) -> LeakRecorder:
    """Record hook-lineage payloads (a wrapping recorder, the one allowed boundary mock) and load triggers."""
    recorder = LeakRecorder()
    import airflow.providers.common.sql.hooks.sql as sql_hooks

    original_send = sql_hooks.send_sql_hook_lineage  # type: ignore[attr-defined]

    def recording_send(**kwargs: Any) -> Any:
        recorder.lineage.append(repr({k: v for k, v in kwargs.items() if k != "context"}))
        return original_send(**kwargs)

    monkeypatch.setattr(sql_hooks, "send_sql_hook_lineage", recording_send)
    try:
        from airflow.providers.common.compat.lineage.hook import get_hook_lineage_collector

        collector = get_hook_lineage_collector()
    except Exception:  # no collector on this Airflow: the wrapped send function still records
        collector = None
    for name in ("add_extra", "add_input_asset", "add_output_asset"):
        method = getattr(collector, name, None)
        if method is None:
            continue

        def recording(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            recorder.lineage.append(
                f"{_name}: " + repr((args[1:], {k: v for k, v in kwargs.items() if k != "context"}))
            )
            return _method(*args, **kwargs)

        monkeypatch.setattr(collector, name, recording)

    try:
        from airflow_provider_starrocks.triggers.job import StarRocksJobTrigger
    except ImportError:
        pass
    else:
        original_init = StarRocksJobTrigger.__init__

        def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            recorder.triggers.append(self)

        monkeypatch.setattr(StarRocksJobTrigger, "__init__", recording_init)
    return recorder


def airflow_records(dag_id: str) -> dict[str, str]:
    """
    Return what Airflow stored for ``dag_id``: rendered template fields, every XCom, trigger rows, next_kwargs.

    :param dag_id: the DAG id.
    """
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    try:
        from airflow.models.xcom import XComModel as XComTable
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom as XComTable  # type: ignore[no-redef]

    texts: dict[str, str] = {}
    with create_session() as session:
        for row in session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag_id):
            texts[f"rendered fields {row.task_id}"] = repr(row.rendered_fields) + json.dumps(
                row.rendered_fields, default=str
            )
        for row in session.query(XComTable).filter(XComTable.dag_id == dag_id):
            texts[f"xcom {row.task_id}.{row.key}"] = repr(row.value)
        trigger_ids = set()
        for ti in session.query(TaskInstance).filter(TaskInstance.dag_id == dag_id):
            texts[f"ti {ti.task_id} next_kwargs"] = repr(getattr(ti, "next_kwargs", None))
            if getattr(ti, "trigger_id", None) is not None:
                trigger_ids.add(ti.trigger_id)
        for trigger in session.query(Trigger).filter(Trigger.id.in_(trigger_ids)) if trigger_ids else ():
            texts[f"trigger row {trigger.id}"] = f"{trigger.classpath} {trigger.kwargs!r}"
    return texts


@pytest.fixture
def lineage_events(request: pytest.FixtureRequest) -> Callable[[], list[dict[str, Any]]]:
    """
    Return a reader of the OpenLineage events the run emitted (the provider's real listener, file transport).

    Without the openlineage provider there are none: the reader returns ``[]`` and the other surfaces are
    still scanned.
    """
    try:
        return request.getfixturevalue("openlineage_events")
    except pytest.skip.Exception:
        return lambda: []


def lineage_texts(events: list[dict[str, Any]], operator: Any = None) -> dict[str, str]:
    """
    Return the emitted events, and what ``operator``'s lineage method returns (for direct runs), as texts.

    :param events: the events read from the transport.
    :param operator: an operator run directly (no listener), or ``None``.
    """
    texts = {f"openlineage event {i} {e.get('eventType')}": json.dumps(e) for i, e in enumerate(events)}
    if operator is not None:
        facets = operator.get_openlineage_facets_on_complete(None)
        if facets is not None:
            from openlineage.client.serde import Serde

            texts["openlineage facets (direct)"] = repr(facets) + "".join(
                Serde.to_json(item) for item in [*facets.inputs, *facets.outputs, *facets.run_facets.values()]
            )
    return texts


@pytest.fixture
def log_files() -> Callable[[], dict[str, str]]:
    """Return a callable giving the Airflow log files written during the test (task logs, if any), by path."""
    start = time.time() - 1

    def read() -> dict[str, str]:
        home = Path(os.environ.get("AIRFLOW_HOME", "."))
        texts = {}
        for path in (home / "logs").rglob("*") if (home / "logs").is_dir() else ():
            if path.is_file() and path.stat().st_mtime >= start:
                texts[f"log file {path.name}"] = path.read_text(errors="replace")
        return texts

    return read


@pytest.fixture
def captured_logs(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Callable[[], dict[str, str]]:
    """
    Return a callable giving what was logged so far: stdout/stderr (Airflow 3's structlog) and stdlib logging.

    Call it once, at the end of the test: ``capfd`` is drained by each call.
    """
    caplog.set_level("INFO")  # the task log level; DEBUG would add the emulated cluster's own botocore traces

    def read() -> dict[str, str]:
        out, err = capfd.readouterr()
        return {"stdout": out, "stderr": err, "caplog": caplog.text}

    return read


def stack_secrets(stack: Any) -> dict[str, str]:
    """
    Return the real secrets of the local stack: the IAM users' keys and the StarRocks password.

    :param stack: the ``StarRocksStack``.
    """
    secrets = {"starrocks_password": stack.password}
    for user, (access_key, secret_key) in stack.aws.users.items():
        secrets[f"{user}_access_key"] = access_key
        secrets[f"{user}_secret_key"] = secret_key
    return secrets


@dataclass(frozen=True)
class SecurityKit:
    """The helpers above, for test modules (conftest modules cannot be imported by name)."""

    canaries: Mapping[str, str]
    scan_for_secrets: Callable[..., list[str]]
    exception_texts: Callable[[BaseException], str]
    airflow_records: Callable[[str], dict[str, str]]
    stack_secrets: Callable[[Any], dict[str, str]]
    lineage_texts: Callable[..., dict[str, str]]


@pytest.fixture
def security_kit() -> SecurityKit:
    """Canary values and the scanning helpers of this suite."""
    return SecurityKit(
        CANARIES, scan_for_secrets, exception_texts, airflow_records, stack_secrets, lineage_texts
    )
