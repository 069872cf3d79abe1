"""The base of the labelled S3 loads (broker load, INSERT ... FROM FILES()): their shared arguments."""

from __future__ import annotations

from typing import Any

from airflow_provider_starrocks.operators._aws import StarRocksAwsOperator
from airflow_provider_starrocks.operators._job import StarRocksJobMixin
from airflow_provider_starrocks.utils.arguments import check_on_finished_label

#: The template fields every labelled load starts with, in this order.
LOAD_TEMPLATE_FIELDS = ("database", "table", "source", "format_options", "columns")


class StarRocksLabelLoadOperator(StarRocksJobMixin, StarRocksAwsOperator):
    """
    Load S3 files into a table under a label that retries and re-runs find again, then follow the load.

    :param database: the target database (and the label's).
    :param table: the target table.
    :param source: the ``s3://`` / ``s3a://`` path(s), globs allowed.
    :param format: the file format.
    :param format_options: the format's options (CSV separators, JSON paths...).
    :param columns: the target columns.
    :param where: a SQL predicate on the file rows.
    :param properties: the load's further properties.
    :param label: the load label; default derived from the task instance.
    :param on_finished_label: what to do when the label already FINISHED: ``skip``, ``reload`` or ``fail``.
    :param poll_interval: seconds between status polls (grows gently with jitter up to a cap).
    :param deferrable: wait in the triggerer; default from ``[operators] default_deferrable``.
    """

    ui_color = "#e6f2ff"
    #: Seconds past the load's StarRocks timeout before the task stops waiting (StarRocks ends the load first).
    deadline_grace: float = 60.0

    def __init__(
        self,
        *,
        database: str,
        table: str | None = None,
        source: str | list[str] | None = None,
        format: str | None = None,  # noqa: A002 - the issue's public argument name
        format_options: dict[str, Any] | None = None,
        columns: list[str] | None = None,
        where: str | None = None,
        properties: dict[str, Any] | None = None,
        label: str | None = None,
        on_finished_label: str = "skip",
        poll_interval: float = 10.0,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.set_job_arguments(deferrable, poll_interval)
        self.database = database
        self.table = table
        self.source = source
        self.format = format
        self.format_options = format_options
        self.columns = columns
        self.where = where
        self.properties = properties
        self.load_label = label
        self.on_finished_label = check_on_finished_label(on_finished_label)
        self._lineage_result: dict[str, Any] | None = None  # the job's result, for OpenLineage
