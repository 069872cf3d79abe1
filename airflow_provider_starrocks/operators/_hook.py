"""The StarRocks hook of an operator or sensor, built on first use so that parsing a DAG file never imports it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperator

if TYPE_CHECKING:
    from airflow_provider_starrocks.hooks.starrocks import StarRocksHook


class StarRocksHookMixin:
    """Give an operator or sensor with a ``starrocks_conn_id`` its :class:`StarRocksHook` as ``self.hook``."""

    starrocks_conn_id: str

    @cached_property
    def hook(self) -> StarRocksHook:
        from airflow_provider_starrocks.hooks.starrocks import StarRocksHook

        return StarRocksHook(starrocks_conn_id=self.starrocks_conn_id)


class StarRocksBaseOperator(StarRocksHookMixin, BaseOperator):
    """
    Base of the operators that run statements on one StarRocks connection: takes ``starrocks_conn_id``.

    A subclass of ``BaseOperator`` (not a mixin) so that Airflow applies ``default_args`` and checks
    ``partial().expand()`` arguments against this signature too.

    :param starrocks_conn_id: the StarRocks connection.
    """

    def __init__(self, *, starrocks_conn_id: str = "starrocks_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.starrocks_conn_id = starrocks_conn_id
