"""The money field types (分, 元, 万元) leave the batch engine's Ibis schemas as they were:
a FenField or WanField is an int64 column, a YuanField the decimal of its size."""

from __future__ import annotations

import ibis.expr.datatypes as dt
import pytest
from django.apps import apps
from django.db import models

from kewei.core.fields import FenField, WanField, YuanField
from kewei.engine import schemas

MONEY_FIELDS = (FenField, YuanField, WanField)


def _plain(field: models.Field) -> models.Field:
    """The plain Django field the money field replaced."""
    if isinstance(field, YuanField):
        return models.DecimalField(max_digits=field.max_digits, decimal_places=2)
    if isinstance(field, FenField | WanField):
        return models.BigIntegerField()
    return field


def _money_fields():
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, MONEY_FIELDS)
    ]


@pytest.mark.parametrize(
    ("label", "column", "dtype"),
    [
        ("products.Holding", "balance", dt.int64),
        ("products.Transaction", "amount", dt.int64),
        ("products.AssetsMonth", "aum_average", dt.int64),
        ("products.StagedAssets", "fen", dt.int64),
        ("tiers.TierChange", "measure", dt.int64),
        ("analytics.CustomerMeasure", "aum", dt.int64),
        ("customers.Customer", "aum_wan", dt.int64),
        ("customers.CustomerAssets", "aum", dt.Decimal(precision=18, scale=2)),
        ("tiers.Tier", "min_aum", dt.Decimal(precision=18, scale=2)),
        ("events.ClientEvent", "budget", dt.Decimal(precision=14, scale=2)),
        ("points.EarningRule", "unit_yuan", dt.Decimal(precision=12, scale=2)),
        ("points.Redemption", "cash", dt.Decimal(precision=12, scale=2)),
    ],
)
def test_a_money_column_keeps_its_ibis_type(label, column, dtype):
    # given a model with a money column
    model = apps.get_model(label)

    # when its Ibis table is declared
    schema = schemas.table(model).schema()

    # then the column has the type it had as a plain integer or decimal field
    assert schema[column] == dtype


def test_every_money_column_has_the_ibis_type_of_its_plain_column():
    # given every money column of the project (分, 元 or 万元)
    money_fields = _money_fields()

    # when each one's Ibis type is compared with that of the plain BigIntegerField /
    # DecimalField it replaced
    differing = [
        f"{field.model._meta.label}.{field.name}"
        for field in money_fields
        if schemas.dtype_for(field) != schemas.dtype_for(_plain(field))
    ]

    # then they are identical
    assert len(money_fields) == 38
    assert differing == []
    assert {str(schemas.dtype_for(field)) for field in money_fields} == {
        "int64",
        "decimal(18, 2)",
        "decimal(14, 2)",
        "decimal(12, 2)",
        "decimal(10, 2)",
    }
