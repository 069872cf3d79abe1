"""Hadoop-style glob matching of ``s3://`` / ``s3a://`` paths (``? * [] [^] {a,b}``), as broker load expands them."""

from __future__ import annotations

import re

_SCHEMES = ("s3://", "s3a://", "s3n://")
_WILDCARDS = set("?*[{")


def split_uri(uri: str) -> tuple[str, str]:
    """
    Split ``s3://bucket/key`` into ``(bucket, key)``.

    :param uri: an ``s3://``, ``s3a://`` or ``s3n://`` URI.
    :raises ValueError: for another scheme or a URI without a bucket.
    """
    for scheme in _SCHEMES:
        if uri.startswith(scheme):
            bucket, _, key = uri[len(scheme) :].partition("/")
            if bucket:
                return bucket, key
    raise ValueError(f"Invalid S3 path {uri!r}: expected s3://<bucket>/<key> or s3a://<bucket>/<key>")


def literal_prefix(pattern: str) -> str:
    """
    Return the part of a key pattern before its first wildcard (the listing prefix).

    :param pattern: key pattern.
    """
    for index, char in enumerate(pattern):
        if char in _WILDCARDS or char == "\\":
            return pattern[:index]
    return pattern


def has_wildcards(pattern: str) -> bool:
    """
    Tell whether a key pattern contains a glob wildcard.

    :param pattern: key pattern.
    """
    return literal_prefix(pattern) != pattern


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """
    Compile a Hadoop glob (``GlobPattern``) to a regex; ``*`` and ``?`` stay within one path component.

    :param pattern: key pattern.
    :raises ValueError: on an unclosed ``[`` or ``{``.
    """
    out: list[str] = []
    depth = 0
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                raise ValueError(f"Unclosed character class in glob {pattern!r}")
            body = pattern[index + 1 : end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            escaped = body.replace("\\", "\\\\")
            out.append(f"[{'^' if negate else ''}{escaped}]")
            index = end
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "," and depth:
            out.append("|")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        else:
            out.append(re.escape(char))
        index += 1
    if depth:
        raise ValueError(f"Unclosed alternation in glob {pattern!r}")
    return re.compile("".join(out) + r"\Z")
