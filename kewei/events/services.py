"""Writes of client events: the event, its guest list (from a saved search, set-based,
within the user's scope), invitations through the message templates (consent and caps
respected), replies and attendance, and the follow-up tasks after the event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import DateTimeField, Exists, OuterRef, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.customers.models import Customer, CustomerStatus
from kewei.events.actions import EventsAction
from kewei.events.models import ClientEvent, EventStatus, Guest, GuestStatus
from kewei.messaging.models import Message
from kewei.messaging.services import batch_preview, batch_send, search_customers


class EventError(ValidationError):
    """An event action its rules refuse; the message says why."""


@dataclass(frozen=True)
class EventData:
    name: str
    kind: str
    starts_at: dt.datetime
    place: str
    capacity: int
    budget: Decimal
    department: object
    invited_tiers: tuple[str, ...] = ()
    description: str = ""


@transaction.atomic
def event_create(*, actor, data: EventData) -> ClientEvent:
    event = ClientEvent(
        name=data.name,
        kind=data.kind,
        starts_at=data.starts_at,
        place=data.place,
        capacity=data.capacity,
        budget=data.budget,
        department=data.department,
        invited_tiers=list(data.invited_tiers),
        description=data.description,
        created_by=actor,
    )
    event.full_clean()
    event.save()
    audit_record(actor=actor, action=EventsAction.CREATE, subject=event, after={"name": data.name})
    event.ensure_still_visible()
    return event


def _open(event: ClientEvent) -> None:
    if event.status != EventStatus.PLANNED:
        raise EventError(_("活动已举办或已取消，不能再修改嘉宾名单。"), code="not_planned")


def _fresh_customers(event: ClientEvent, customers):
    """Active customers not on the list yet, of the invited tiers (when given)."""
    already = Guest.objects.unrestricted().filter(event=event, customer=OuterRef("pk"))
    customers = customers.filter(status=CustomerStatus.ACTIVE).exclude(Exists(already))
    if event.invited_tiers:
        customers = customers.filter(tier__in=event.invited_tiers)
    return customers


@transaction.atomic
def guests_add_from_search(*, actor, event: ClientEvent, params: dict) -> int:
    """Add every customer of a saved search (in the user's scope, of the invited tiers,
    not yet listed): one INSERT ... SELECT. Returns how many were added."""
    _open(event)
    now = timezone.now()
    chosen = (
        _fresh_customers(event, search_customers(params))
        .order_by()
        .annotate(
            g_event=Value(event.pk),
            g_status=Value(GuestStatus.LISTED),
            g_now=Value(now, output_field=DateTimeField()),
        )
        .values_list("g_event", "pk", "g_status", "g_now")
    )
    select, sql_params = chosen.query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Guest._meta.db_table)} "
            f"({', '.join(quote(c) for c in ('event_id', 'customer_id', 'status', 'added_at'))}) "
            f"{select}",
            sql_params,
        )
        added = cursor.rowcount
    audit_record(actor=actor, action=EventsAction.GUESTS_ADD, subject=event, after={"added": added})
    return added


@transaction.atomic
def guest_add(*, actor, event: ClientEvent, customer: Customer) -> Guest:
    _open(event)
    if event.invited_tiers and customer.tier not in event.invited_tiers:
        raise EventError(_("该客户不在本次活动邀请的等级内。"), code="tier")
    guest, _created = Guest.objects.get_or_create(event=event, customer=customer)
    audit_record(actor=actor, action=EventsAction.GUESTS_ADD, subject=event, after={"added": 1})
    return guest


@transaction.atomic
def guest_remove(*, actor, guest: Guest) -> None:
    _open(guest.event)
    if guest.status not in (GuestStatus.LISTED, GuestStatus.DECLINED):
        raise EventError(_("已邀请的嘉宾不能删除，请记录其回复。"), code="invited")
    event = guest.event
    guest.delete()
    audit_record(actor=actor, action=EventsAction.GUESTS_REMOVE, subject=event)


def _listed(event: ClientEvent):
    return Customer.objects.filter(
        event_invitations__event=event, event_invitations__status=GuestStatus.LISTED
    )


def invitation_preview(*, event: ClientEvent, template):
    """Who of the listed guests the invitation would reach, and who not and why."""
    return batch_preview(template=template, customers=_listed(event))


@transaction.atomic
def invitations_send(*, actor, event: ClientEvent, template) -> int:
    """Invite the listed guests through a message template: only those the rules of
    messaging allow (consent, monthly cap) are written to and become "invited"; the
    others stay listed, the preview says why."""
    _open(event)
    batch = batch_send(
        actor=actor,
        template=template,
        customers=_listed(event),
        name=_("活动邀请：%(event)s") % {"event": event.name},
        params={"event": event.pk},
    )
    reached = Message.objects.unrestricted().filter(batch=batch).values("customer_id")
    invited = (
        Guest.objects.unrestricted()
        .filter(event=event, status=GuestStatus.LISTED, customer_id__in=reached)
        .update(status=GuestStatus.INVITED, invited_at=timezone.now())
    )
    audit_record(actor=actor, action=EventsAction.INVITE, subject=event, after={"invited": invited})
    return invited


REPLIES = {GuestStatus.ACCEPTED, GuestStatus.DECLINED}


@transaction.atomic
def guest_reply(*, actor, guest: Guest, status: str) -> Guest:
    """A guest's reply: accepted or declined."""
    if status not in REPLIES:
        raise EventError(_("回复只能是接受或婉拒。"), code="reply")
    # The event's row first, as every reply to it takes it: replies recorded at the same
    # moment are counted one after the other, so none slips past the capacity.
    event = ClientEvent.objects.unrestricted().select_for_update().get(pk=guest.event_id)
    guest = Guest.objects.select_for_update().get(pk=guest.pk)
    _open(event)
    if status == GuestStatus.ACCEPTED and guest.status != GuestStatus.ACCEPTED:
        # Every guest counts, not only those the user may see.
        accepted = (
            Guest.objects.unrestricted()
            .filter(event=event, status=GuestStatus.ACCEPTED)
            .exclude(pk=guest.pk)
            .count()
        )
        if accepted >= event.capacity:
            raise EventError(
                _("接受人数已达活动人数上限（%(accepted)d/%(capacity)d），不能再接受。")
                % {"accepted": accepted, "capacity": event.capacity},
                code="full",
            )
    guest.status, guest.replied_at = status, timezone.now()
    guest.accepted = status == GuestStatus.ACCEPTED
    guest.save(update_fields=["status", "replied_at", "accepted"])
    audit_record(
        actor=actor, action=EventsAction.REPLY, subject=guest.customer, after={"status": status}
    )
    return guest


