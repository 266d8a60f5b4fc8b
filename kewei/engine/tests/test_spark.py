"""The same pipeline definition on a Spark session gives the same answer as the database.

This is the scale-out path: when a bank outgrows one database, the nightly pipelines run
on Spark through Ibis's pyspark backend. Needs Java (Spark runs in a JVM).
"""

from __future__ import annotations

import shutil

import pytest

from kewei.engine.pipelines.organisation import headcount
from kewei.organisation.models import Department, Staff
from kewei.organisation.selectors import department_headcount
from kewei.testing import factories

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Java is not installed; Spark needs it")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("kewei-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_headcount_on_spark_equals_the_database(bank, spark):
    import ibis
    import pandas as pd

    # given: the bank's tables, as a nightly extract would hand them to Spark
    factories.staff(department=bank.outlet_a2, is_active=False)
    departments = pd.DataFrame(list(Department.objects.values("id", "path", "parent_id")))
    staff = pd.DataFrame(list(Staff.objects.values("id", "department_id", "is_active")))
    spark.createDataFrame(departments).createOrReplaceTempView("organisation_department")
    spark.createDataFrame(staff).createOrReplaceTempView("organisation_staff")
    connection = ibis.pyspark.connect(spark)
    # when: the very same pipeline function runs on Spark
    expr = headcount(
        connection.table("organisation_department"), connection.table("organisation_staff")
    )
    on_spark = {
        int(row.department_id): (int(row.direct_staff), int(row.total_staff))
        for row in connection.to_pandas(expr).itertuples()
    }
    # then
    assert on_spark == department_headcount()
    assert on_spark[bank.head_office.pk] == (2, 9)
