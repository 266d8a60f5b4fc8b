"""Points jobs started from pages: a customer's statement as XLSX."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.customers.models import Customer
from kewei.jobs.exports import xlsx_export
from kewei.jobs.registry import JobOutcome, register_job
from kewei.points.actions import PointsAction
from kewei.points.selectors import points_statement


@register_job("points.statement", gettext_lazy("导出积分流水"))
def export_statement(*, actor, progress, customer: int, start: str, end: str, kind: str):
    """The customer's points flow (within the starter's scope) as XLSX; audited."""
    holder = Customer.objects.get(pk=customer)
    entries = points_statement(
        holder,
        start=dt.date.fromisoformat(start) if start else None,
        end=dt.date.fromisoformat(end) if end else None,
        kind=kind,
    )
    headers = [_("业务日期"), _("类型"), _("原因"), _("积分"), _("到期日"), _("单据")]
    rows = (
        (
            e.occurred_on.isoformat(),
            e.get_kind_display(),
            e.reason,
            e.points,
            e.expires_on.isoformat() if e.expires_on else "",
            e.document_number,
        )
        for e in entries.iterator(chunk_size=2000)
    )
    outcome: JobOutcome = xlsx_export(
        actor=actor,
        progress=progress,
        name=f"points-{holder.customer_number}",
        sheet_title=_("积分流水"),
        headers=headers,
        rows=rows,
        total=entries.count(),
        audit_action=PointsAction.STATEMENT_EXPORT,
        audit_details={
            "customer": holder.customer_number,
            "start": start,
            "end": end,
            "kind": kind,
        },
        summary=_("已导出 %(count)d 笔积分流水。"),
    )
    return outcome
