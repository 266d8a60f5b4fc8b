"""Transactions pushed during the day by the core system (the API's push endpoint):
one batch at a time, idempotent by batch id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.core.crypto import json_sha256
from kewei.products.actions import ProductsAction
from kewei.products.feed import format as spec
from kewei.products.feed.loading import load_transactions, wait_for_loads
from kewei.products.models import TransactionBatch


class BatchConflict(ValidationError):
    """The batch id was used before for different transactions."""


def content_sha256(day: dt.date, rows: Sequence[Mapping[str, str]]) -> str:
    return json_sha256([day.isoformat(), list(rows)])


def transactions_push(
    *, actor, batch_id: str, day: dt.date, rows: Sequence[Mapping[str, str]], pushed_by: str
) -> tuple[TransactionBatch, bool]:
    """Check and load one batch of ``day``'s transactions; rows that fail the feed's
    checks are rejected (with their row, column and reason), the rest load. Returns the
    batch and whether it had been received before (then nothing is loaded again)."""
    content = content_sha256(day, rows)
    with transaction.atomic():
        if day > timezone.localdate():
            raise ValidationError({"date": _("数据日期不能晚于今天。")}, code="future_day")
        # Once no other load runs, an earlier push of the same batch is visible.
        wait_for_loads()
        earlier = TransactionBatch.objects.filter(batch_id=batch_id).first()
        if earlier is not None:
            if earlier.content_sha256 != content:
                raise BatchConflict(
                    _("批次号 %(id)s 已用于另一批流水。") % {"id": batch_id}, code="batch_conflict"
                )
            return earlier, True
        columns = [column.name for column in spec.TRANSACTION_COLUMNS]
        table = pa.table(
            {
                name: pa.array([str(row.get(name, "")) for row in rows], pa.string())
                for name in columns
            }
        )
        result = load_transactions(day, table)
        counts = result.files[spec.TRANSACTIONS]
        batch = TransactionBatch.objects.create(
            batch_id=batch_id,
            day=day,
            content_sha256=content,
            pushed_by=pushed_by[:120],
            loaded=counts.loaded,
            rejected=counts.rejected,
            # The feed numbers a file's rows from 2 (after its header); a batch from 1.
            rejects=[
                {"row": r.row - 1, "column": r.column, "reason": r.reason} for r in result.rejects
            ],
        )
        audit_record(
            actor=actor,
            action=ProductsAction.TRANSACTIONS_PUSH,
            subject=batch,
            after={"day": day.isoformat(), "loaded": batch.loaded, "rejected": batch.rejected},
        )
    return batch, False
