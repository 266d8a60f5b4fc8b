"""Ibis table declarations derived from Django models: one source of truth for columns."""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
from django.db import models

_SIMPLE: list[tuple[type[models.Field], dt.DataType]] = [
    (models.BooleanField, dt.boolean),
    (models.DateTimeField, dt.timestamp),
    (models.DateField, dt.date),
    (models.JSONField, dt.string),
    (models.UUIDField, dt.string),
    (models.TextField, dt.string),
    (models.CharField, dt.string),
    (models.GenericIPAddressField, dt.string),
    (models.SmallIntegerField, dt.int16),
    (models.PositiveSmallIntegerField, dt.int16),
    (models.BigIntegerField, dt.int64),
    (models.PositiveBigIntegerField, dt.int64),
    (models.AutoField, dt.int64),
    (models.BigAutoField, dt.int64),
    (models.IntegerField, dt.int64),
    (models.FloatField, dt.float64),
]


def dtype_for(field: models.Field) -> dt.DataType:
    if isinstance(field, models.ForeignKey):
        return dtype_for(field.target_field)
    if isinstance(field, models.DecimalField):
        return dt.Decimal(precision=field.max_digits, scale=field.decimal_places)
    for field_class, dtype in _SIMPLE:
        if isinstance(field, field_class):
            return dtype
    raise TypeError(f"no Ibis type for {field.__class__.__name__} ({field})")


def table(model: type[models.Model]) -> ibis.Table:
    """The model's database table as an unbound Ibis table (columns by db column name)."""
    schema = {field.column: dtype_for(field) for field in model._meta.concrete_fields}
    return ibis.table(schema, name=model._meta.db_table)
