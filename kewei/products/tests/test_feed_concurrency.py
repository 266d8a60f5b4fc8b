"""Two loads at once on PostgreSQL: the second waits for the first, and the history is
the one that loading the days one after the other gives."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.products.models import BalanceInterval, FeedDay, Holding
from kewei.testing.factories import product, small_bank

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_loads_of_neighbouring_days_give_the_sequential_history(tmp_path):
    # given two days' files for the same holding
    bank = small_bank()
    product("D001", "demand_deposit")
    number = bank.customer_a1.customer_number
    days = {dt.date(2026, 11, 25): "100", dt.date(2026, 11, 26): "250"}
    for day, balance in days.items():
        write_day(
            tmp_path / day.isoformat(),
            day,
            holdings=[("A1", number, "D001", "2025-01-01", "", "", balance)],
        )
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def load(day: dt.date) -> None:
        try:
            start.wait()
            load_day(day, tmp_path / day.isoformat())
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when both days load at the same moment
    threads = [threading.Thread(target=load, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then both loaded, and the history is as if loaded in order
    assert errors == []
    assert FeedDay.objects.count() == 2
    assert list(
        BalanceInterval.objects.order_by("valid_from").values_list(
            "valid_from", "valid_to", "balance"
        )
    ) == [
        (dt.date(2026, 11, 25), dt.date(2026, 11, 26), 10000),
        (dt.date(2026, 11, 26), None, 25000),
    ]
    assert Holding.objects.get().balance == 25000
