"""External catalogs: Hive on a Hive metastore, Hive on Glue under each AWS auth method, Iceberg on Glue."""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator

STARROCKS_CONN_ID = "starrocks_default"
HIVE_METASTORE_URIS = (
    "{{ var.value.get('starrocks_example_hive_metastore_uris', 'thrift://hive-metastore:9083') }}"
)

DOC = """
### External catalogs on a Hive metastore and on AWS Glue

Each task creates one external catalog, then validates it by listing its databases (a catalog that
StarRocks cannot use is dropped again and the task fails). `if_exists="replace"` makes re-runs safe:
a new definition is validated under a temporary name before the old catalog is dropped.
The tasks are independent, so one failing catalog does not stop the others.

| Task | Catalog | S3 auth | Metastore auth |
|---|---|---|---|
| `hive_on_hive_metastore` | Hive, Thrift metastore | IAM user (`aws_iam_user`) | none (Thrift) |
| `hive_on_glue_instance_profile` | Hive on Glue | instance profile (`aws_instance_profile`) | instance profile |
| `hive_on_glue_assumed_role` | Hive on Glue | role `s3_assumed_role` (`aws_assumed_role`) | role `glue_assumed_role` (`aws_glue_role`) |
| `hive_on_glue_iam_user` | Hive on Glue | IAM user keys (`aws_iam_user`) | the same keys |
| `iceberg_on_glue` | Iceberg on Glue | role (`aws_assumed_role`) | role (`aws_glue_role`) |

With the assumed-role method StarRocks's own instance role calls `sts:AssumeRole`, so each role's
trust policy must name the StarRocks instance role (see the StarRocks page "Authenticate to AWS
resources"). S3 and Glue use separate roles, as there.

**Connections:** `starrocks_default`; AWS connections `aws_instance_profile` (only `region_name`),
`aws_assumed_role` and `aws_glue_role` (`region_name` + `role_arn`), `aws_iam_user` (access key in
login/password + `region_name`).
**Variables (optional):** `starrocks_example_hive_metastore_uris` (default `thrift://hive-metastore:9083`).
On the local test stack there is no Thrift metastore, so `hive_on_hive_metastore` fails validation
with "Could not connect to meta store"; every Glue catalog succeeds.
"""

with DAG(
    dag_id="example_starrocks_external_catalogs",
    description="Create and validate Hive and Iceberg external catalogs on a Hive metastore and on AWS Glue.",
    doc_md=DOC,
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    # A one-off setup DAG: a bad definition or missing rights will not fix itself on retry.
    default_args={"retries": 0, "starrocks_conn_id": STARROCKS_CONN_ID, "if_exists": "replace"},
    tags=["example", "starrocks"],
) as dag:
    StarRocksCreateExternalCatalogOperator(
        task_id="hive_on_hive_metastore",
        catalog_name="example_hive_hms",
        catalog_type="hive",
        metastore="hive",
        metastore_uris=HIVE_METASTORE_URIS,
        aws_conn_id="aws_iam_user",
        comment="Hive tables through a Hive metastore, data on S3",
    )

    StarRocksCreateExternalCatalogOperator(
        task_id="hive_on_glue_instance_profile",
        catalog_name="example_hive_glue_instance_profile",
        catalog_type="hive",
        metastore="glue",
        aws_conn_id="aws_instance_profile",
        comment="Hive on Glue; S3 and Glue through the StarRocks nodes' instance profile",
    )

    StarRocksCreateExternalCatalogOperator(
        task_id="hive_on_glue_assumed_role",
        catalog_name="example_hive_glue_assumed_role",
        catalog_type="hive",
        metastore="glue",
        aws_conn_id="aws_assumed_role",
        glue_aws_conn_id="aws_glue_role",
        comment="Hive on Glue; StarRocks assumes one role for S3 and another for Glue",
    )

    StarRocksCreateExternalCatalogOperator(
        task_id="hive_on_glue_iam_user",
        catalog_name="example_hive_glue_iam_user",
        catalog_type="hive",
        metastore="glue",
        aws_conn_id="aws_iam_user",
        comment="Hive on Glue; S3 and Glue with an IAM user's access keys",
    )

    StarRocksCreateExternalCatalogOperator(
        task_id="iceberg_on_glue",
        catalog_name="example_iceberg_glue",
        catalog_type="iceberg",
        metastore="glue",
        aws_conn_id="aws_assumed_role",
        glue_aws_conn_id="aws_glue_role",
        comment="Iceberg tables registered in Glue",
    )
