"""
The metrics and span of Airflow 3.3's ``ResumableJobMixin``, reported by the label decision.

The mixin submits a job and then persists its id, so a worker lost between the two resubmits on retry. The label
decision records before it submits and StarRocks refuses a used label, so the provider does not run the mixin's
``execute_resumable``; it reports the same decisions under the mixin's metric and span names instead, so that
dashboards built for resumable operators count StarRocks loads too.
"""

from __future__ import annotations

from typing import Any

#: The mixin's counter for each decision it shares with the label decision.
METRICS = {
    "fresh_submit": "resumable_job.fresh_submit",
    "reconnect": "resumable_job.reconnect_success",
    "already_succeeded": "resumable_job.already_succeeded",
    "terminal_resubmit": "resumable_job.terminal_resubmit",
}
SPAN = "resumable_job.resume_decision"


def report_decision(
    decision: str, *, tags: dict[str, str], key: str, label: str, recorded: bool, prior: str | None
) -> None:
    """
    Count and trace one identity decision as ``ResumableJobMixin`` does.

    :param decision: a key of :data:`METRICS`, or ``fail`` (traced, not counted: the mixin has no such outcome).
    :param tags: the metric tags (``operator``, and ``team_name`` in multi-team deployments).
    :param key: the task-state-store key of the record.
    :param label: the label decided on (the job's external id).
    :param recorded: whether the task state store held a record of an earlier try.
    :param prior: the state of the label's job before the decision, if it had one.
    """
    from airflow.providers.common.compat.sdk import Stats

    if recorded:
        Stats.incr("resumable_job.reconnect_attempt", tags=tags)
    if decision in METRICS:
        Stats.incr(METRICS[decision], tags=tags)
    try:
        from opentelemetry import trace
    except ImportError:  # Airflow 2 without OpenTelemetry: the counters are all there is
        return
    with trace.get_tracer(__name__).start_as_current_span(SPAN) as span:
        span.set_attribute("operator", tags.get("operator", ""))
        span.set_attribute("resumable.external_id_key", key)
        span.set_attribute("resumable.external_id", label)
        span.set_attribute("resumable.decision", decision)
        if prior is not None:
            span.set_attribute("resumable.prior_status", prior)


def stats_tags(context: Any) -> dict[str, str]:
    """
    Return the mixin's metric tags for the running task.

    :param context: the task context.
    """
    ti = context.get("ti")
    task = getattr(ti, "task", None)
    tags = {"operator": type(task).__name__ if task is not None else "unknown"}
    team = (getattr(ti, "stats_tags", None) or {}).get("team_name")
    if team:
        tags["team_name"] = str(team)
    return tags
