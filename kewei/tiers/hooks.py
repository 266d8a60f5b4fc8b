"""How tiers plug into the rest: the nightly evaluation, the rule that customers of VIP
tier and above must have a manager, and the customer page's tier panel."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kewei.audit.display import register_value_display
from kewei.core.daily import register_daily_step
from kewei.customers.panels import register_panel
from kewei.customers.services import register_manager_requirement
from kewei.tiers import selectors, services

register_manager_requirement(selectors.tier_requires_manager)


def _tier_name(code: str) -> str:
    return selectors.tier_names().get(code, code)


# A customer's tier in the change history by its name, not its code.
register_value_display("customers.Customer", "tier", _tier_name)


@register_panel(
    "tier",
    title=gettext_lazy("客户等级"),
    template="tiers/panels/tier.html",
    order=5,
    permission="customers.view_customer",
)
def _tier(request, customer):
    return {
        "tier": selectors.tier_of(customer),
        "changes": list(selectors.tier_history(customer)[:12]),
    }


@register_daily_step("tiers.evaluate", order=40)
def _evaluate(day) -> str:
    """客户分级评定（升级、降级） / evaluate tiers (upgrades, downgrades)."""
    result = services.tiers_evaluate(day=day)
    if result.already_done:
        return "已评级 / already evaluated"
    return f"升级 / up {result.upgrades}, 降级 / down {result.downgrades}"


@register_daily_step("tiers.potential_vips", order=45)
def _potential_vips(day) -> str:
    """标记潜在贵宾 / flag potential VIPs."""
    flagged = services.potential_vips_flag(day=day)
    return f"潜在贵宾 / potential VIPs {flagged}"
