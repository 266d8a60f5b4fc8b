"""Client events: the guest list from a saved search within the user's scope,
invitations that respect consent and the monthly cap, replies within capacity,
attendance with follow-up tasks, and what the event brought."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kewei.care.models import Task, TaskReason
from kewei.core.scope import scope_activated
from kewei.customers.models import Customer, SavedSearch
from kewei.customers.services import consent_record
from kewei.events.models import ClientEvent, Guest, GuestStatus
from kewei.events.selectors import figures
from kewei.events.services import (
    EventData,
    EventError,
    event_create,
    event_hold,
    guest_reply,
    guests_add_from_search,
    invitation_preview,
    invitations_send,
)
from kewei.messaging.models import Message, MessageTemplate
from kewei.messaging.services import message_send
from kewei.organisation.selectors import data_scope_for
from kewei.products.models import Holding
from kewei.testing.factories import customer, product, small_bank

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def bank():
    return small_bank()


# An event that has taken place, and one still to come (today is 2026-12 or later).
HELD_ON = dt.datetime(2026, 11, 12, 14, 0, tzinfo=SHANGHAI)
COMING_ON = dt.datetime(2099, 12, 12, 14, 0, tzinfo=SHANGHAI)


def salon(bank, capacity=15, tiers=(), starts_at=HELD_ON):
    return event_create(
        actor=bank.head_a1,
        data=EventData(
            name="十一月财富沙龙",
            kind="salon",
            starts_at=starts_at,
            place="中关村网点贵宾室",
            capacity=capacity,
            budget=Decimal("3000"),
            department=bank.outlet_a1,
            invited_tiers=tuple(tiers),
        ),
    )


def everyone(bank):
    return SavedSearch.objects.create(
        name="全部客户", owner=bank.head_a1, department=bank.outlet_a1, params={}
    )


def test_the_guest_list_from_a_saved_search_stays_in_scope_and_tiers(bank):
    # given: a VIP in outlet A1, a customer without tier in A1, a VIP in B1
    Customer.objects.unrestricted().filter(
        pk__in=[bank.customer_a1.pk, bank.customer_b1.pk]
    ).update(tier="vip")
    event = salon(bank, tiers=["vip", "major"])
    # when: the outlet head adds the saved search of all customers, twice
    with scope_activated(data_scope_for(bank.head_a1)):
        added = guests_add_from_search(
            actor=bank.head_a1, event=event, params=everyone(bank).params
        )
        again = guests_add_from_search(actor=bank.head_a1, event=event, params={})
    # then: only the VIP of their outlet, once
    assert (added, again) == (1, 0)
    assert list(Guest.objects.unrestricted().values_list("customer_id", flat=True)) == [
        bank.customer_a1.pk
    ]


def test_invitations_respect_consent_and_the_monthly_cap(bank, settings):
    # given: three guests; one consents, one consents but had this month's marketing,
    # one never consented
    settings.KEWEI_MARKETING_MONTHLY_CAP = 1
    capped = customer(department=bank.outlet_a1, name="赵六", manager=bank.manager_a1)
    for person in (bank.customer_a1, capped):
        consent_record(actor=None, customer=person, channel="sms", granted=True)
    message_send(
        actor=None, customer=capped, template=MessageTemplate.objects.get(code="SMS_MARKETING")
    )
    event = salon(bank)
    with scope_activated(data_scope_for(bank.head_a1)):
        guests_add_from_search(actor=bank.head_a1, event=event, params={})
    template = MessageTemplate.objects.get(code="SMS_INVITATION")
    # when
    preview = invitation_preview(event=event, template=template)
    invited = invitations_send(actor=bank.head_a1, event=event, template=template)
    # then
    assert (preview.total, preview.sendable) == (3, 1)
    assert invited == 1
    statuses = dict(Guest.objects.unrestricted().values_list("customer_id", "status"))
    assert statuses == {
        bank.customer_a1.pk: GuestStatus.INVITED,
        capped.pk: GuestStatus.LISTED,
        bank.customer_a1_free.pk: GuestStatus.LISTED,
    }
    sent = Message.objects.unrestricted().filter(batch__isnull=False)
    assert [m.customer_id for m in sent] == [bank.customer_a1.pk]


def test_acceptances_stop_at_capacity(bank):
    event = salon(bank, capacity=1)
    first = Guest.objects.create(event=event, customer=bank.customer_a1)
    second = Guest.objects.create(event=event, customer=bank.customer_a1_free)
    guest_reply(actor=bank.head_a1, guest=first, status="accepted")
    with pytest.raises(EventError) as full:
        guest_reply(actor=bank.head_a1, guest=second, status="accepted")
    assert full.value.code == "full"
    guest_reply(actor=bank.head_a1, guest=second, status="declined")
    assert Guest.objects.get(pk=second.pk).accepted is False


def test_after_the_event_attendance_makes_follow_up_tasks_and_figures(bank):
    # given: two accepted guests; one comes and buys a wealth product two weeks later
    event = salon(bank)
    came = Guest.objects.create(
        event=event, customer=bank.customer_a1, status="accepted", accepted=True
    )
    away = Guest.objects.create(
        event=event, customer=bank.customer_a1_free, status="accepted", accepted=True
    )
    wealth = product("WM01", "wealth")
    Holding.objects.create(
        customer=bank.customer_a1,
        product=wealth,
        account_number="W-1",
        opened_on=dt.date(2026, 11, 26),
        balance=10_000_000,
    )
    Holding.objects.create(
        customer=bank.customer_a1,
        product=wealth,
        account_number="W-0",
        opened_on=dt.date(2026, 11, 1),  # before the event: not counted
        balance=10_000_000,
    )
    # when
    made = event_hold(
        actor=bank.head_a1, event=event, attended=[came.customer_id], actual_cost=Decimal("2400")
    )
    # then
    assert made == 1
    (task,) = Task.objects.unrestricted().filter(reason=TaskReason.EVENT)
    assert (task.customer_id, task.assignee_id) == (bank.customer_a1.pk, bank.manager_a1.pk)
    assert task.due_on >= dt.date(2026, 11, 12)
    statuses = dict(Guest.objects.unrestricted().values_list("pk", "status"))
    assert statuses == {came.pk: GuestStatus.ATTENDED, away.pk: GuestStatus.ABSENT}
    result = figures(ClientEvent.objects.get(pk=event.pk))
    assert (result.accepted, result.attended, result.cost_per_attendee) == (
        2,
        1,
        Decimal("2400.00"),
    )
    assert (result.new_products, result.buyers) == (1, 1)
    # and: the event is closed for changes
    with pytest.raises(EventError):
        event_hold(actor=bank.head_a1, event=event, attended=[], actual_cost=Decimal("0"))


def test_the_event_page_shows_the_guests_and_the_preview(client, bank):
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    event = salon(bank)
    Guest.objects.create(event=event, customer=bank.customer_a1)
    client.force_login(bank.head_a1)
    template = MessageTemplate.objects.get(code="SMS_INVITATION")
    page = client.get(reverse("events:event_detail", args=[event.pk]), {"template": template.pk})
    assert page.status_code == 200
    assert page.context["preview"].sendable == 1
    assert "张三" in page.content.decode()
