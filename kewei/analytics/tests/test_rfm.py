"""RFM: hand-computed cases, the incremental summary against a rebuild, and the
``lifetimes`` package's summary as the oracle, customer for customer."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pandas as pd
import pytest
from lifetimes.utils import summary_data_from_transaction_data

from kewei.analytics import services
from kewei.analytics.models import ActivitySummary, CustomerMeasure
from kewei.products.models import Holding, Product, Transaction
from kewei.testing.factories import customer, product, small_bank

pytestmark = pytest.mark.django_db
END = dt.date(2026, 10, 31)
_ids = itertools.count(1)


def _holding(person, code="D001", category="demand_deposit"):
    item = Product.objects.filter(code=code).first() or product(code, category)
    return Holding.objects.unrestricted().create(
        account_number=f"A{next(_ids):010d}",
        customer=person,
        product=item,
        opened_on=dt.date(2024, 1, 1),
        balance=0,
    )


def _tx(holding, day, fen, direction="in"):
    return Transaction.objects.unrestricted().create(
        transaction_id=f"T{next(_ids):010d}",
        holding=holding,
        customer_id=holding.customer_id,
        booked_on=day,
        amount=fen,
        direction=direction,
        channel="counter",
        counterparty_kind="cash",
        feed_day=day,
    )


def _measures(day=END):
    services.analytics_refresh(day=day)
    return {m.customer_id: m for m in CustomerMeasure.objects.unrestricted().filter(day=day)}


@pytest.fixture
def bank():
    return small_bank()


def test_hand_computed_cases(bank):
    one_day, several, nothing = bank.customer_a1, bank.customer_a1_free, bank.customer_b1
    a, b = _holding(one_day), _holding(several, "F001", "fund")
    # one active day with two transactions
    _tx(a, dt.date(2026, 10, 1), 10000)
    _tx(a, dt.date(2026, 10, 1), 5000, "out")
    # several transactions on the same day, and two more active days
    _tx(b, dt.date(2026, 9, 1), 10000)
    _tx(b, dt.date(2026, 9, 1), 20000)
    _tx(b, dt.date(2026, 9, 5), 30000)
    _tx(b, dt.date(2026, 9, 9), 10000)
    _tx(b, dt.date(2026, 9, 9), 5000, "out")
    measures = _measures()
    first = measures[one_day.pk]
    assert (first.frequency, first.recency, first.t, first.monetary) == (0, 0, 30, 0.0)
    second = measures[several.pk]
    assert (second.frequency, second.recency, second.t) == (2, 8, 60)
    assert second.monetary == pytest.approx((30000 + 15000) / 2)
    none = measures[nothing.pk]
    assert none.frequency is None and none.segment == "inactive"
    assert none.r_score is None


def test_transactions_after_the_day_are_left_out(bank):
    h = _holding(bank.customer_a1)
    _tx(h, dt.date(2026, 10, 1), 100)
    _tx(h, dt.date(2026, 11, 20), 100)
    assert _measures()[bank.customer_a1.pk].frequency == 0
    assert _measures(dt.date(2026, 11, 25))[bank.customer_a1.pk].frequency == 1


def _random_history(bank, rng, customers=60, days=400):
    people = [
        customer(department=bank.outlet_a1, name=f"客户{n}", mobile=f"1370000{n:04d}")
        for n in range(customers)
    ]
    holdings = [_holding(person) for person in people]
    start = END - dt.timedelta(days=days)
    for holding in holdings:
        for _ in range(rng.randint(0, 12)):
            day = start + dt.timedelta(days=rng.randint(0, days))
            _tx(holding, day, rng.randint(1, 5_000_000), rng.choice(["in", "out"]))
    return people


def _oracle(day):
    rows = Transaction.objects.unrestricted().filter(booked_on__lte=day)
    frame = pd.DataFrame(
        list(rows.values("customer_id", "booked_on", "amount")),
        columns=["customer_id", "booked_on", "amount"],
    )
    frame["booked_on"] = pd.to_datetime(frame["booked_on"])
    return summary_data_from_transaction_data(
        frame,
        "customer_id",
        "booked_on",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(day),
        freq="D",
    )


def _assert_matches_lifetimes(day):
    expected = _oracle(day)
    measured = {
        m.customer_id: m
        for m in CustomerMeasure.objects.unrestricted().filter(day=day, frequency__isnull=False)
    }
    assert set(measured) == set(int(pk) for pk in expected.index)
    for pk, row in expected.iterrows():
        mine = measured[int(pk)]
        assert (mine.frequency, mine.recency, mine.t) == (
            int(row.frequency),
            int(row.recency),
            int(row["T"]),
        ), pk
        assert mine.monetary == pytest.approx(row.monetary_value, rel=1e-9, abs=1e-6), pk


def test_the_summary_equals_lifetimes_customer_for_customer(bank):
    _random_history(bank, random.Random(20261126))
    assert Transaction.objects.count() > 200
    services.analytics_refresh(day=END)
    _assert_matches_lifetimes(END)
    # an earlier day is rebuilt from the transactions up to it
    earlier = END - dt.timedelta(days=120)
    services.analytics_refresh(day=earlier)
    _assert_matches_lifetimes(earlier)


def test_absorbing_in_steps_equals_a_rebuild(bank):
    rng = random.Random(7)
    people = _random_history(bank, rng, customers=20)
    services.activity_absorb()
    holdings = list(Holding.objects.unrestricted().filter(customer__in=people))
    # more days, including back-valued ones before a customer's first day and on days
    # that were active already
    for holding in holdings[:10]:
        known = list(
            Transaction.objects.filter(holding=holding).values_list("booked_on", flat=True)
        )
        _tx(holding, dt.date(2024, 1, 5), 777)
        if known:
            _tx(holding, known[0], 333)
    services.activity_absorb()
    assert services.activity_absorb().transactions == 0
    incremental = {
        s.customer_id: (s.first_active, s.first_value, s.last_active, s.active_days, s.total_value)
        for s in ActivitySummary.objects.unrestricted()
    }
    services.activity_rebuild([person.pk for person in people])
    rebuilt = {
        s.customer_id: (s.first_active, s.first_value, s.last_active, s.active_days, s.total_value)
        for s in ActivitySummary.objects.unrestricted()
    }
    assert incremental == rebuilt
    services.analytics_refresh(day=END)
    _assert_matches_lifetimes(END)


def test_running_a_day_again_gives_the_same_rows(bank):
    _random_history(bank, random.Random(3), customers=15)
    first = sorted(_measure_rows())
    services.analytics_refresh(day=END)
    assert sorted(_measure_rows()) == first


def _measure_rows():
    services.analytics_refresh(day=END)
    return list(
        CustomerMeasure.objects.unrestricted()
        .filter(day=END)
        .values_list("customer_id", "frequency", "recency", "t", "r_score", "segment")
    )
