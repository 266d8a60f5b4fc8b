"""An event's capacity counts every accepted guest (not only those the user may see)
and the page shows it; attendance is recorded only once the event has begun."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from kewei.core.scope import scope_activated
from kewei.events.models import ClientEvent, EventStatus, Guest, GuestStatus
from kewei.events.services import EventData, EventError, event_create, event_hold, guest_reply
from kewei.organisation.selectors import data_scope_for
from kewei.testing.factories import customer, small_bank

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PAST = dt.datetime(2026, 11, 12, 14, 0, tzinfo=SHANGHAI)
FUTURE = dt.datetime(2099, 12, 12, 14, 0, tzinfo=SHANGHAI)


def _event(bank, *, capacity=15, starts_at=PAST):
    return event_create(
        actor=bank.head_a1,
        data=EventData(
            name="财富沙龙",
            kind="salon",
            starts_at=starts_at,
            place="贵宾室",
            capacity=capacity,
            budget=Decimal("3000"),
            department=bank.outlet_a1,
        ),
    )


def test_the_capacity_counts_guests_the_user_cannot_see(bank):
    # given: an event of outlet A1 of capacity 1, whose one seat went to a guest of
    # outlet A2 (listed by the branch)
    event = _event(bank, capacity=1, starts_at=FUTURE)
    other = customer(department=bank.outlet_a2, name="赵六")
    Guest.objects.create(event=event, customer=other, status="accepted", accepted=True)
    guest = Guest.objects.create(event=event, customer=bank.customer_a1, status="invited")
    # when: the head of outlet A1, who sees the event but none of A2's customers,
    # records an acceptance
    with pytest.raises(EventError) as full, scope_activated(data_scope_for(bank.head_a1)):
        assert ClientEvent.objects.filter(pk=event.pk).exists()
        assert not Guest.objects.filter(customer=other).exists()
        guest_reply(actor=bank.head_a1, guest=guest, status="accepted")
    # then
    assert full.value.code == "full"
    assert full.value.messages == ["接受人数已达活动人数上限（1/1），不能再接受。"]
    assert Guest.objects.unrestricted().get(pk=guest.pk).status == GuestStatus.INVITED


def test_an_accepted_guest_may_be_recorded_as_accepted_again_at_capacity(bank):
    event = _event(bank, capacity=1, starts_at=FUTURE)
    guest = Guest.objects.create(event=event, customer=bank.customer_a1)
    guest_reply(actor=bank.head_a1, guest=guest, status="accepted")
    again = guest_reply(actor=bank.head_a1, guest=guest, status="accepted")
    assert again.status == GuestStatus.ACCEPTED


def test_the_event_page_shows_accepted_against_capacity_and_warns_when_full(client, bank):
    # given
    event = _event(bank, capacity=1, starts_at=FUTURE)
    Guest.objects.create(event=event, customer=bank.customer_a1, status="accepted", accepted=True)
    Guest.objects.create(event=event, customer=bank.customer_a1_free, status="invited")
    client.force_login(bank.head_a1)
    url = reverse("events:event_detail", args=[event.pk])
    # when
    html = client.get(url).content.decode()
    # then
    assert '<dd id="capacity">1 / 1 <span class="tag warn">已满</span></dd>' in html
    assert "接受人数已达人数上限（1/1），不能再接受新的嘉宾。" in html
    # when: one more is accepted from the page
    second = Guest.objects.get(customer=bank.customer_a1_free)
    answer = client.post(
        reverse("events:guest_reply", args=[second.pk]), {"status": "accepted"}, follow=True
    )
    # then: refused, and the page says why
    assert "接受人数已达活动人数上限（1/1），不能再接受。" in answer.content.decode()
    assert Guest.objects.get(pk=second.pk).status == GuestStatus.INVITED


def test_attendance_before_the_event_is_refused(bank):
    # given: an event still to come, with an accepted guest
    event = _event(bank, starts_at=FUTURE)
    guest = Guest.objects.create(
        event=event, customer=bank.customer_a1, status="accepted", accepted=True
    )
    # when
    with pytest.raises(EventError) as early:
        event_hold(
            actor=bank.head_a1,
            event=event,
            attended=[bank.customer_a1.pk],
            actual_cost=Decimal("100"),
        )
    # then: nothing changed
    assert early.value.code == "not_started"
    assert early.value.messages == ["活动尚未开始（2099-12-12 14:00），不能记录出席。"]
    event.refresh_from_db()
    assert (event.status, event.actual_cost) == (EventStatus.PLANNED, None)
    assert Guest.objects.get(pk=guest.pk).status == GuestStatus.ACCEPTED


def test_the_event_page_says_attendance_waits_for_the_event(client, bank):
    coming = _event(bank, starts_at=FUTURE)
    held = _event(bank, starts_at=PAST)
    client.force_login(bank.head_a1)
    before = client.get(reverse("events:event_detail", args=[coming.pk])).content.decode()
    after = client.get(reverse("events:event_detail", args=[held.pk])).content.decode()
    assert "活动于 2099-12-12 14:00 开始，开始后才能记录出席。" in before
    assert 'form="hold" class="primary" disabled' in before
    assert "开始后才能记录出席" not in after
    assert 'form="hold" class="primary">' in after


def test_attendance_after_the_start_is_recorded(bank):
    event = _event(bank, starts_at=PAST)
    Guest.objects.create(event=event, customer=bank.customer_a1, status="accepted", accepted=True)
    made = event_hold(
        actor=bank.head_a1, event=event, attended=[bank.customer_a1.pk], actual_cost=Decimal("0")
    )
    assert made == 1
    assert ClientEvent.objects.get(pk=event.pk).status == EventStatus.HELD


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_acceptances_at_the_same_moment_stop_at_capacity():
    # given: an event of capacity 2 and eight invited guests (PostgreSQL: SQLite
    # serialises every write and would prove nothing)
    bank = small_bank()
    event = _event(bank, capacity=2, starts_at=FUTURE)
    guests = [
        Guest.objects.create(
            event=event, customer=customer(department=bank.outlet_a1, name=f"客{n}")
        )
        for n in range(8)
    ]
    start = threading.Barrier(len(guests))

    def accept(guest):
        try:
            start.wait()
            guest_reply(actor=bank.head_a1, guest=guest, status="accepted")
            return "accepted"
        except EventError as error:
            return error.code
        finally:
            connection.close()

    # when: all reply at once
    with ThreadPoolExecutor(max_workers=len(guests)) as pool:
        answers = list(pool.map(accept, guests))
    # then: two accepted, six refused as full
    assert sorted(answers) == ["accepted"] * 2 + ["full"] * 6
    accepted = Guest.objects.unrestricted().filter(event=event, status=GuestStatus.ACCEPTED)
    assert accepted.count() == 2
