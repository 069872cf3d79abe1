"""The few Airflow names whose import path differs between Airflow 2.11 and 3."""

from __future__ import annotations

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.11
    from airflow.models.dag import DAG  # type: ignore[assignment,no-redef]

__all__ = ["DAG"]
