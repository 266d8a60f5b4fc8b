"""Redemptions arriving at the same moment on PostgreSQL (SQLite ignores row locks):
they never overdraw the points, the stock, or redeem a key twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kewei.points import selectors
from kewei.points.models import Gift, Redemption, StockKind
from kewei.points.redemptions import (
    GiftData,
    RedemptionError,
    gift_create,
    gift_stock_move,
    points_redeem,
)
from kewei.points.services import points_verify
from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn
from kewei.testing.factories import customer, small_bank

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(count, attempt):
    """Run ``attempt(i)`` in ``count`` threads released together; outcomes by index."""
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            return attempt(index)
        except RedemptionError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _gift(stock, price):
    item = gift_create(actor=None, data=GiftData(code="G", name="保温杯", points_price=price))
    gift_stock_move(actor=None, gift=item, kind=StockKind.RECEIPT, quantity=stock, reason="")
    return item


def test_fifty_redemptions_against_points_for_ten():
    bank = small_bank()
    earn(bank.customer_a1, 400, NEXT_YEAR_END, "e")
    item = _gift(stock=100, price=40)

    def attempt(index):
        points_redeem(
            actor=bank.head_a1,
            customer=bank.customer_a1,
            gift=item,
            quantity=1,
            outlet=bank.outlet_a1,
            idempotency_key=f"k{index}",
        )
        return "ok"

    outcomes = _race(50, attempt)
    assert outcomes.count("ok") == 10
    assert outcomes.count("insufficient_points") == 40
    assert selectors.points_balance(bank.customer_a1) == 0
    assert Gift.objects.get(pk=item.pk).stock == 90
    assert points_verify() == []


def test_twenty_redemptions_against_a_stock_of_three():
    bank = small_bank()
    people = [
        customer(department=bank.outlet_a1, name=f"客户{n}", mobile=f"1390000{n:04d}")
        for n in range(20)
    ]
    for person in people:
        earn(person, 100, NEXT_YEAR_END, f"e{person.pk}")
    item = _gift(stock=3, price=40)

    def attempt(index):
        points_redeem(
            actor=bank.head_a1,
            customer=people[index],
            gift=item,
            quantity=1,
            outlet=bank.outlet_a1,
            idempotency_key=f"k{index}",
        )
        return "ok"

    outcomes = _race(20, attempt)
    assert outcomes.count("ok") == 3 and outcomes.count("stock") == 17
    assert Gift.objects.get(pk=item.pk).stock == 0
    assert Redemption.objects.count() == 3
    assert points_verify() == []


def test_the_same_key_at_the_same_moment_redeems_once():
    bank = small_bank()
    earn(bank.customer_a1, 400, NEXT_YEAR_END, "e")
    item = _gift(stock=10, price=40)

    def attempt(index):
        return points_redeem(
            actor=bank.head_a1,
            customer=bank.customer_a1,
            gift=item,
            quantity=1,
            outlet=bank.outlet_a1,
            idempotency_key="double-click",
        ).pk

    outcomes = _race(8, attempt)
    assert len(set(outcomes)) == 1
    assert Redemption.objects.count() == 1
    assert selectors.points_balance(bank.customer_a1) == 360
