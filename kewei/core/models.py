"""Shared tables of the platform."""

from __future__ import annotations

from django.db import models, transaction


class Sequence(models.Model):
    """A named counter for business numbers (customer numbers ...), handed out in blocks."""

    name = models.CharField(max_length=50, primary_key=True)
    next_value = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = "编号序列"

    def __str__(self) -> str:
        return f"{self.name}: {self.next_value}"


def reserve_numbers(name: str, count: int) -> range:
    """Reserve ``count`` consecutive numbers of a sequence; safe under concurrency (the
    row is locked until the surrounding transaction ends)."""
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        sequence = Sequence.objects.select_for_update().get(name=name)
        start = sequence.next_value
        sequence.next_value = start + count
        sequence.save(update_fields=["next_value"])
    return range(start, start + count)
