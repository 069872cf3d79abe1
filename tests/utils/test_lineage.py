from __future__ import annotations

import json

import pytest

from airflow_provider_starrocks.utils import lineage


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("s3://bucket/sample/orders.parquet", ("s3://bucket", "sample/orders.parquet"), id="key"),
        pytest.param(
            "s3a://bucket/sample/orders.parquet", ("s3://bucket", "sample/orders.parquet"), id="s3a"
        ),
        pytest.param("s3n://bucket/a.orc", ("s3://bucket", "a.orc"), id="s3n"),
        pytest.param("s3://bucket/sample/", ("s3://bucket", "sample"), id="directory"),
        pytest.param("s3://bucket/sample/*.parquet", ("s3://bucket", "sample"), id="star"),
        pytest.param("s3://bucket/sample/orders_*.parquet", ("s3://bucket", "sample"), id="partial-name"),
        pytest.param(
            "s3://bucket/daily/2024-01-0*/part-0.parquet", ("s3://bucket", "daily"), id="star-in-dir"
        ),
        pytest.param("s3://bucket/d/part-?.csv", ("s3://bucket", "d"), id="question-mark"),
        pytest.param("s3://bucket/d/e/[ab].csv", ("s3://bucket", "d/e"), id="bracket"),
        pytest.param("s3://bucket/d/{x,y}/f.csv", ("s3://bucket", "d"), id="braces"),
        pytest.param("s3://bucket/*.csv", ("s3://bucket", "/"), id="root-glob"),
        pytest.param("s3://bucket", ("s3://bucket", "/"), id="bucket"),
        pytest.param("s3://bucket/", ("s3://bucket", "/"), id="bucket-slash"),
        pytest.param("s3://user:pw@bucket/k.csv", ("s3://bucket", "k.csv"), id="userinfo-dropped"),
    ],
)
def test_s3_dataset_naming(path, expected):
    assert lineage.s3_dataset(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("gs://bucket/a", id="gcs"),
        pytest.param("/local/a", id="local"),
        pytest.param("", id="empty"),
    ],
)
def test_s3_dataset_refuses_other_paths(path):
    with pytest.raises(ValueError, match="is not an s3:// path"):
        lineage.s3_dataset(path)


def test_s3_datasets_one_per_name_in_order():
    specs = lineage.s3_datasets(
        [
            "s3://b/daily/2024-01-01/p.parquet",
            "s3://b/x/*.csv",
            "s3://b/x/",
            "s3://b/daily/2024-01-01/p.parquet",
        ],
        ["id", "name"],
    )
    assert [(s.namespace, s.name) for s in specs] == [
        ("s3://b", "daily/2024-01-01/p.parquet"),
        ("s3://b", "x"),
    ]
    assert specs[0].columns == (("id", None), ("name", None))


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        pytest.param("fe.example", 9031, "starrocks://fe.example:9031", id="given"),
        pytest.param("fe.example", None, "starrocks://fe.example:9030", id="default-port"),
        pytest.param("fe.example", "9030", "starrocks://fe.example:9030", id="port-text"),
        pytest.param(None, None, "starrocks://localhost:9030", id="no-host"),
    ],
)
def test_starrocks_namespace(host, port, expected):
    assert lineage.starrocks_namespace(host, port) == expected


def test_table_name_has_three_parts():
    assert lineage.table_name("default_catalog", "sales", "orders") == "default_catalog.sales.orders"


def _as_json(value):
    from openlineage.client.serde import Serde

    return json.loads(Serde.to_json(value))


def _fields(facets):
    return [(f["name"], f.get("type")) for f in facets["schema"]["fields"]]


def test_operator_lineage_builds_every_facet():
    pytest.importorskip("airflow.providers.openlineage")
    source = lineage.DatasetSpec("s3://b", "sample", columns=(("id", None),))
    table = lineage.DatasetSpec(
        "starrocks://fe:9030",
        "default_catalog.sales.orders",
        columns=(("id", "BIGINT"), ("name", "VARCHAR(64)")),
        rows=42,
        symlinks=(("s3://b", "sample", "LOCATION"),),
        lifecycle="CREATE",
    )
    result = lineage.operator_lineage([source], [table], job_id=10001, source="starrocks://fe:9030")
    (inp,) = result.inputs
    (out,) = result.outputs
    assert _fields(_as_json(inp)["facets"]) == [("id", None)]
    out_json = _as_json(out)
    assert out_json["namespace"] == "starrocks://fe:9030"
    assert _fields(out_json["facets"]) == [("id", "BIGINT"), ("name", "VARCHAR(64)")]
    assert out_json["facets"]["symlinks"]["identifiers"] == [
        {"namespace": "s3://b", "name": "sample", "type": "LOCATION"}
    ]
    assert out_json["facets"]["lifecycleStateChange"]["lifecycleStateChange"] == "CREATE"
    assert out_json["outputFacets"]["outputStatistics"]["rowCount"] == 42
    query = _as_json(result.run_facets["externalQuery"])
    assert (query["externalQueryId"], query["source"]) == ("10001", "starrocks://fe:9030")


def test_operator_lineage_leaves_out_unknown_facets():
    pytest.importorskip("airflow.providers.openlineage")
    result = lineage.operator_lineage([], [lineage.DatasetSpec("starrocks://fe:9030", "cat")])
    (out,) = result.outputs
    assert out.facets == {}
    assert out.outputFacets == {}
    assert result.run_facets == {}
