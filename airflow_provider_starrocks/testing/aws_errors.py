"""The failure type of the AWS emulator and the helper that turns boto3 errors into it."""

from __future__ import annotations

import re
from typing import Any


class StorageAccessError(Exception):
    """
    An object-store or catalog access failure, carrying the AWS error code and message (never credentials).

    :param message: the AWS error message.
    :param code: the AWS error code (``AccessDenied``, ``SignatureDoesNotMatch``...), or None when AWS sent none.
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def call_aws(method: Any, **kwargs: Any) -> Any:
    """Call a boto3 method, turning AWS and transport errors into :class:`StorageAccessError`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return method(**kwargs)
    except ClientError as error:
        info = error.response.get("Error", {})
        code = str(info.get("Code") or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")
        message = str(info.get("Message") or "")
        if code == "403":
            # moto answers Glue auth failures with an XML error body that botocore leaves unparsed.
            found = re.search(r"<Code>(.*?)</Code>.*?<Message>(.*?)</Message>", message, re.DOTALL)
            code, message = (found.group(1), found.group(2)) if found else ("AccessDenied", "Access Denied")
        raise StorageAccessError(message or code, code=code or None) from None
    except BotoCoreError as error:
        raise StorageAccessError(str(error)) from None
