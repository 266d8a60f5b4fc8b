"""How referrals plug into the rest: the reward check before the night's points, and
the customer page's panel of the referrals a customer made."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kewei.core.daily import register_daily_step
from kewei.customers.panels import register_panel
from kewei.referrals import selectors, services


@register_daily_step("referrals.reward", order=15)
def _reward(day) -> str:
    """检查推荐条件，发放推荐奖励 / check referral conditions and grant the rewards."""
    # Before points.accrue (20): the day's rewards are accrued with the day's points.
    result = services.referrals_reward(day=day)
    return f"推荐奖励 / referral rewards {result.rewarded} / {result.checked}"


@register_panel(
    "referrals",
    title=gettext_lazy("推荐的客户与奖励"),
    template="referrals/panels/referrals.html",
    order=14,
    permission="customers.view_customer",
)
def _referrals(request, customer):
    made = list(selectors.referrals_made(customer)[:20])
    return {"made": made} if made else None
