"""Run a DAG for real with ``dag.test()`` in tests, on Airflow 3 and 2.11 alike."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from airflow import __version__ as AIRFLOW_VERSION

AIRFLOW_3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3


def prepare_airflow_db() -> None:
    """Create the metadata database of ``$AIRFLOW_HOME`` (SQLite) if it does not exist yet."""
    from airflow.utils import db

    db.initdb()


@dataclass
class DagRunResult:
    """
    What one ``dag.test()`` run produced.

    :param state: the DAG run's final state.
    :param task_states: task id -> final state (mapped tasks: ``task_id[map_index]``).
    :param xcom: task id -> the task's return value (absent when it returned nothing).
    """

    state: str
    task_states: dict[str, str]
    xcom: dict[str, Any] = field(default_factory=dict)
    run_id: str = ""


def _register(dag: Any) -> None:
    # Airflow 3's dag.test() only runs DAGs serialized in the metadata DB.
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(dag_folder=os.devnull, collect_dags=False)
    bag.bag_dag(dag)
    sync_bag_to_db(bag, "dags-folder", None)


def return_values(dag_id: str, run_id: str) -> dict[str, Any]:
    """
    Return task id -> return value (XCom ``return_value``) of one DAG run, deserialized.

    :param dag_id: the DAG id.
    :param run_id: the run id.
    """
    from airflow.utils.session import create_session

    if AIRFLOW_3:
        from airflow.models.xcom import XComModel
        from airflow.sdk.serde import deserialize

        with create_session() as session:
            rows: list[Any] = list(
                session.scalars(XComModel.get_many(run_id=run_id, dag_ids=dag_id, key="return_value"))
            )
            return {row.task_id: deserialize(XComModel.deserialize_value(row)) for row in rows}
    from airflow.models.dagrun import DagRun

    # Airflow 2 replaces XCom.value on load with a display string for serialized objects: pull instead.
    with create_session() as session:
        dag_run = session.query(DagRun).filter(DagRun.dag_id == dag_id, DagRun.run_id == run_id).one()
        values = {
            ti.task_id: ti.xcom_pull(task_ids=ti.task_id, session=session)
            for ti in dag_run.get_task_instances(session=session)
        }
        return {task_id: value for task_id, value in values.items() if value is not None}


def run_dag(dag: Any, **test_kwargs: Any) -> DagRunResult:
    """
    Run ``dag`` with ``dag.test()`` (deferred triggers run inline on Airflow 3) and collect the outcome.

    :param dag: the DAG object.
    :param test_kwargs: passed to ``dag.test()``, e.g. ``logical_date`` or ``run_conf``.
    """
    if AIRFLOW_3:
        _register(dag)
    else:
        # Airflow 2 names it execution_date and derives the run id from it (no run_after).
        test_kwargs.pop("run_after", None)
        if "logical_date" in test_kwargs:
            test_kwargs["execution_date"] = test_kwargs.pop("logical_date")
    dag_run = dag.test(**test_kwargs)
    task_states = {}
    for ti in dag_run.get_task_instances():
        key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        task_states[key] = ti.state
    return DagRunResult(
        state=str(dag_run.state),
        task_states={k: str(v) for k, v in task_states.items()},
        xcom=return_values(dag.dag_id, dag_run.run_id),
        run_id=dag_run.run_id,
    )
