"""Reads of referrals: the best referrers, and a customer's referrals with their reward."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from kewei.customers.models import Customer, Referral
from kewei.organisation.models import Staff
from kewei.referrals.services import rewarded


def referrals_made(customer: Customer):
    return (
        Referral.objects.filter(referrer_customer=customer)
        .select_related("customer")
        .annotate(rewarded=rewarded())
        .order_by("-referred_on")
    )


def best_referrers(*, start: dt.date, end: dt.date, limit: int = 50):
    """Customers and staff who brought the most customers in ``[start, end]`` (in the
    user's scope), with how many of those met the reward condition: the list the
    managers thank."""
    referrals = Referral.objects.filter(referred_on__gte=start, referred_on__lte=end).annotate(
        rewarded=rewarded()
    )
    customers = (
        referrals.filter(referrer_customer__isnull=False)
        .values("referrer_customer")
        .annotate(brought=Count("pk"), qualified=Count("pk", filter=Q(rewarded=True)))
        .order_by("-brought", "-qualified", "referrer_customer")[:limit]
    )
    staff = (
        referrals.filter(referrer_staff__isnull=False)
        .values("referrer_staff")
        .annotate(brought=Count("pk"), qualified=Count("pk", filter=Q(rewarded=True)))
        .order_by("-brought", "-qualified", "referrer_staff")[:limit]
    )
    people = Customer.objects.in_bulk([row["referrer_customer"] for row in customers])
    colleagues = Staff.objects.unrestricted().in_bulk([row["referrer_staff"] for row in staff])
    return (
        [
            (people[row["referrer_customer"]], row["brought"], row["qualified"])
            for row in customers
            if row["referrer_customer"] in people
        ],
        [(colleagues[row["referrer_staff"]], row["brought"], row["qualified"]) for row in staff],
    )
