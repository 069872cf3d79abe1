"""StarRocks's ``SqlCredentialRedactor`` as the 3.5 branch runs it on task definitions (3.5.6+).

Ported from fe/fe-core/src/main/java/com/starrocks/common/util/SqlCredentialRedactor.java at
StarRocks/starrocks branch-3.5 (mirror pinterest/starrocks ``pinterest-integration-3.5``, commit
61380ea47ede4e3ef8278729b8e162d62c985ab6; the class came with #59442 (backport 3.5 c0b2ec8b7d), its key list grew
with #61609 (backport 52277eab6a)). ``information_schema.tasks`` and ``task_runs`` apply it to DEFINITION since
#62311 (backport to 3.5: c77b63b2bd, released in 3.5.6; to 4.0: #62554), under ``Config.enable_task_info_mask_
credential`` (default true). 3.3 and 3.4 never apply it to those tables (3.4 has the class for the audit log only).

A quoted value keeps its quotes: ``"aws.s3.secret_key" = "***"``, as #62311's own example shows. Upstream main
rewrote the pattern in #65148 / #65433 (2025-11) and, with it, writes ``"aws.s3.secret_key" = ***``; that newer
form is not emulated.
"""

from __future__ import annotations

import re

# CREDENTIAL_KEYS with the constants' values (CloudConfigurationConstants, HdfsFsManager, CreateRoutineLoadStmt,
# LoadStmt), in the Java list's order: the alternation tries them in this order, as java.util.regex does.
CREDENTIAL_KEYS = (
    "aws.s3.access_key", "aws.s3.secret_key", "aws.s3.session_token", "aws.glue.access_key",
    "aws.glue.secret_key", "aws.glue.session_token", "azure.blob.shared_key", "azure.blob.sas_token",
    "azure.blob.oauth2_client_secret", "azure.adls1.oauth2_credential", "azure.adls2.shared_key",
    "azure.adls2.sas_token", "azure.adls2.oauth2_client_secret", "gcp.gcs.service_account_private_key",
    "gcp.gcs.service_account_private_key_id", "hadoop.password", "password", "kerberos_keytab",
    "hadoop.kerberos.keytab", "kerberos_keytab_content", "hadoop.kerberos.keytab_content", "aliyun.oss.access_key",
    "aliyun.oss.secret_key", "tencent.cos.access_key", "tencent.cos.secret_key", "confluent.schema.registry.url",
    "fs.s3a.access.key", "fs.s3a.secret.key", "fs.ks3.AccessKey", "fs.ks3.AccessSecret", "fs.oss.accessKeyId",
    "fs.oss.accessKeySecret", "fs.cosn.userinfo.secretId", "fs.cosn.userinfo.secretKey", "fs.obs.access.key",
    "fs.obs.secret.key", "fs.tos.access.key", "fs.tos.secret.key", "bos_secret_accesskey", "password", "passwd",
    "pwd", "property.sasl.password", "broker.password",
)  # fmt: skip

_KEY_VALUE = re.compile(
    r"""(?:(["']?)(""" + "|".join(re.escape(k) for k in CREDENTIAL_KEYS) + r""")(["']?))\s*=\s*"""
    r"""(?:(["'])((?:[^\\]|\\.)*?)\4|([^,]*?))"""
    r"""(?=\s*,|\s*$|\s*\)|\s*\n)""",
    re.IGNORECASE | re.DOTALL | re.MULTILINE,
)
REDACTED_VALUE = "***"


def redact(sql: str | None) -> str | None:
    """Return ``sql`` with every credential value replaced, as ``SqlCredentialRedactor.redact`` does.

    :param sql: a statement text (``None`` and ``""`` come back unchanged).
    """
    if not sql:
        return sql

    def replace(match: re.Match[str]) -> str:
        prefix, key, suffix = match.group(1) or "", match.group(2), match.group(3) or ""
        if match.group(4) is not None and match.group(5) is not None:
            quote = match.group(4)
            return f"{prefix}{key}{suffix} = {quote}{REDACTED_VALUE}{quote}"
        return f"{prefix}{key}{suffix} = {REDACTED_VALUE}"

    return _KEY_VALUE.sub(replace, sql)


def task_tables_redact(version: tuple[int, ...]) -> bool:
    """Whether ``information_schema.tasks`` / ``task_runs`` of this release redact DEFINITION.

    :param version: (major, minor, patch).
    """
    return tuple(version) >= (3, 5, 6)
