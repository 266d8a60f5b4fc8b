"""How the customer archive plugs into the rest of Kewei: department closure, the
customer page's own panels."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.audit.actions import action_label
from kewei.audit.display import change_rows
from kewei.customers import selectors
from kewei.customers.models import Customer, CustomerAssignment, CustomerStatus
from kewei.customers.panels import register_panel
from kewei.organisation.closure import register_closure_blocker


@register_closure_blocker
def _department_has_customers(department) -> str | None:
    count = (
        Customer.objects.unrestricted()
        .filter(department=department, status=CustomerStatus.ACTIVE)
        .count()
    )
    return _("仍有 %(count)d 名客户") % {"count": count} if count else None


@register_panel(
    "profile", title=gettext_lazy("客户档案"), template="customers/panels/profile.html", order=10
)
def _profile(request, customer):
    profile = getattr(customer, "profile", None)
    return {"profile": profile, "tags": list(customer.tags.all())}


@register_panel(
    "family", title=gettext_lazy("家庭与关系"), template="customers/panels/family.html", order=20
)
def _family(request, customer):
    relationships = list(customer.relationships.select_related("other"))
    visible_others = set(
        Customer.objects.filter(pk__in=[r.other_id for r in relationships]).values_list(
            "pk", flat=True
        )
    )
    return {
        "family": list(customer.family.all()),
        "relationships": relationships,
        "visible_others": visible_others,
        "household": selectors.household_summary(customer),
        "referral": getattr(customer, "referral", None),
        "referrals_made": list(customer.referrals_made.select_related("customer")),
    }


@register_panel(
    "consent", title=gettext_lazy("营销同意"), template="customers/panels/consent.html", order=30
)
def _consent(request, customer):
    return {"consents": selectors.current_consents(customer)}


@register_panel(
    "manager",
    title=gettext_lazy("客户经理分配记录"),
    template="customers/panels/assignments.html",
    order=40,
)
def _assignments(request, customer):
    return {
        "assignments": list(
            CustomerAssignment.objects.filter(customer=customer).select_related(
                "manager", "assigned_by"
            )[:20]
        )
    }


@register_panel(
    "history", title=gettext_lazy("变更历史"), template="customers/panels/history.html", order=90
)
def _history(request, customer):
    events = []
    for event in selectors.customer_history(customer):
        event.action_label = action_label(event.action)
        event.rows = [(row.label, row.before, row.after) for row in change_rows(event)]
        events.append(event)
    return {"events": events}
