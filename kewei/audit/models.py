"""The audit trail (审计日志)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change made through Kewei (or one sign-in event): who, when, what, before/after.

    Rows are append-only. The model refuses to update or delete; on PostgreSQL a trigger
    refuses it too, whatever the client.
    """

    occurred_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # The actor is kept as a snapshot: staff rows change, the trail must not.
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=120)
    action = models.CharField(_("操作"), max_length=80)
    subject_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    subject_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    subject_label = models.CharField(_("对象"), max_length=200, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied("审计事件不可修改 / audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计事件不可删除 / audit events are append-only")
