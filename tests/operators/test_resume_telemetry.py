"""The label decision reports ResumableJobMixin's metrics and span (dag.test() on the local stack)."""

from __future__ import annotations

import datetime

import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3

pytestmark = pytest.mark.skipif(not AIRFLOW_3, reason="Airflow 2 has no pluggable stats backend to read from")

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
LOGICAL = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def counters():
    """A stats backend set through Airflow's own ``stats.initialize`` seam, keeping the mixin's counters."""
    from airflow.sdk._shared.observability.metrics import stats
    from airflow.sdk._shared.observability.metrics.base_stats_logger import NoStatsLogger

    class Recorder(NoStatsLogger):
        counted: list[tuple[str, dict]] = []

        @classmethod
        def incr(cls, stat, count=1, rate=1, *, tags=None):
            if stat.startswith("resumable_job."):
                cls.counted.append((stat, dict(tags or {})))

    saved = stats._factory, stats._backend, stats._export_legacy_names
    stats.initialize(factory=Recorder, export_legacy_names=False)
    yield Recorder
    stats._factory, stats._backend, stats._export_legacy_names = saved


@pytest.fixture(scope="module")
def spans():
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def make_dag(dag_id, **kwargs):
    from airflow.providers.common.compat.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        StarRocksS3BrokerLoadOperator(
            task_id="load",
            database="sales",
            table="orders",
            source="s3://starrocks-test/sample/orders.parquet",
            aws_conn_id="aws_iam_user",
            poll_interval=0.05,
            **kwargs,
        )
    return dag


def decisions(spans, dag_id):
    found = []
    for span in spans.get_finished_spans():
        if span.name == "resumable_job.resume_decision" and dag_id in str(
            span.attributes["resumable.external_id"]
        ):
            found.append(span.attributes["resumable.decision"])
    return found


def test_first_run_is_a_fresh_submit_and_a_rerun_already_succeeded(sales, run_dag, counters, spans):
    dag = make_dag("resume_rerun")
    assert run_dag(dag, logical_date=LOGICAL, run_after=LOGICAL).task_states == {"load": "success"}
    assert run_dag(dag, logical_date=LOGICAL, run_after=LOGICAL).task_states == {"load": "success"}
    tags = {"operator": "StarRocksS3BrokerLoadOperator"}
    assert ("resumable_job.fresh_submit", tags) in counters.counted
    assert ("resumable_job.already_succeeded", tags) in counters.counted
    assert decisions(spans, "resume_rerun") == ["fresh_submit", "already_succeeded"]


def test_retry_after_cancelled_is_a_reconnect_attempt_and_terminal_resubmit(sales, run_dag, counters, spans):
    sales.fe.force_next_load("CANCELLED", "type:LOAD_RUN_FAIL; msg:backend crashed")
    dag = make_dag("resume_retry", retries=1, retry_delay=datetime.timedelta(0))
    assert run_dag(dag).task_states == {"load": "success"}
    assert [stat for stat, _ in counters.counted] == [
        "resumable_job.fresh_submit",
        "resumable_job.reconnect_attempt",
        "resumable_job.terminal_resubmit",
    ]
    assert decisions(spans, "resume_retry") == ["fresh_submit", "terminal_resubmit"]
    for span in spans.get_finished_spans():
        if span.name == "resumable_job.resume_decision":
            assert span.attributes["resumable.external_id_key"] == "starrocks_broker_load"
            assert not any("secret" in str(v).lower() for v in span.attributes.values())


def test_attaching_to_a_running_load_is_a_reconnect(sales, run_dag, counters, spans):
    import threading

    sales.fe.config.hold_state = "LOADING"
    sales.sql(
        'LOAD LABEL sales.resume_shared (DATA INFILE("s3://starrocks-test/sample/orders.parquet") INTO TABLE '
        'orders) WITH BROKER ("aws.s3.use_instance_profile" = "true", "aws.s3.region" = "us-west-2")',
    )

    def release():
        while sum(s.startswith("SHOW LOAD") for s in sales.statements) < 2:
            threading.Event().wait(0.01)
        sales.fe.config.hold_state = None

    threading.Thread(target=release, daemon=True).start()
    assert run_dag(make_dag("resume_attach", label="resume_shared")).task_states == {"load": "success"}
    assert [stat for stat, _ in counters.counted] == ["resumable_job.reconnect_success"]
    (prior,) = [
        span.attributes["resumable.prior_status"]
        for span in spans.get_finished_spans()
        if span.attributes.get("resumable.external_id") == "resume_shared"
    ]
    assert prior in {"PENDING", "QUEUEING", "LOADING"}  # attached while the held load ran
