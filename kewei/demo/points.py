"""The demo bank's points: the retail banking department's usual earning rules, the
points of the latest month of the feed awarded by the same batch that runs every day,
and the gift catalogue with a few redemptions at the counters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

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


# The gift catalogue: (code, name, points, opening stock, limit per customer, tiers,
# outlets under this department path ("" for all), description). Points are priced
# against the demo's balances: a month of points, a few hundred for most customers and
# some thousands for the largest.
GIFTS = [
    ("GF-BAG", "环保购物袋", 50, 300, None, (), "", "可折叠帆布购物袋。"),
    ("GF-OIL", "食用油（5 升）", 300, 120, 2, (), "", "非转基因压榨花生油。"),
    ("GF-RICE", "五常大米（5 公斤）", 400, 100, 2, (), "", ""),
    ("GF-UMB", "晴雨伞", 500, 80, None, (), "", "印有本行标识的三折伞。"),
    ("GF-CUP", "保温杯", 800, 80, None, (), "", "316 不锈钢，500 毫升。"),
    ("GF-TEL", "话费充值 50 元", 1000, 500, 3, (), "", "次月 5 日前充入客户预留手机号。"),
    ("GF-FILM", "电影票（两张）", 1500, 150, None, (), "", "全国通兑，有效期 6 个月。"),
    ("GF-TEA", "茶具套装", 2500, 0, None, (), "", "景德镇白瓷，一壶四杯。"),
    ("GF-LOUNGE", "机场贵宾厅服务（单次）", 3000, 60, None, ("vip", "major"), "", ""),
    ("GF-LUG", "20 寸拉杆箱", 5000, 20, 1, ("potential", "vip", "major"), "", ""),
    ("GF-PARK", "北京环球影城门票", 6000, 20, 2, (), "/000000/110000/", "限北京分行网点领取。"),
    ("GF-CHECK", "体检套餐", 8000, 30, 1, ("vip", "major"), "", "三甲医院全面体检一次。"),
    ("GF-GOLF", "高尔夫练习场体验", 12000, 10, 1, ("major",), "", ""),
]
# A seasonal gift whose redemption period is over.
SEASONAL = ("GF-MOON", "中秋月饼礼盒", 800, 40, "中秋节限时兑换。")
# Redemptions made at the counters, and what became of them afterwards.
REDEMPTIONS = ["collected", "collected", "sent", "to_collect", "to_collect", "cancelled"]
DEMO_KEY = "demo:redeem:"


@register_seeder("gifts", order=45)
def seed_gifts(context: SeedContext, progress: Progress) -> dict[str, int]:
    """The gift catalogue, in stock through its opening receipts, and a few redemptions
    at the customers' own outlets, made by their counter staff through the service."""
    from kewei.organisation.models import Department, DepartmentLevel
    from kewei.points.models import Gift, Redemption
    from kewei.points.redemptions import GiftData, gift_create

    last_day = FeedDay.objects.order_by("-day").values_list("day", flat=True).first()
    if last_day is None:
        return {"gifts": 0, "gifts_created": 0, "redemptions": 0}
    outlets = Department.objects.unrestricted().filter(level=DepartmentLevel.OUTLET)
    existing = set(Gift.objects.values_list("code", flat=True))
    created = 0
    progress.start(len(GIFTS) + 1, "礼品目录")
    for code, name, points, stock, limit, tiers, under, description in GIFTS:
        if code not in existing:
            gift_create(
                actor=None,
                data=GiftData(
                    code=code,
                    name=name,
                    points_price=points,
                    per_customer_limit=limit,
                    tiers=tiers,
                    outlets=tuple(outlets.filter(path__startswith=under)) if under else (),
                    description=description,
                ),
                opening_stock=stock,
            )
            created += 1
        progress.advance(1)
    code, name, points, stock, description = SEASONAL
    if code not in existing:
        # Last year's Mid-Autumn weeks, from the feed's last day.
        autumn = dt.date(last_day.year - 1, 9, 1)
        gift_create(
            actor=None,
            data=GiftData(
                code=code,
                name=name,
                points_price=points,
                valid_from=autumn,
                valid_to=autumn + dt.timedelta(days=30),
                description=description,
            ),
            opening_stock=stock,
        )
        created += 1
    progress.advance(1)
    redeemed = 0
    if not Redemption.objects.unrestricted().filter(idempotency_key__startswith=DEMO_KEY).exists():
        redeemed = _seed_redemptions(context)
    return {"gifts": Gift.objects.count(), "gifts_created": created, "redemptions": redeemed}


def _seed_redemptions(context: SeedContext) -> int:
    """Customers with points redeem one gift each at their outlet's counter; most
    gifts are then collected or sent, one redemption is cancelled."""
    from kewei.customers.models import Customer
    from kewei.organisation.models import Staff
    from kewei.organisation.roles import Role
    from kewei.points.models import PointsAccount
    from kewei.points.redemptions import (
        gifts_on_offer,
        points_redeem,
        redemption_cancel,
        redemption_deliver,
    )

    rng = context.rng("gifts")
    today = timezone.localdate()
    tellers: dict[int, Staff] = {}
    for teller in (
        Staff.objects.unrestricted()
        .filter(groups__name=Role.COUNTER_STAFF, is_active=True)
        .select_related("department")
        .order_by("username")
    ):
        tellers.setdefault(teller.department_id, teller)
    holders = list(
        PointsAccount.objects.unrestricted()
        .filter(balance__gt=0)
        .order_by("-balance", "customer_id")
        .values_list("customer_id", flat=True)[: len(REDEMPTIONS) * 5]
    )
    rng.shuffle(holders)
    done = 0
    customers = Customer.objects.unrestricted().select_related("department").in_bulk(holders)
    for customer_id in holders:
        if done == len(REDEMPTIONS):
            break
        customer = customers[customer_id]
        teller = tellers.get(customer.department_id)
        if teller is None:
            continue
        offer = gifts_on_offer(actor=teller, customer=customer, outlet=teller.department, on=today)
        if not offer.gifts:
            continue
        redemption = points_redeem(
            actor=teller,
            customer=customer,
            gift=rng.choice(offer.gifts),
            quantity=1,
            outlet=teller.department,
            idempotency_key=f"{DEMO_KEY}{done + 1}",
        )
        outcome = REDEMPTIONS[done]
        if outcome == "cancelled":
            redemption_cancel(actor=teller, redemption=redemption, reason="客户改换其他礼品")
        elif outcome != "to_collect":
            redemption_deliver(actor=teller, redemption=redemption, status=outcome)
        done += 1
    return done
