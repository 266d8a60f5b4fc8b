"""The demo bank's points: the retail banking department's usual earning rules, and the
points of the latest month of the feed awarded by the same batch that runs every day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kewei.core.progress import Progress
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.points.models import AccrualDay, EarningRule, PointsPolicy
from kewei.points.services import RuleData, points_accrue, points_expire, policy_set, rule_create
from kewei.products.models import FeedDay

# (code, name, kind, points, category or event kind, unit in 元)
RULES = [
    ("DEP-D", "活期存款日均积分", "balance", "0.5", "demand_deposit", None),
    ("DEP-T", "定期存款日均积分", "balance", "1", "time_deposit", None),
    ("DEP-CD", "大额存单日均积分", "balance", "1", "large_cd", None),
    ("INV-WM", "理财产品日均积分", "balance", "2", "wealth", None),
    ("INV-FD", "基金日均积分", "balance", "2", "fund", None),
    ("INV-IN", "代理保险日均积分", "balance", "1.5", "insurance", None),
    ("CARD-C", "信用卡消费积分", "spending", "1", "credit_card", "20"),
    ("CARD-D", "借记卡消费积分", "spending", "1", "demand_deposit", "50"),
    ("EV-OPEN", "新开户奖励", "event", "100", "account_opened", None),
    ("EV-MB", "绑定手机银行奖励", "event", "200", "mobile_banking_bound", None),
    ("EV-PLAN", "签约基金定投奖励", "event", "300", "fund_plan_signed", None),
    ("EV-REF", "推荐客户奖励", "event", "500", "referral_reward", None),
]
# Days of points history the demo shows: the latest month of loaded days.
ACCRUE_DAYS = 31


@register_seeder("points", order=40)
def seed_points(context: SeedContext, progress: Progress) -> dict[str, int]:
    days = list(FeedDay.objects.order_by("-day").values_list("day", flat=True)[:ACCRUE_DAYS])
    if not days:
        return {"rules": 0, "days_accrued": 0}
    days.reverse()
    start = days[0]
    if not EarningRule.objects.exists() and not AccrualDay.objects.exists():
        for code, name, kind, points, target, unit in RULES:
            rule_create(
                actor=None,
                data=RuleData(
                    code=code,
                    name=name,
                    kind=kind,
                    points=Decimal(points),
                    effective_from=start,
                    category=target if kind != "event" else "",
                    event_kind=target if kind == "event" else "",
                    unit_yuan=Decimal(unit) if unit else None,
                ),
            )
        if not PointsPolicy.objects.exists():
            policy_set(
                actor=None,
                effective_from=start,
                monthly_cap=50_000,
                expiry_years=1,
                # VIP and major customers earn more (the tiers seeder ran first).
                tier_multipliers={"vip": "1.2", "major": "1.5"},
            )
    accrued = set(AccrualDay.objects.values_list("day", flat=True))
    progress.start(len(days), "积分计算")
    count = 0
    for day in days:
        if day not in accrued:
            points_accrue(day=day)
            count += 1
        progress.advance(1)
    points_expire(day=days[-1] + dt.timedelta(days=1))
    return {"rules": EarningRule.objects.count(), "days_accrued": count}
