"""On PostgreSQL the ledger refuses changes in the database itself, whoever asks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from kewei.points.models import EntryKind, PointsEntry
from kewei.testing.factories import small_bank

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_an_entry_cannot_be_changed_or_deleted():
    bank = small_bank()
    entry = PointsEntry.objects.create(
        customer=bank.customer_a1,
        kind=EntryKind.ADJUST,
        points=10,
        occurred_on=dt.date(2026, 11, 1),
        reason="测试",
        idempotency_key="test:1",
    )
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        PointsEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        PointsEntry.objects.filter(pk=entry.pk).delete()
    assert PointsEntry.objects.get(pk=entry.pk).points == 10
