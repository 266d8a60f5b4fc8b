"""Shared tables of the platform."""

from __future__ import annotations

import datetime as dt

from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _


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


class NightState(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    FEED_MISSING = "feed_missing", _("日终数据未到")


class NightRun(models.Model):
    """One run of the nightly batch (日终批处理) for one business day, by ``kewei
    run_daily``: a night run again (after a failure, or a late feed) is a new row."""

    day = models.DateField(_("业务日"))
    state = models.CharField(_("状态"), max_length=20, choices=NightState.choices)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    host = models.CharField(_("主机"), max_length=100, blank=True)
    pid = models.PositiveIntegerField(_("进程号"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("日终批处理")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["day", "state"], name="night_run_day_state")]

    def __str__(self) -> str:
        return f"{self.day} {self.state}"

    @property
    def duration(self) -> dt.timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None


class NightStep(models.Model):
    """One step of a :class:`NightRun`: when it ran, how long, its one-line summary (the
    rows it wrote) or its error."""

    run = models.ForeignKey(NightRun, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(_("步骤"), max_length=100)
    position = models.PositiveSmallIntegerField()
    state = models.CharField(_("状态"), max_length=20, choices=NightState.choices)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    summary = models.TextField(_("结果"), blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("日终批处理步骤")
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="night_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.run.day} {self.name} {self.state}"

    @property
    def duration(self) -> dt.timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None
