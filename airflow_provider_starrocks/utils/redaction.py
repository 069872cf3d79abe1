"""
Secret scrubbing: hide credential values in text that did not come from our own builders.

:class:`~airflow_provider_starrocks.utils.sql.Statement` carries its own redacted twin; this module is for the
rest (server error messages, driver exceptions, log lines) that may quote a secret back.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import TYPE_CHECKING

from airflow_provider_starrocks.utils.sql import REDACTED, quote_literal

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["REDACTED", "scrub_secrets"]


def scrub_secrets(text: str, secret_values: Iterable[str]) -> str:
    """
    Replace every secret value in ``text`` (an error message, a log line) by ``***``.

    A server error may quote the statement back, so each value is also replaced in the form it takes inside a
    string literal, in ``repr()``, in JSON, URL-encoded and base64-encoded (an S3 error may echo a signed URL
    or an encoded header). Values shorter than 4 characters are left alone: replacing them
    would mangle the text without hiding anything.

    :param text: the text to clean.
    :param secret_values: the values to hide.
    """
    forms: set[str] = set()
    for value in secret_values:
        if value and len(value) >= 4:
            # A value with NUL never reached SQL (quote_literal refuses it), so it has no literal form.
            escaped = value if "\x00" in value else quote_literal(value)[1:-1]
            encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
            forms.update(
                {
                    value,
                    escaped,
                    repr(value)[1:-1],
                    json.dumps(value)[1:-1],
                    urllib.parse.quote(value, safe=""),
                    urllib.parse.quote_plus(value),
                    encoded,
                    encoded.rstrip("="),
                }
            )
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text
