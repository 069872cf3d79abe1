"""Secret scrubbing of text that did not come from our builders (server errors, driver exceptions)."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from airflow_provider_starrocks.utils.redaction import REDACTED, scrub_secrets

SECRET = 's3cr3t/+key=="\\'


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda v: v, id="plain"),
        pytest.param(lambda v: v.replace("\\", "\\\\").replace('"', '\\"'), id="string_literal"),
        pytest.param(lambda v: repr(v)[1:-1], id="repr"),
        pytest.param(lambda v: json.dumps(v)[1:-1], id="json"),
        pytest.param(lambda v: urllib.parse.quote(v, safe=""), id="url_encoded"),
        pytest.param(lambda v: urllib.parse.quote_plus(v), id="url_plus"),
        pytest.param(lambda v: base64.b64encode(v.encode()).decode(), id="base64"),
        pytest.param(lambda v: base64.b64encode(v.encode()).decode().rstrip("="), id="base64_unpadded"),
    ],
)
def test_scrub_secrets_hides_encoded_forms(form):
    assert scrub_secrets(f"error near {form(SECRET)} here", [SECRET]) == f"error near {REDACTED} here"


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        pytest.param("abc", ["ab"], "abc", id="too_short_to_scrub_safely"),
        pytest.param("key a\x00bcd end", ["a\x00bcd"], "key *** end", id="nul_value_has_no_literal_form"),
        pytest.param("nothing here", [], "nothing here", id="no_secrets"),
        pytest.param("x=abcdef", ["abcd", "abcdef"], "x=***", id="longest_form_first"),
    ],
)
def test_scrub_secrets_edge_cases(text, secrets, expected):
    assert scrub_secrets(text, secrets) == expected
