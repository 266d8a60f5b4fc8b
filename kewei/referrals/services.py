"""Writes of referrals: the nightly reward (set-based), and the reward condition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import ibis
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Concat
from django.utils import timezone

from kewei.audit.services import audit_record
from kewei.core.money import fen
from kewei.customers.models import CustomerStatus, Referral
from kewei.engine.schemas import table as ibis_table
from kewei.products.models import BusinessEvent, EventKind
from kewei.products.selectors import assets_of_window
from kewei.products.services import business_events_insert
from kewei.referrals.actions import ReferralsAction
from kewei.referrals.models import RewardCondition

EVENT_PREFIX = "KW-REF-"


def rewarded() -> Exists:
    """For a referral queryset: whether its reward event exists."""
    return Exists(
        BusinessEvent.objects.unrestricted().filter(
            event_id=Concat(Value(EVENT_PREFIX), OuterRef("pk"), output_field=CharField())
        )
    )


def pending_referrals():
    """Referrals by a customer not yet rewarded, of an active referred customer."""
    return (
        Referral.objects.unrestricted()
        .filter(referrer_customer__isnull=False, customer__status=CustomerStatus.ACTIVE)
        .exclude(rewarded())
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
    rewarded once; the check and the events are one INSERT ... SELECT."""
    condition = RewardCondition.current()
    start = day - dt.timedelta(days=condition.hold_days - 1)
    pending = list(
        pending_referrals().filter(referred_on__lte=start).values_list("pk", "customer_id")
    )
    if not pending:
        return RewardResult(day=day, checked=0, rewarded=0)
    assets = assets_of_window(
        start,
        day + dt.timedelta(days=1),
        customer_ids=sorted({customer_id for _pk, customer_id in pending}),
    )
    held = assets.filter(assets.aum_average >= fen(condition.min_aum))
    referrals = ibis_table(Referral)
    referrals = referrals.filter(referrals.id.isin([pk for pk, _customer in pending]))
    met = referrals.join(held, referrals.customer_id == held.customer_id)
    rewarded_count = business_events_insert(
        events=met.select(
            event_id=ibis.literal(EVENT_PREFIX) + met.id.cast("string"),
            kind=ibis.literal(EventKind.REFERRAL_REWARD),
            customer_id=met.referrer_customer_id,
            occurred_on=ibis.literal(day),
            feed_day=ibis.literal(day),
        ),
    )
    if rewarded_count:
        audit_record(
            actor=None,
            action=ReferralsAction.REWARD,
            after={"day": day.isoformat(), "rewarded": rewarded_count},
        )
    return RewardResult(day=day, checked=len(pending), rewarded=rewarded_count)


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
        action=ReferralsAction.CONDITION,
        subject=condition,
        before=before,
        after={"min_aum": str(min_aum), "hold_days": hold_days},
    )
    return condition
