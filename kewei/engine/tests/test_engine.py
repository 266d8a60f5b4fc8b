import datetime as dt
from decimal import Decimal

import ibis
import pytest
from django.db import connection

from kewei.engine import runner, schemas
from kewei.engine.pipelines.organisation import headcount
from kewei.organisation.models import Department, Staff
from kewei.organisation.selectors import department_headcount
from kewei.testing import factories


def test_schema_is_derived_from_the_model():
    table = schemas.table(Staff)
    assert table.get_name() == "organisation_staff"
    assert str(table.schema()["department_id"]) == "int64"
    assert str(table.schema()["is_active"]) == "boolean"
    assert str(table.schema()["locked_until"]) == "timestamp"


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_pipeline_compiles_for_every_engine(dialect):
    expr = headcount(schemas.table(Department), schemas.table(Staff))
    sql = ibis.to_sql(expr, dialect=dialect)
    assert "organisation_staff" in sql and "organisation_department" in sql


def test_headcount_matches_the_tree(bank):
    # given: an inactive member of staff, who must not count
    factories.staff(department=bank.outlet_a2, is_active=False)
    factories.staff(department=bank.outlet_a2)
    # when
    counts = department_headcount()
    # then (direct, whole subtree)
    assert counts[bank.outlet_a1.pk] == (4, 4)
    assert counts[bank.outlet_a2.pk] == (1, 1)
    assert counts[bank.sub_branch_a.pk] == (0, 5)
    assert counts[bank.branch_a.pk] == (1, 6)
    assert counts[bank.branch_b.pk] == (0, 2)
    assert counts[bank.head_office.pk] == (2, 10)


def test_headcount_equals_a_per_department_orm_count(bank):
    counts = department_headcount()
    for department in Department.objects.all():
        direct = Staff.objects.filter(department=department, is_active=True).count()
        total = Staff.objects.filter(
            department__path__startswith=department.path, is_active=True
        ).count()
        assert counts[department.pk] == (direct, total), department.code


@pytest.fixture
def source_table(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE engine_source (label VARCHAR(20), amount_fen BIGINT)")
        cursor.execute("INSERT INTO engine_source VALUES ('a', 150), ('b', 250), ('c', 1)")
        cursor.execute("CREATE TABLE engine_probe (label VARCHAR(20), amount_fen BIGINT)")
    return ibis.table({"label": "string", "amount_fen": "int64"}, name="engine_source")


def test_insert_into_materialises_inside_the_callers_transaction(source_table):
    # A pipeline result written with one INSERT ... SELECT on Django's connection.
    expr = source_table.filter(source_table.amount_fen > 100).mutate(
        amount_fen=source_table.amount_fen * 2
    )
    inserted = runner.insert_into("engine_probe", ["label", "amount_fen"], expr)
    with connection.cursor() as cursor:
        cursor.execute("SELECT label, amount_fen FROM engine_probe ORDER BY label")
        assert cursor.fetchall() == [("a", 300), ("b", 500)]
    assert inserted == 2


def test_money_stays_exact_in_integer_fen(source_table):
    # Ibis divides decimals in floating point: batch money is kept in integer fen, and
    # converted to yuan as Decimal only at the edge.
    expr = source_table.aggregate(total_fen=source_table.amount_fen.sum())
    ((total_fen,),) = runner.fetch_all(expr)
    assert total_fen == 401
    assert Decimal(total_fen) / 100 == Decimal("4.01")


def test_dates_compile_as_literals(source_table):
    day = dt.date(2024, 2, 29)
    expr = source_table.limit(1).select(day=ibis.literal(day))
    rows = runner.fetch_all(expr)
    assert str(rows[0][0]) == "2024-02-29"
