"""Writes of referrals: the nightly reward (set-based), and the reward condition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Concat
from django.utils import timezone

from kewei.audit.services import audit_record
from kewei.customers.models import CustomerStatus, Referral
from kewei.engine import runner
from kewei.products.models import BusinessEvent, EventKind
from kewei.products.selectors import assets_of_window
from kewei.referrals.models import RewardCondition

EVENT_PREFIX = "KW-REF-"


def event_id(referral_id: int) -> str:
    return f"{EVENT_PREFIX}{referral_id}"


def pending_referrals():
    """Referrals by a customer not yet rewarded, of an active referred customer."""
    rewarded = BusinessEvent.objects.unrestricted().filter(
        event_id=Concat(Value(EVENT_PREFIX), OuterRef("pk"), output_field=CharField())
    )
    return (
        Referral.objects.unrestricted()
        .filter(referrer_customer__isnull=False, customer__status=CustomerStatus.ACTIVE)
        .exclude(Exists(rewarded))
    )


@dataclass
class RewardResult:
    day: dt.date
    checked: int
    rewarded: int


@transaction.atomic
def referrals_reward(*, day: dt.date) -> RewardResult:
    """Reward the referrers whose referred customers met the condition by ``day``: an
    event ``referral_reward`` for the referrer on ``day`` (id ``KW-REF-<referral>``),
    which the day's points accrual turns into the event rule's points. A referral is
    rewarded once; the check is one query over the pending referrals."""
    condition = RewardCondition.current()
    start = day - dt.timedelta(days=condition.hold_days - 1)
    pending = list(
        pending_referrals()
        .filter(referred_on__lte=start)
        .values_list("pk", "customer_id", "referrer_customer_id")
    )
    if not pending:
        return RewardResult(day=day, checked=0, rewarded=0)
    assets = assets_of_window(
        start,
        day + dt.timedelta(days=1),
        customer_ids=sorted({customer_id for _pk, customer_id, _referrer in pending}),
    )
    threshold = int(Decimal(condition.min_aum) * 100)
    qualified = {
        customer_id
        for customer_id, average in runner.fetch_all(
            assets.filter(assets.aum_average >= threshold).select("customer_id", "aum_average")
        )
    }
    rows = [
        BusinessEvent(
            event_id=event_id(pk),
            kind=EventKind.REFERRAL_REWARD,
            customer_id=referrer,
            occurred_on=day,
            feed_day=day,
        )
        for pk, customer_id, referrer in pending
        if customer_id in qualified
    ]
    BusinessEvent.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(
            actor=None,
            action="referrals.reward",
            after={"day": day.isoformat(), "rewarded": len(rows)},
        )
    return RewardResult(day=day, checked=len(pending), rewarded=len(rows))


@transaction.atomic
def condition_set(*, actor, min_aum: Decimal, hold_days: int) -> RewardCondition:
    condition = RewardCondition.current()
    before = {"min_aum": str(condition.min_aum), "hold_days": condition.hold_days}
    condition.min_aum, condition.hold_days = min_aum, hold_days
    condition.updated_at = timezone.now()
    condition.full_clean()
    condition.save()
    audit_record(
        actor=actor,
        action="referrals.condition",
        subject=condition,
        before=before,
        after={"min_aum": str(min_aum), "hold_days": hold_days},
    )
    return condition
