"""Audit-trail export to XLSX, run as a page job with progress."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.audit.actions import AuditAction, action_label
from kewei.audit.selectors import audit_search
from kewei.jobs.exports import xlsx_export
from kewei.jobs.registry import JobOutcome, register_job


@register_job("audit.export", gettext_lazy("导出审计日志"))
def audit_export(
    *, actor, progress, person="", subject="", action="", date_from=None, date_to=None
) -> JobOutcome:
    events = audit_search(
        person=person,
        subject=subject,
        action=action,
        date_from=dt.date.fromisoformat(date_from) if date_from else None,
        date_to=dt.date.fromisoformat(date_to) if date_to else None,
    )
    headers = [
        _("时间"),
        _("操作人"),
        _("操作"),
        _("对象类型"),
        _("对象ID"),
        _("对象"),
        _("请求ID"),
        _("来源地址"),
        _("变更内容"),
        _("说明"),
    ]
    rows = (
        (
            timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_label,
            action_label(e.action),
            e.subject_type,
            e.subject_id,
            e.subject_label,
            e.request_id,
            e.client_ip or "",
            json.dumps(e.changes, ensure_ascii=False),
            e.note,
        )
        for e in events.iterator(chunk_size=2000)
    )
    return xlsx_export(
        actor=actor,
        progress=progress,
        name="audit",
        sheet_title=_("审计日志"),
        headers=headers,
        rows=rows,
        total=events.count(),
        audit_action=AuditAction.EXPORT,
        audit_details={
            "person": person,
            "subject": subject,
            "action": action,
            "date_from": date_from,
            "date_to": date_to,
        },
        summary=_("已导出 %(count)d 条审计记录。"),
    )
