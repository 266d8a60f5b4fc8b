"""Reads of the points ledger and its rules (积分查询)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from kewei.points.models import (
    EarningRule,
    EntryKind,
    PointsAccount,
    PointsEntry,
    PointsLot,
    PointsPolicy,
)


def rules_in_force(day: dt.date) -> QuerySet[EarningRule]:
    return (
        EarningRule.objects.filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))
        .prefetch_related("excluded_products")
        .order_by("id")
    )


def policy_for(day: dt.date) -> PointsPolicy:
    """The points settings in force on ``day`` (the defaults before any is recorded)."""
    policy = PointsPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from")
    return policy.first() or PointsPolicy(effective_from=dt.date.min)


def expiry_for(day: dt.date, policy: PointsPolicy) -> dt.date:
    """When points earned on ``day`` expire: 31 December, ``expiry_years`` later."""
    return dt.date(day.year + policy.expiry_years, 12, 31)


def points_balance(customer) -> int:
    account = PointsAccount.objects.filter(customer=customer).first()
    return account.balance if account else 0


@dataclass(frozen=True)
class Expiring:
    expires_on: dt.date
    points: int


def points_expiring(customer, *, on: dt.date, within_days: int = 60) -> list[Expiring]:
    """The customer's points that expire within ``within_days`` after ``on``, by date."""
    lots = PointsLot.objects.filter(
        customer=customer,
        remaining__gt=0,
        expires_on__gte=on,
        expires_on__lte=on + dt.timedelta(days=within_days),
    ).order_by("expires_on")
    return [Expiring(lot.expires_on, lot.remaining) for lot in lots]


def customers_with_points_expiring(*, on: dt.date, within_days: int = 60):
    """Customers (ids) with points expiring within ``within_days`` after ``on``, and how
    many: what the care reminders turn into tasks."""
    return (
        PointsLot.objects.filter(
            remaining__gt=0,
            expires_on__gte=on,
            expires_on__lte=on + dt.timedelta(days=within_days),
        )
        .values("customer_id")
        .annotate(points=Sum("remaining"))
        .order_by("customer_id")
    )


def points_statement(
    customer,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "",
) -> QuerySet[PointsEntry]:
    """The customer's points flow (积分流水), latest first, each with its redemption (if
    any) for :attr:`PointsEntry.document_number`."""
    entries = PointsEntry.objects.filter(customer=customer)
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end:
        entries = entries.filter(occurred_on__lte=end)
    if kind in EntryKind.values:
        entries = entries.filter(kind=kind)
    return entries.select_related("rule", "actor", "redemption").order_by("-occurred_on", "-id")


def redemption_outlets(actor) -> QuerySet:
    """The outlets where ``actor`` may hand out gifts: the active outlets (网点) of their
    own department's subtree, whatever part of the organisation their data scope shows
    (counter staff see no departments at all)."""
    from kewei.organisation.models import Department, DepartmentLevel

    return Department.objects.unrestricted().filter(
        level=DepartmentLevel.OUTLET,
        is_active=True,
        path__startswith=actor.department.path,
    )
