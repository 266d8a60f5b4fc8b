"""How care plugs into the rest: the nightly reminders, the customer page's contact
history, and merges."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.care import selectors, services
from kewei.core.daily import register_daily_step
from kewei.core.views import register_start_page
from kewei.customers.panels import (
    Fact,
    once_per_page,
    register_panel,
    register_quick_action,
    register_summary,
)
from kewei.customers.services import register_merge_handler
from kewei.organisation.roles import Role


@register_panel(
    "contacts",
    title=gettext_lazy("联系记录与关怀任务"),
    template="care/panels/contacts.html",
    order=8,
    permission="care.view_contact",
)
def _contacts(request, customer):
    return {
        "contacts": list(selectors.contact_history(customer)[:10]),
        "tasks": _open_tasks(request, customer),
        "plans": selectors.plans_to_start()
        if request.user.has_perm("care.start_actionplan")
        else [],
    }


def _open_tasks(request, customer):
    return once_per_page(
        request, f"care.tasks:{customer.pk}", lambda: list(selectors.open_tasks_of(customer))
    )


@register_summary("care", order=10, permission="care.view_contact")
def _care_summary(request, customer) -> list[Fact]:
    tasks = _open_tasks(request, customer)
    facts = [Fact(_("待办任务"), len(tasks), panel="contacts")]
    today = timezone.localdate()
    overdue = sum(1 for task in tasks if task.due_on < today)
    if overdue:
        facts.append(Fact(_("逾期任务"), overdue, alert=True, panel="contacts"))
    return facts


register_quick_action(
    "care.contact",
    label=gettext_lazy("记录联系"),
    order=10,
    url=lambda customer: reverse("care:contact_create", args=[customer.pk]),
    permission="care.add_contact",
)


@register_daily_step("care.run", order=50)
def _care(day) -> str:
    """按关怀规则生成关怀任务 / create the care tasks of the care rules."""
    result = services.care_run(day=day)
    return f"关怀任务 / care tasks {result.total}"


register_merge_handler("care", services.move_on_merge)

# A customer manager's day starts on their task list.
register_start_page("care:my_day", lambda staff: Role.CUSTOMER_MANAGER in staff.role_codes)
