"""A broker load that updates an Airflow asset, and a downstream DAG scheduled on that asset."""

from __future__ import annotations

import datetime

import pytest

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

pytestmark = pytest.mark.skipif(
    not AIRFLOW_3,
    reason="run_dag registers DAGs in the metadata DB (what asset scheduling needs) on Airflow 3 only; "
    "Airflow 2.11 spells it Dataset, through the same compat import",
)


def test_broker_load_outlet_queues_the_downstream_dag(sales, run_dag):
    from airflow.models.asset import AssetDagRunQueue, AssetEvent, AssetModel
    from airflow.providers.common.compat.sdk import DAG, Asset, task
    from airflow.utils.session import create_session

    from airflow_provider_starrocks.testing.dags import _register

    orders = Asset(f"starrocks://{sales.fe_host}:{sales.fe_port}/sales/orders")

    with DAG("asset_consumer", schedule=[orders], start_date=START, catchup=False) as consumer:

        @task
        def report():
            return "orders changed"

        report()

    with DAG("asset_producer", schedule=None, start_date=START, catchup=False) as producer:
        StarRocksS3BrokerLoadOperator(
            task_id="load",
            database="sales",
            table="orders",
            source="s3://starrocks-test/sample/orders.parquet",
            format="parquet",
            aws_conn_id="aws_iam_user",
            poll_interval=0.05,
            outlets=[orders],
        )

    _register(consumer)  # the consumer must be known before the producer's event arrives
    result = run_dag(producer)
    assert result.task_states == {"load": "success"}
    assert sales.sql("SELECT count(*) FROM sales.orders")[0][0] == 100

    with create_session() as session:
        asset = session.query(AssetModel).filter_by(uri=orders.uri).one()
        events = session.query(AssetEvent).filter_by(asset_id=asset.id).all()
        assert [(e.source_dag_id, e.source_task_id, e.source_run_id) for e in events] == [
            ("asset_producer", "load", result.run_id)
        ]
        queued = session.query(AssetDagRunQueue).filter_by(asset_id=asset.id).all()
        assert [q.target_dag_id for q in queued] == ["asset_consumer"]
