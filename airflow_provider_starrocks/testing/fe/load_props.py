"""Server-side checks of a broker load: label format and job PROPERTIES.

Texts from ``LoadStmt.checkProperties`` (fe/fe-core/src/main/java/com/starrocks/sql/ast/LoadStmt.java), reported by
``LoadStmtAnalyzer.analyzeProperties`` through ``ErrorReport.reportSemanticException(ERR_COMMON_ERROR, ...)``, and
from ``FeNameFormat.checkLabel`` (fe/fe-core/src/main/java/com/starrocks/common/FeNameFormat.java).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_starrocks.testing.fe.errors import analysis_error

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.releases import Release

LABEL_REGEX = r"^[-\w]{1,128}$"

# LoadStmt.PROPERTIES_SET per release: releases.Release.load_properties (merge_condition from 3.1.4; jsonpaths,
# json_root, strip_outer_array and warehouse from 3.3.5, read at each release branch).
PRIORITIES = ("HIGHEST", "HIGH", "NORMAL", "LOW", "LOWEST")
DEFAULT_TIMEOUT_S = 14400


@dataclass(frozen=True)
class JobProperties:
    """The job properties a load job uses.

    :param timeout: seconds before the job is cancelled with TIMEOUT.
    :param max_filter_ratio: the tolerated ratio of filtered rows.
    :param priority: the priority shown in SHOW LOAD.
    :param strict_mode: whether strict mode is on.
    """

    timeout: int
    max_filter_ratio: float
    priority: str
    strict_mode: bool


def check_label(label: str) -> None:
    r"""Refuse a label outside ``^[-\\w]{1,128}$``.

    :param label: the label.
    """
    if not re.fullmatch(r"[-\w]{1,128}", label, flags=re.ASCII):
        raise analysis_error(f"Label format error. regex: {LABEL_REGEX}, label: {label}")


def _java_int(value: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", value):
        raise ValueError(value)
    number = int(value)
    if not -(2**31) <= number < 2**31:
        raise ValueError(value)
    return number


def _java_long(value: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", value):
        raise ValueError(value)
    return int(value)


def check_properties(props: dict[str, str], release: Release) -> JobProperties:
    """Validate job PROPERTIES as ``LoadStmt.checkProperties`` does and return the values the job uses.

    :param props: the PROPERTIES of the statement.
    :param release: the emulated release (its PROPERTIES_SET).
    """
    for key in props:
        if key not in release.load_properties:
            raise analysis_error(f"{key} is invalid property")
    timeout = DEFAULT_TIMEOUT_S
    if "timeout" in props:
        try:
            timeout = _java_int(props["timeout"])
        except ValueError:
            raise analysis_error("timeout is not a number.") from None
        if timeout < 0:
            raise analysis_error("timeout must be greater than 0")
    if "spark_load_submit_timeout" in props:
        try:
            spark_timeout = _java_long(props["spark_load_submit_timeout"])
        except ValueError:
            raise analysis_error("spark_load_submit_timeout is not a number.") from None
        if spark_timeout < 0:
            raise analysis_error("spark_load_submit_timeout must be greater than 0")
    ratio = 0.0
    if "max_filter_ratio" in props:
        try:
            ratio = float(props["max_filter_ratio"].strip())
        except ValueError:
            raise analysis_error("max_filter_ratio is not a number.") from None
        if ratio < 0.0 or ratio > 1.0:
            raise analysis_error("max_filter_ratio must between 0.0 and 1.0.")
    if "load_mem_limit" in props:
        try:
            mem = _java_long(props["load_mem_limit"])
        except ValueError:
            raise analysis_error("load_mem_limit is not a number.") from None
        if mem < 0:
            raise analysis_error("load_mem_limit must be equal or greater than 0")
    strict = props.get("strict_mode", "false")
    if strict.lower() not in ("true", "false"):
        raise analysis_error("strict_mode is not a boolean")
    partial = props.get("partial_update", "false")
    if partial.lower() not in ("true", "false"):
        raise analysis_error("partial_update is not a boolean")
    if "timezone" in props:
        _check_timezone(props["timezone"])
    if "load_delete_flag" in props:
        raise analysis_error("delete flag is not supported")
    priority = props.get("priority", "NORMAL")
    if priority.upper() not in PRIORITIES:
        raise analysis_error("priority should in HIGHEST/HIGH/NORMAL/LOW/LOWEST")
    if "log_rejected_record_num" in props:
        try:
            rejected = _java_long(props["log_rejected_record_num"])
        except ValueError:
            raise analysis_error("log_rejected_record_num is not a number.") from None
        if rejected < -1:
            raise analysis_error("log_rejected_record_num must be equal or greater than -1")
    if "version" in props:
        # LoadStmt.checkProperties: "version must be v1" (Load.VERSION); LoadStmtAnalyzer.analyzeProperties then
        # refuses the property itself (pinterest-release-3.3.5 7c653fb8, the same at the other branches).
        if props["version"].lower() != "v1":
            raise analysis_error("version must be v1")
        raise analysis_error("Do not support VERSION property")
    return JobProperties(timeout, ratio, priority.upper(), strict.lower() == "true")


def _check_timezone(value: str) -> None:
    # TimeUtils.checkTimeZoneValidAndStandardize: an offset like +08:00 or a region id.
    if re.fullmatch(r"[+-]\d{1,2}:\d{2}", value) or value.upper() in ("UTC", "GMT", "CST"):
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # ErrorCode.ERR_UNKNOWN_TIME_ZONE from TimeUtils.checkTimeZoneValidAndStandardize, a DdlException that
        # LoadStmtAnalyzer.analyzeProperties reports as ERR_COMMON_ERROR (the analyzer frame).
        raise analysis_error(f"Unknown or incorrect time zone: '{value}'") from None
