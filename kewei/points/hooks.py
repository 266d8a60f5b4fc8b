"""How points plug into the customer archive: the customer page's points panel."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.core.daily import register_daily_step
from kewei.customers.panels import (
    Fact,
    once_per_page,
    register_panel,
    register_quick_action,
    register_summary,
)
from kewei.customers.services import register_merge_handler
from kewei.points import selectors, services


@register_panel(
    "points",
    title=gettext_lazy("积分"),
    template="points/panels/points.html",
    order=20,
    permission="points.view_pointsentry",
)
def _points(request, customer):
    balance, expiring = _balance_and_expiring(request, customer)
    return {
        "balance": balance,
        "expiring": expiring,
        "entries": list(selectors.points_statement(customer)[:20]),
    }


def _balance_and_expiring(request, customer):
    """The balance and the points expiring within 60 days: the panel and the header."""
    return once_per_page(
        request,
        f"points:{customer.pk}",
        lambda: (
            selectors.points_balance(customer),
            selectors.points_expiring(customer, on=timezone.localdate()),
        ),
    )


# Points that expire within this many days are an alert in the customer page's header.
EXPIRY_ALERT_DAYS = 30


@register_summary("points", order=20, permission="points.view_pointsentry")
def _points_summary(request, customer) -> list[Fact]:
    balance, expiring = _balance_and_expiring(request, customer)
    facts = [Fact(_("积分余额"), number_format(balance, force_grouping=True), panel="points")]
    soon = timezone.localdate() + dt.timedelta(days=EXPIRY_ALERT_DAYS)
    lots = [lot for lot in expiring if lot.expires_on <= soon]
    if lots:
        value = _("%(points)s 积分（最早 %(day)s）") % {
            "points": number_format(sum(lot.points for lot in lots), force_grouping=True),
            "day": lots[0].expires_on.isoformat(),
        }
        label = _("%(days)d 天内积分到期") % {"days": EXPIRY_ALERT_DAYS}
        facts.append(Fact(label, value, alert=True, panel="points"))
    return facts


register_quick_action(
    "points.redeem",
    label=gettext_lazy("积分兑换"),
    order=30,
    url=lambda customer: reverse("points:redeem", args=[customer.pk]),
    permission="points.redeem_gift",
)


@register_daily_step("points.accrue", order=20)
def _accrue(day) -> str:
    """计算当日积分 / accrue the day's points."""
    result = services.points_accrue(day=day)
    if result.already:
        return "已计算过 / already accrued"
    return f"{result.points} 积分 / points, {result.entries} 笔 / entries"


@register_daily_step("points.expire", order=30)
def _expire(day) -> str:
    """处理到期积分 / expire the points whose last day it is."""
    # Points whose last day is the business day expire in its night.
    result = services.points_expire(day=day + dt.timedelta(days=1))
    return f"{result.points} 积分过期 / points expired, {result.customers} 名客户 / customers"


register_merge_handler("points", services.points_move_on_merge)
