"""How complaints plug into the rest: the customer page's panel, the escalation run by
the nightly batch (and by ``kewei complaints_escalate`` during the day), merges."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.complaints import selectors, services
from kewei.core.daily import register_daily_step
from kewei.customers.panels import Fact, register_panel, register_quick_action, register_summary
from kewei.customers.services import register_merge_handler


@register_panel(
    "complaints",
    title=gettext_lazy("投诉"),
    template="complaints/panels/complaints.html",
    order=12,
    permission="complaints.view_complaint",
)
def _complaints(request, customer):
    return {"complaints": list(selectors.complaints_of(customer)[:10])}


@register_summary("complaints", order=40, permission="complaints.view_complaint")
def _complaints_summary(request, customer) -> list[Fact]:
    count = selectors.complaints_of(customer).filter(status__in=selectors.OPEN_STATUSES).count()
    return [Fact(_("未办结投诉"), count, alert=True, panel="complaints")] if count else []


register_quick_action(
    "complaints.record",
    label=gettext_lazy("登记投诉"),
    order=40,
    url=lambda customer: f"{reverse('complaints:complaint_create')}?customer={customer.pk}",
    permission="complaints.add_complaint",
)


@register_daily_step("complaints.escalate", order=60)
def _escalate(day) -> str:
    """逾期投诉升级 / escalate overdue complaints."""
    counts = services.complaints_escalate()
    return f"升级 / escalated {counts[1]} → 主管, {counts[2]} → 网点负责人"


register_merge_handler("complaints", services.move_on_merge)
