"""The StarRocks hook of an operator or sensor, built on first use so that parsing a DAG file never imports it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook


class StarRocksHookMixin:
    """Give an operator or sensor with a ``starrocks_conn_id`` its :class:`StarRocksHook` as ``self.hook``."""

    starrocks_conn_id: str

    @cached_property
    def hook(self) -> StarRocksHook:
        from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

        return StarRocksHook(starrocks_conn_id=self.starrocks_conn_id)
