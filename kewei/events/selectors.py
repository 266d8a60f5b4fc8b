"""Reads of client events: the list, the guests, and what an event achieved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from kewei.core.money import CENT
from kewei.events.models import ClientEvent, Guest, GuestStatus
from kewei.products.models import Holding

AFTER_DAYS = 30


@dataclass(frozen=True)
class EventFigures:
    listed: int
    invited: int
    accepted: int
    declined: int
    attended: int
    cost_per_attendee: Decimal | None
    new_products: int
    buyers: int


def figures(event: ClientEvent) -> EventFigures:
    """Invited, accepted, attended; cost per attendee; the products the attendees
    opened within 30 days of the event (and how many of them bought)."""
    counts = (
        Guest.objects.unrestricted()
        .filter(event=event)
        .aggregate(
            n_listed=Count("pk"),
            n_invited=Count("pk", filter=Q(invited_at__isnull=False)),
            n_accepted=Count("pk", filter=Q(accepted=True)),
            n_declined=Count("pk", filter=Q(accepted=False)),
            n_attended=Count("pk", filter=Q(status=GuestStatus.ATTENDED)),
        )
    )
    counts = {name.removeprefix("n_"): value for name, value in counts.items()}
    cost = event.actual_cost if event.actual_cost is not None else event.budget
    per_head = (cost / counts["attended"]).quantize(CENT) if counts["attended"] else None
    day = timezone.localtime(event.starts_at).date()
    bought = (
        Holding.objects.unrestricted()
        .filter(
            customer__event_invitations__event=event,
            customer__event_invitations__status=GuestStatus.ATTENDED,
            opened_on__gte=day,
            opened_on__lte=day + dt.timedelta(days=AFTER_DAYS),
        )
        .aggregate(products=Count("pk", distinct=True), buyers=Count("customer", distinct=True))
    )
    return EventFigures(
        listed=counts["listed"],
        invited=counts["invited"],
        accepted=counts["accepted"],
        declined=counts["declined"],
        attended=counts["attended"],
        cost_per_attendee=per_head,
        new_products=bought["products"],
        buyers=bought["buyers"],
    )


def guests_of(event: ClientEvent):
    return (
        Guest.objects.filter(event=event)
        .select_related("customer", "customer__assets", "customer__responsible_manager")
        .order_by("status", "-customer__aum_wan", "pk")
    )


def events_of(customer):
    return (
        Guest.objects.filter(customer=customer)
        .select_related("event")
        .order_by("-event__starts_at")
    )
