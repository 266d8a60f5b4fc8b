"""Long jobs started from a page (后台任务), with their progress."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.scope import NOTHING, DataScope, ScopedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class JobRun(ScopedModel):
    """One run of a registered job, started by a staff member from a page.

    Only the person who started it sees it (and its result file).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("任务类型"), max_length=80)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveBigIntegerField(_("总量"), default=0)
    done = models.PositiveBigIntegerField(_("已完成"), default=0)
    summary = models.TextField(_("结果"), blank=True)
    error = models.TextField(_("错误"), blank=True)
    result_file = models.CharField(_("结果文件"), max_length=255, blank=True)
    result = models.JSONField(_("结果数据"), default=dict, blank=True)
    # The worker process (``JobWorker.worker_id``) that runs it: when that process is
    # gone, the job is marked failed instead of staying "running" for ever.
    worker_id = models.CharField(_("执行进程"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return Q(started_by_id=scope.staff_id) if scope.staff_id is not None else NOTHING


class JobWorker(models.Model):
    """One running background-job worker process (``kewei worker``): where it runs and
    when it last said it was alive (its heartbeat). The readiness check counts the live
    ones; a job whose worker is gone is failed by ``services.job_fail_abandoned``."""

    worker_id = models.CharField(_("进程标识"), max_length=64, unique=True)
    hostname = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("最近心跳"), default=timezone.now)

    class Meta:
        verbose_name = _("任务执行进程")
        verbose_name_plural = _("任务执行进程")
        ordering = ["hostname", "pid"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
