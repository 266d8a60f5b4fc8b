"""Referral rewards: the condition, paid exactly once through the points engine's event
rule, never to staff; and the best referrers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kewei.customers.services import referral_record
from kewei.points.models import PointsEntry
from kewei.points.services import RuleData, points_accrue, rule_create
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.products.models import BusinessEvent
from kewei.referrals.selectors import best_referrers
from kewei.referrals.services import referrals_reward
from kewei.testing.factories import customer, product, small_bank

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)
START = DAY - dt.timedelta(days=29)  # the 30 days of the condition


@pytest.fixture
def bank():
    bank = small_bank()
    product("D001", "demand_deposit")
    return bank


def hold(tmp_path, people_and_balances):
    """Balances held from the first day of the window to the day (two feed days)."""
    for day in (START, DAY):
        directory = tmp_path / day.isoformat()
        holdings = [
            (f"A-{p.pk}", p.customer_number, "D001", "2026-01-01", "", "", balance)
            for p, balance in people_and_balances
        ]
        write_day(directory, day, holdings=holdings, transactions=(), events=())
        result = load_day(day, directory)
        assert result.rejected == 0, result.rejects


def referred(bank, by, name, on=START - dt.timedelta(days=1), staff=None):
    person = customer(department=bank.outlet_a1, name=name)
    referral_record(
        actor=None,
        customer=person,
        referrer_customer=by,
        referrer_staff=staff,
        referred_on=on,
        channel="亲友介绍",
    )
    return person


def test_the_reward_needs_the_average_and_is_paid_once(bank, tmp_path):
    # given: two customers referred by 张三 hold 50,000.00 and 49,999.99 on average
    enough = referred(bank, bank.customer_a1, "钱多")
    short = referred(bank, bank.customer_a1, "差一分")
    hold(tmp_path, [(enough, "50000.00"), (short, "49999.99")])
    # when: the night of the day, twice, and the next night
    first = referrals_reward(day=DAY)
    again = referrals_reward(day=DAY)
    later = referrals_reward(day=DAY + dt.timedelta(days=1))
    # then: one reward, to the referrer, for the customer who met the condition
    events = list(BusinessEvent.objects.unrestricted().filter(kind="referral_reward"))
    assert (first.rewarded, again.rewarded, later.rewarded) == (1, 0, 0)
    assert [(e.customer_id, e.occurred_on) for e in events] == [(bank.customer_a1.pk, DAY)]
    assert events[0].event_id.startswith("KW-REF-")


def test_a_referral_younger_than_the_holding_period_waits(bank, tmp_path):
    recent = referred(bank, bank.customer_a1, "新客", on=DAY - dt.timedelta(days=5))
    hold(tmp_path, [(recent, "80000")])
    assert referrals_reward(day=DAY).rewarded == 0


def test_staff_referrers_earn_no_points(bank, tmp_path):
    person = referred(bank, None, "员工推荐", staff=bank.manager_a1)
    hold(tmp_path, [(person, "90000")])
    assert referrals_reward(day=DAY).rewarded == 0


def test_the_points_engine_pays_the_event_rule_once(bank, tmp_path):
    rule_create(
        actor=None,
        data=RuleData(
            code="EV-REF",
            name="推荐奖励",
            kind="event",
            points=Decimal("500"),
            effective_from=dt.date(2026, 1, 1),
            event_kind="referral_reward",
        ),
    )
    person = referred(bank, bank.customer_a1, "钱多")
    hold(tmp_path, [(person, "60000")])
    referrals_reward(day=DAY)
    points_accrue(day=DAY)
    referrals_reward(day=DAY)
    points_accrue(day=DAY)
    earned = list(
        PointsEntry.objects.unrestricted()
        .filter(customer=bank.customer_a1, rule__code="EV-REF")
        .values_list("points", flat=True)
    )
    assert earned == [500]


def test_the_best_referrers_in_the_users_scope(client, bank, tmp_path):
    one = referred(bank, bank.customer_a1, "甲")
    referred(bank, bank.customer_a1, "乙")
    referred(bank, bank.customer_a1_free, "丙")
    referred(bank, None, "丁", staff=bank.manager_a1)
    hold(tmp_path, [(one, "60000")])
    referrals_reward(day=DAY)
    customers, staff = best_referrers(start=dt.date(2026, 1, 1), end=DAY)
    assert [(c.pk, brought, qualified) for c, brought, qualified in customers] == [
        (bank.customer_a1.pk, 2, 1),
        (bank.customer_a1_free.pk, 1, 0),
    ]
    assert [(s.pk, brought) for s, brought, _q in staff] == [(bank.manager_a1.pk, 1)]
    client.force_login(bank.supervisor_a1)
    page = client.get(
        reverse("referrals:best_referrers"), {"start": "2026-01-01", "end": "2026-11-30"}
    )
    assert page.status_code == 200 and "张三" in page.content.decode()
