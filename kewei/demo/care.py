"""The demo bank's tiers and care: customers tiered month by month through the loaded
history (upgrades and downgrades included), a fortnight of contacts logged by every
customer manager, and the care tasks of the latest nights, made by the same batches
that run every night."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from kewei.care.models import Contact, ContactChannel, ContactOutcome, ContactPurpose
from kewei.care.services import care_run
from kewei.core.bulk import bulk_insert
from kewei.core.calendar import is_month_end, is_working_day
from kewei.core.progress import Progress
from kewei.customers.models import Customer
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.organisation.models import Staff
from kewei.organisation.roles import Role
from kewei.products.models import FeedDay
from kewei.tiers.models import TierRun
from kewei.tiers.services import potential_vips_flag, tiers_evaluate

TIER_MONTHS = 12  # month-ends of history evaluated
CARE_NIGHTS = 7  # nights of care tasks
CONTACT_DAYS = 14  # days of contacts logged
SUMMARIES = [
    "电话问候，客户近况良好。",
    "提醒定期存款即将到期，客户考虑续存。",
    "介绍新发行的稳健型理财产品，客户有意向。",
    "邀请客户参加本月财富沙龙。",
    "售后回访，客户对产品收益满意。",
    "上门拜访，了解家庭资产配置需求。",
    "客户咨询积分兑换礼品事宜。",
]


@register_seeder("tiers", order=35)
def seed_tiers(context: SeedContext, progress: Progress) -> dict[str, int]:
    """Tier every customer at each of the last month-ends and on the latest day, in
    order, as the nightly job would have."""
    days = list(FeedDay.objects.order_by("day").values_list("day", flat=True))
    if not days:
        return {"evaluations": 0}
    month_ends = [day for day in days if is_month_end(day)][-TIER_MONTHS:]
    evaluations = [*month_ends, days[-1]] if days[-1] not in month_ends else month_ends
    done = TierRun.objects.order_by("-day").values_list("day", flat=True).first()
    progress.start(len(evaluations), "客户分级")
    count = 0
    for day in evaluations:
        if done is None or day >= done:
            tiers_evaluate(day=day)
            count += 1
        progress.advance(1)
    for day in days[-CARE_NIGHTS:]:
        potential_vips_flag(day=day)
    return {"evaluations": count}


@register_seeder("care", order=60)
def seed_care(context: SeedContext, progress: Progress) -> dict[str, int]:
    rng = context.rng("care")
    days = list(FeedDay.objects.order_by("-day").values_list("day", flat=True)[:CARE_NIGHTS])
    days.reverse()
    contacts = 0
    if not Contact.objects.unrestricted().exists():
        contacts = _seed_contacts(rng)
    progress.start(len(days), "关怀任务")
    tasks = 0
    for day in days:
        tasks += care_run(day=day).total
        progress.advance(1)
    return {"contacts": contacts, "care_tasks": tasks}


def _seed_contacts(rng) -> int:
    """Each customer manager's contacts on the working days of the last fortnight,
    around the 5-20 targets (some days met, some not), with their own customers."""
    today = timezone.localdate()
    managers = list(
        Staff.objects.unrestricted()
        .filter(groups__name=Role.CUSTOMER_MANAGER, is_active=True)
        .order_by("pk")
    )
    rows = []
    for manager in managers:
        book = list(
            Customer.objects.unrestricted()
            .filter(responsible_manager=manager)
            .order_by("pk")
            .values_list("pk", flat=True)[:400]
        )
        if not book:
            continue
        for offset in range(CONTACT_DAYS, 0, -1):
            day = today - dt.timedelta(days=offset)
            if not is_working_day(day):
                continue
            plan = [ContactChannel.VISIT] * rng.randint(2, 7) + [
                ContactChannel.PHONE
            ] * rng.randint(12, 24)
            plan += [rng.choice([ContactChannel.SMS, ContactChannel.WECHAT])] * rng.randint(0, 4)
            for channel in plan:
                at = timezone.make_aware(
                    dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)))
                )
                rows.append(
                    (
                        rng.choice(book),
                        manager.pk,
                        channel,
                        rng.choice(ContactPurpose.values),
                        rng.choice(SUMMARIES),
                        rng.choice(
                            [ContactOutcome.REACHED] * 4
                            + [ContactOutcome.INTERESTED, ContactOutcome.NOT_REACHED]
                        ),
                        at,
                        day,
                        at,
                    )
                )
    bulk_insert(
        Contact,
        [
            "customer_id",
            "staff_id",
            "channel",
            "purpose",
            "summary",
            "outcome",
            "contacted_at",
            "contacted_on",
            "created_at",
        ],
        rows,
    )
    latest = Contact.objects.unrestricted().values("customer_id").annotate(last=Max("contacted_on"))
    # One statement per day of the fortnight, not per customer.
    by_day: dict[dt.date, list[int]] = {}
    for row in latest:
        by_day.setdefault(row["last"], []).append(row["customer_id"])
    for day, customer_ids in by_day.items():
        Customer.objects.unrestricted().filter(pk__in=customer_ids).update(last_contacted_on=day)
    return len(rows)
