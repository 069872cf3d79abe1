"""A broker load that updates an Airflow asset, and a downstream DAG scheduled on that asset."""

from __future__ import annotations

import datetime

from airflow_provider_starrocks.operators.broker_load import StarRocksS3BrokerLoadOperator
from airflow_provider_starrocks.testing.dags import AIRFLOW_3

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def _register_consumer(consumer, producer) -> None:
    """Put both DAGs (and the asset) in the metadata DB, so the producer's event can queue the consumer."""
    if AIRFLOW_3:
        from airflow_provider_starrocks.testing.dags import _register

        _register(consumer)
    else:
        from airflow.models.dag import DAG as DagModelWriter

        DagModelWriter.bulk_write_to_db([consumer, producer])


def _asset_rows(session, uri: str):
    """Return the asset's events and queued consumer runs (Airflow 2.11 calls them dataset rows)."""
    if AIRFLOW_3:
        from airflow.models.asset import AssetDagRunQueue, AssetEvent, AssetModel

        asset = session.query(AssetModel).filter_by(uri=uri).one()
        events = session.query(AssetEvent).filter_by(asset_id=asset.id).all()
        return events, session.query(AssetDagRunQueue).filter_by(asset_id=asset.id).all()
    from airflow.models.dataset import DatasetDagRunQueue, DatasetEvent, DatasetModel

    dataset = session.query(DatasetModel).filter_by(uri=uri).one()
    events = session.query(DatasetEvent).filter_by(dataset_id=dataset.id).all()
    return events, session.query(DatasetDagRunQueue).filter_by(dataset_id=dataset.id).all()


def test_broker_load_outlet_queues_the_downstream_dag(sales, run_dag):
    from airflow.providers.common.compat.sdk import DAG, Asset, task
    from airflow.utils.session import create_session

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

    _register_consumer(consumer, producer)  # the consumer must be known before the producer's event arrives
    result = run_dag(producer)
    assert result.task_states == {"load": "success"}
    assert sales.sql("SELECT count(*) FROM sales.orders")[0][0] == 100

    with create_session() as session:
        events, queued = _asset_rows(session, orders.uri)
        assert [(e.source_dag_id, e.source_task_id, e.source_run_id) for e in events] == [
            ("asset_producer", "load", result.run_id)
        ]
        assert [q.target_dag_id for q in queued] == ["asset_consumer"]