@transaction.atomic
def event_hold(
    *, actor, event: ClientEvent, attended: list[int], actual_cost: Decimal, follow_up_days: int = 3
) -> int:
    """After the event: record who came (customer ids; every other invited or
    accepted guest is absent) and the cost; each guest who came gets a follow-up task
    for their responsible staff. Returns the tasks made."""
    from kewei.care.services import tasks_after_event

    event = ClientEvent.objects.select_for_update().get(pk=event.pk)
    _open(event)
    if timezone.now() < event.starts_at:
        raise EventError(
            _("活动尚未开始（%(starts_at)s），不能记录出席。")
            % {"starts_at": timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")},
            code="not_started",
        )
    if actual_cost < 0:
        raise EventError({"actual_cost": _("费用不能为负。")}, code="cost")
    guests = Guest.objects.unrestricted().filter(event=event)
    listed = set(guests.values_list("customer_id", flat=True))
    unknown = set(attended) - listed
    if unknown:
        raise EventError(_("出席者须在嘉宾名单中。"), code="not_a_guest")
    now = timezone.now()
    guests.filter(customer_id__in=attended).update(status=GuestStatus.ATTENDED)
    guests.exclude(customer_id__in=attended).filter(
        status__in=[GuestStatus.INVITED, GuestStatus.ACCEPTED]
    ).update(status=GuestStatus.ABSENT)
    event.status, event.actual_cost = EventStatus.HELD, actual_cost
    event.save(update_fields=["status", "actual_cost"])
    day = timezone.localtime(event.starts_at).date()
    made = tasks_after_event(
        customer_ids=attended,
        title=_("活动后回访：%(event)s") % {"event": event.name},
        subject=f"event:{event.pk}",
        on=day,
        due_days=follow_up_days,
    )
    audit_record(
        actor=actor,
        action=EventsAction.HOLD,
        subject=event,
        after={"attended": len(attended), "cost": str(actual_cost), "tasks": made, "at": str(now)},
    )
    return made


@transaction.atomic
def event_cancel(*, actor, event: ClientEvent, reason: str) -> ClientEvent:
    _open(event)
    if not reason.strip():
        raise EventError({"reason": _("请说明取消原因。")}, code="reason")
    event.status = EventStatus.CANCELLED
    event.save(update_fields=["status"])
    audit_record(actor=actor, action=EventsAction.CANCEL, subject=event, note=reason)
    return event
