"""
The connection form of Airflow 3's UI, used in headless Chromium as a new user would.

Each test adds a connection through the form, saves it, presses the row's Test button and expects the success
toast, edits the connection and tests it again. The StarRocks connection leaves the optional extra fields empty
(the form then saves them as JSON null). Fixtures and skips: ``tests/ui/conftest.py``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing.aws_identities import (
    AIRFLOW_ROLE,
    REGION,
    S3_ASSUMED_ROLE,
    USER_LOADER,
    role_arn,
)

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.stack import StarRocksStack

CONNECTIONS_API = "/api/v2/connections"


def _open_connections(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/connections", wait_until="networkidle")
    page.get_by_role("button", name="Add Connection").wait_for()


def _row(page: Any, conn_id: str) -> Any:
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=conn_id, exact=True))


def _add(page: Any, conn_id: str, conn_type: str) -> Any:
    """Open the Add Connection dialog, fill the id, choose the type; return the dialog."""
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[name=connection_id]").fill(conn_id)
    dialog.get_by_role("combobox").fill(conn_type)
    page.get_by_role("option", name=conn_type, exact=True).click()
    dialog.locator("input[name=login]").wait_for()
    return dialog


def _edit(page: Any, conn_id: str) -> Any:
    _row(page, conn_id).get_by_role("button", name="Edit Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[name=login]").wait_for()
    return dialog


def _fill(dialog: Any, **fields: str) -> None:
    for name, value in fields.items():
        dialog.locator(f"input[name={name}]").fill(value)


def _fill_extra_json(page: Any, dialog: Any, extra: dict[str, Any]) -> None:
    """Replace the text of the "Extra Fields JSON" editor (Monaco) with ``extra``."""
    editor = dialog.locator(".monaco-editor")
    if not editor.is_visible():
        dialog.get_by_role("button", name="Extra Fields JSON").click()
    editor.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Delete")
    # One input event: typing key by key would meet Monaco's auto-closed brackets and quotes.
    page.keyboard.insert_text(json.dumps(extra))
    # The form takes the editor's text on blur; a Save click that blurs it is lost to the re-render.
    dialog.get_by_role("heading").click()


def _save(page: Any, dialog: Any, method: str) -> dict[str, Any]:
    """Press Save, expect the API to accept the connection, return it as the API stored it."""
    with page.expect_response(
        lambda r: CONNECTIONS_API in r.url and r.request.method == method, timeout=15_000
    ) as response_info:
        dialog.get_by_role("button", name="Save").click()
    response = response_info.value
    assert response.ok, f"Save ({method}) was refused: HTTP {response.status} {response.text()}"
    dialog.wait_for(state="hidden")
    return response.json()


def _press_test(page: Any, conn_id: str) -> str:
    """Press the row's Test button; assert the success toast; return its message."""
    toasts = page.locator("[data-scope=toast][data-part=root]")
    seen = set(toasts.evaluate_all("nodes => nodes.map(n => n.id)"))
    with page.expect_response(
        lambda r: r.url.endswith(f"{CONNECTIONS_API}/test") and r.request.method == "POST", timeout=30_000
    ) as response_info:
        _row(page, conn_id).get_by_role("button", name="Test Connection").click()
    response = response_info.value
    result = response.json()
    sent = json.loads(response.request.post_data or "{}")
    if sent.get("password"):
        sent["password"] = "<redacted>"
    page.wait_for_function(
        "seen => [...document.querySelectorAll('[data-scope=toast][data-part=root]')].some(n => !seen.includes(n.id))",
        arg=list(seen),
        timeout=10_000,
    )
    toast = next(t for t in toasts.all() if t.get_attribute("id") not in seen)
    text = toast.inner_text()
    assert result.get("status") is True, (
        f"Test of {conn_id!r} failed: HTTP {response.status} {result} (toast: {text!r}; the UI sent {sent})"
    )
    assert "Test Connection Successful" in text, f"expected the success toast, saw {text!r}"
    return str(result["message"])


def _send_no_port_for_portless_connections(page: Any) -> None:
    """
    Work around apache/airflow#73298 (in Airflow 3.3.2): Test on a saved connection without a port fails.

    The UI posts ``port: Number(connection.port)``, i.e. 0 for a stored NULL; the API takes 0 for a different
    destination and refuses with HTTP 400 "The host or port to test differs from the stored connection". The fix
    (merged upstream, API side) treats 0 like blank; this route does the same in the browser for the test request
    only. Remove it once the pinned Airflow has the fix.
    """

    def rewrite(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if body.get("port") == 0:
            body["port"] = None
        route.continue_(post_data=json.dumps(body))

    page.route(f"**{CONNECTIONS_API}/test", rewrite)


def _stored(page: Any, base_url: str, conn_id: str) -> dict[str, Any]:
    response = page.request.get(f"{base_url}{CONNECTIONS_API}/{conn_id}")
    assert response.ok, f"GET {conn_id}: HTTP {response.status} {response.text()}"
    return response.json()


def test_starrocks_connection_from_the_form(ui_page, airflow_ui, starrocks: StarRocksStack):
    starrocks.sql("CREATE DATABASE ui_first", "CREATE DATABASE ui_second")
    page = ui_page
    _open_connections(page, airflow_ui.base_url)

    dialog = _add(page, "starrocks_ui", "StarRocks")
    # Host, port, login, password and database only: Catalog, Connect timeout and the other extras stay empty.
    _fill(
        dialog,
        host=starrocks.fe_host,
        port=str(starrocks.fe_port),
        login=starrocks.user,
        password=starrocks.password,
        schema="ui_first",
    )
    saved = _save(page, dialog, "POST")
    assert saved["schema"] == "ui_first", saved
    # What the form makes of the untouched optional fields (Airflow 3.3.2: JSON null each); none has a value.
    assert not any(value not in (None, "") for value in json.loads(saved["extra"] or "{}").values()), saved
    assert "Connected to StarRocks" in _press_test(page, "starrocks_ui")

    dialog = _edit(page, "starrocks_ui")
    _fill(dialog, schema="ui_second")
    _save(page, dialog, "PATCH")
    assert _stored(page, airflow_ui.base_url, "starrocks_ui")["schema"] == "ui_second"
    assert "Connected to StarRocks" in _press_test(page, "starrocks_ui")


def test_aws_connection_with_role_arn_from_the_form(ui_page, airflow_ui, starrocks: StarRocksStack):
    key_id, secret = starrocks.aws.users[USER_LOADER]
    page = ui_page
    _send_no_port_for_portless_connections(page)
    _open_connections(page, airflow_ui.base_url)

    dialog = _add(page, "aws_ui", "Amazon Web Services")
    _fill(dialog, login=key_id, password=secret)
    _fill_extra_json(page, dialog, {"role_arn": role_arn(AIRFLOW_ROLE), "region_name": REGION})
    _save(page, dialog, "POST")
    # GetCallerIdentity answers with the assumed role's ARN: the role_arn was used, not the user's own keys.
    message = _press_test(page, "aws_ui")
    assert f"assumed-role/{AIRFLOW_ROLE}/" in message, message

    dialog = _edit(page, "aws_ui")
    _fill_extra_json(page, dialog, {"role_arn": role_arn(S3_ASSUMED_ROLE), "region_name": REGION})
    _save(page, dialog, "PATCH")
    message = _press_test(page, "aws_ui")
    assert f"assumed-role/{S3_ASSUMED_ROLE}/" in message, message
