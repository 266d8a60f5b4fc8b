"""Shared tables of the platform."""

from __future__ import annotations

from django.db import connection, models, transaction


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
    row is locked until the surrounding transaction ends). One statement takes them:
    a bulk import reserves a block for every batch it writes, and the four statements of
    a locked read-modify-write cost it a millisecond each time. A sequence's row is
    created on its first use."""
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_value = next_value + %s "  # noqa: S608  (model table)
            "WHERE name = %s RETURNING next_value",
            [count, name],
        )
        reserved = cursor.fetchone()
    if reserved is None:
        with transaction.atomic():  # another transaction may create it at the same time
            Sequence.objects.get_or_create(name=name)
        return reserve_numbers(name, count)
    (end,) = reserved
    return range(end - count, end)
