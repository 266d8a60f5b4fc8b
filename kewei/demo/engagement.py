"""The demo bank's complaints, client events and referrals, made through the services
staff use: a few dozen complaints in every state (some late and escalated), a salon
held last month with its attendance and a seminar being planned, and referrals, some
already rewarded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kewei.complaints.models import Complaint
from kewei.complaints.services import (
    ComplaintData,
    complaint_act,
    complaint_record,
    complaints_escalate,
)
from kewei.core.progress import Progress
from kewei.customers.models import Customer, Referral
from kewei.customers.services import referral_record
from kewei.demo.points import ACCRUE_DAYS
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.events.models import ClientEvent, Guest
from kewei.events.services import (
    EventData,
    event_create,
    event_hold,
    guest_add,
    guest_reply,
    invitations_send,
)
from kewei.messaging.models import MessageTemplate
from kewei.organisation.models import Department, Staff
from kewei.organisation.roles import Role
from kewei.products.models import FeedDay
from kewei.referrals.services import referrals_reward

COMPLAINTS = 40
DESCRIPTIONS = {
    "service": "柜员办理业务时态度冷淡，解释不耐心。",
    "fees": "账户管理费扣收前未收到通知。",
    "product": "理财产品到期收益低于宣传的业绩比较基准。",
    "system": "手机银行转账多次提示系统繁忙。",
    "waiting": "周一上午排队等候超过一小时。",
    "other": "网点停车不便。",
}


@register_seeder("engagement", order=70)
def seed_engagement(context: SeedContext, progress: Progress) -> dict[str, int]:
    if Complaint.objects.unrestricted().exists() or ClientEvent.objects.exists():
        return {"complaints": 0, "events": 0}
    rng = context.rng("engagement")
    outlets = list(Department.objects.unrestricted().filter(level=4).order_by("code"))
    customers = list(
        Customer.objects.unrestricted()
        .filter(status="active", department__in=outlets)
        .order_by("pk")
        .select_related("department")[:2000]
    )
    if not customers:
        return {"complaints": 0, "events": 0}
    progress.start(COMPLAINTS + 3, "投诉、活动与推荐")
    now = timezone.now()
    for _number in range(COMPLAINTS):
        person = rng.choice(customers)
        category = rng.choice(list(DESCRIPTIONS))
        received = now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8))
        complaint = complaint_record(
            actor=None,
            data=ComplaintData(
                channel=rng.choice(["counter", "hotline", "online", "letter"]),
                category=category,
                severity=rng.choice(["normal"] * 6 + ["serious"] * 3 + ["major"]),
                description=DESCRIPTIONS[category],
                department=person.department,
                customer=person,
            ),
            now=received,
        )
        _walk(complaint, rng, received)
        progress.advance(1)
    complaints_escalate(now=now)
    events = _seed_events(rng, outlets, now)
    progress.advance(3)
    return {"complaints": COMPLAINTS, "events": events}


@register_seeder("referrals", order=38)
def seed_referrals(context: SeedContext, progress: Progress) -> dict[str, int]:
    """Referrals, and their rewards checked on the first day the points seeder accrues
    (so the demo's points include them), as the nightly step would have."""
    if Referral.objects.unrestricted().exists():
        return {"referrals": 0, "rewarded": 0}
    rng = context.rng("referrals")
    customers = list(Customer.objects.unrestricted().filter(status="active").order_by("pk")[:400])
    days = list(FeedDay.objects.order_by("-day").values_list("day", flat=True)[:ACCRUE_DAYS])
    if len(customers) < 100 or not days:
        return {"referrals": 0, "rewarded": 0}
    made = _seed_referrals(rng, customers)
    rewarded = referrals_reward(day=min(days)).rewarded
    return {"referrals": made, "rewarded": rewarded}


def _walk(complaint: Complaint, rng, received: dt.datetime) -> None:
    """Take a complaint some way through its workflow, as its owner would have."""
    owner = complaint.owner
    steps = rng.choice([0, 1, 2, 4, 4, 4])
    at = received
    flow = [
        ("respond", {"told_customer": "已致歉并说明处理流程，承诺尽快答复。"}),
        ("resolve", {"resolution": "已核实情况并整改，向客户说明结果。"}),
        ("check", {"satisfaction": rng.choice(["satisfied", "satisfied", "neutral"])}),
        ("close", {}),
    ]
    for action, fields in flow[:steps]:
        at += dt.timedelta(hours=rng.randint(2, 30))
        if at > timezone.now() or owner is None:
            return
        complaint_act(actor=owner, complaint=complaint, action=action, now=at, **fields)


def _seed_events(rng, outlets, now) -> int:
    outlet = outlets[0]
    head = (
        Staff.objects.unrestricted()
        .filter(department=outlet, groups__name=Role.OUTLET_HEAD)
        .first()
    )
    held = event_create(
        actor=head,
        data=EventData(
            name="十一月财富沙龙：稳健理财配置",
            kind="salon",
            starts_at=now - dt.timedelta(days=20),
            place=f"{outlet.name}贵宾室",
            capacity=15,
            budget=Decimal("3000"),
            department=outlet,
            invited_tiers=("vip", "major"),
        ),
    )
    planned = event_create(
        actor=head,
        data=EventData(
            name="年度投资策略讲座",
            kind="seminar",
            starts_at=now + dt.timedelta(days=18),
            place="北京分行多功能厅",
            capacity=100,
            budget=Decimal("20000"),
            department=outlet,
        ),
    )
    vips = list(
        Customer.objects.unrestricted()
        .filter(department=outlet, tier__in=["vip", "major"], status="active")
        .order_by("-aum_wan")[:15]
    )
    for person in vips:
        guest_add(actor=head, event=held, customer=person)
    invitations_send(
        actor=head, event=held, template=MessageTemplate.objects.get(code="SMS_INVITATION")
    )
    guests = list(Guest.objects.unrestricted().filter(event=held, status="invited").order_by("pk"))
    for guest in guests[:12]:
        guest_reply(actor=head, guest=guest, status="accepted")
    came = [guest.customer_id for guest in guests[:10]]
    event_hold(actor=head, event=held, attended=came, actual_cost=Decimal("2680"))
    others = Customer.objects.unrestricted().filter(department=outlet, status="active")
    for person in others.order_by("-aum_wan")[15:45]:
        guest_add(actor=head, event=planned, customer=person)
    return 2


def _seed_referrals(rng, customers) -> int:
    made = 0
    today = timezone.localdate()
    referrers = customers[:50]
    for person in customers[100:160]:
        if Referral.objects.unrestricted().filter(customer=person).exists():
            continue
        referral_record(
            actor=None,
            customer=person,
            referrer_customer=rng.choice(referrers),
            referred_on=today - dt.timedelta(days=rng.randint(40, 400)),
            channel=rng.choice(["亲友介绍", "同事介绍", "社区活动"]),
        )
        made += 1
    return made
