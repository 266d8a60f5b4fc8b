"""AUM, month-average daily AUM, average daily balances and product coverage, on
hand-computed examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kewei.products import selectors
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.products.models import AssetsMonth, Holding
from kewei.testing.factories import product, small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    bank = small_bank()
    product("D001", "demand_deposit")
    product("T1Y", "time_deposit", term_days=365)
    product("WM01", "wealth")
    product("FD01", "fund")
    product("MB", "mobile_banking")
    product("EB", "e_banking")
    product("ML", "mortgage")
    return bank


def load(tmp_path, day, rows):
    directory = tmp_path / day.isoformat()
    write_day(directory, day, holdings=rows)
    result = load_day(day, directory)
    assert result.rejected == 0, result.rejects


def row(account, customer, code, balance, status=""):
    return (account, customer.customer_number, code, "2025-06-01", "", status, balance)


def test_month_average_in_a_leap_february(bank, tmp_path):
    # given 10,000 元 for 1–14 February 2028 and 20,000 元 for 15–29 February, and a loan
    a1 = bank.customer_a1
    load(
        tmp_path, dt.date(2028, 2, 1), [row("A", a1, "D001", "10000"), row("L", a1, "ML", "500000")]
    )
    load(
        tmp_path,
        dt.date(2028, 2, 15),
        [row("A", a1, "D001", "20000"), row("L", a1, "ML", "500000")],
    )
    load(
        tmp_path,
        dt.date(2028, 2, 29),
        [row("A", a1, "D001", "20000"), row("L", a1, "ML", "500000")],
    )
    # then (14 × 10,000 + 15 × 20,000) / 29 = 15,172.413… → 15,172.41 元; loans apart
    month = AssetsMonth.objects.get(customer=a1, month=dt.date(2028, 2, 1))
    assert (month.days, month.as_of) == (29, dt.date(2028, 2, 29))
    assert month.aum_average == 1_517_241
    assert month.aum_end == 2_000_000
    assert month.loan_average == 50_000_000
    a1.refresh_from_db()
    assert a1.aum == Decimal("20000.00")
    assert selectors.customer_assets(a1).loans == Decimal("500000.00")


def test_a_holding_closed_mid_month(bank, tmp_path):
    # given two deposits in November 2026; one closes on the 11th
    a1 = bank.customer_a1
    load(
        tmp_path, dt.date(2026, 11, 1), [row("A", a1, "D001", "3000"), row("B", a1, "T1Y", "1000")]
    )
    load(
        tmp_path,
        dt.date(2026, 11, 11),
        [row("A", a1, "D001", "0", status="closed"), row("B", a1, "T1Y", "1000")],
    )
    load(tmp_path, dt.date(2026, 11, 30), [row("B", a1, "T1Y", "1000")])
    # then (10 × 3,000 + 30 × 1,000) / 30 = 2,000 元
    month = AssetsMonth.objects.get(customer=a1, month=dt.date(2026, 11, 1))
    assert (month.days, month.aum_average, month.aum_end) == (30, 200_000, 100_000)
    assert Holding.objects.get(account_number="A").status == "closed"
    a1.refresh_from_db()
    assert a1.product_categories == 1  # the closed demand deposit no longer counts


def test_a_month_in_progress_averages_over_the_days_loaded(bank, tmp_path):
    a1 = bank.customer_a1
    load(tmp_path, dt.date(2026, 11, 1), [row("A", a1, "D001", "100")])
    load(tmp_path, dt.date(2026, 11, 3), [row("A", a1, "D001", "400")])
    # A month in progress is not stored; its average so far is computed when asked:
    # 1–2: 100, 3: 400 → 600 / 3 = 200
    assert not AssetsMonth.objects.exists()
    so_far = selectors.customer_assets(a1).month_to_date
    assert (so_far.days, so_far.average) == (3, Decimal("200.00"))


def test_months_on_both_sides_of_a_late_day_are_rebuilt(bank, tmp_path):
    # given 30 November and 2 December loaded; 1 December carries November's balance
    a1 = bank.customer_a1
    load(tmp_path, dt.date(2026, 11, 30), [row("A", a1, "D001", "100")])
    load(tmp_path, dt.date(2026, 12, 2), [row("A", a1, "D001", "100")])
    december = (dt.date(2026, 12, 1), dt.date(2026, 12, 2))
    assert selectors.average_daily_aum(a1, *december).average == Decimal("100.00")
    # when 1 December arrives with 400
    load(tmp_path, dt.date(2026, 12, 1), [row("A", a1, "D001", "400")])
    # then December = (400 + 100) / 2, and complete November is untouched
    assert selectors.average_daily_aum(a1, *december).average == Decimal("250.00")
    november = AssetsMonth.objects.get(month=dt.date(2026, 11, 1))
    assert (november.days, november.aum_average) == (1, 10_000)


def test_a_late_day_in_a_complete_month_rebuilds_that_month(bank, tmp_path):
    # given 1 and 30 November loaded (complete), 2–29 carrying the 1st's 100
    a1 = bank.customer_a1
    load(tmp_path, dt.date(2026, 11, 1), [row("A", a1, "D001", "100")])
    load(tmp_path, dt.date(2026, 11, 30), [row("A", a1, "D001", "100")])
    assert AssetsMonth.objects.get().aum_average == 10_000
    # when 16 November arrives late with 400 (16–29: 400)
    load(tmp_path, dt.date(2026, 11, 16), [row("A", a1, "D001", "400")])
    # then (15 × 100 + 14 × 400 + 1 × 100) / 30 = 240
    assert AssetsMonth.objects.get().aum_average == 24_000


def test_average_daily_balance_over_any_period(bank, tmp_path):
    a1 = bank.customer_a1
    load(tmp_path, dt.date(2026, 1, 30), [row("A", a1, "D001", "100")])
    load(tmp_path, dt.date(2026, 2, 2), [row("A", a1, "D001", "130")])
    load(tmp_path, dt.date(2026, 2, 5), [row("A", a1, "D001", "130")])
    holding = Holding.objects.get()
    # 30, 31 Jan, 1 Feb at 100; 2–4 Feb at 130 → 690 / 6 = 115
    average = selectors.average_daily_balance(holding, dt.date(2026, 1, 30), dt.date(2026, 2, 4))
    assert (average.days, average.average) == (6, Decimal("115.00"))
    # A period reaching past the latest loaded day is cut at that day.
    clipped = selectors.average_daily_balance(holding, dt.date(2026, 2, 2), dt.date(2026, 3, 31))
    assert (clipped.end, clipped.days, clipped.average) == (
        dt.date(2026, 2, 5),
        4,
        Decimal("130.00"),
    )
    # Half up: 1 分 for one day of two is half a 分 a day, shown as 0.01 元.
    half = [(dt.date(2026, 1, 30), dt.date(2026, 1, 31), 1)]
    rounded = selectors._average(half, dt.date(2026, 1, 30), dt.date(2026, 1, 31))
    assert rounded.average == Decimal("0.01")


def test_daily_aum_per_day(bank, tmp_path):
    a1 = bank.customer_a1
    load(tmp_path, dt.date(2026, 3, 1), [row("A", a1, "D001", "100"), row("W", a1, "WM01", "50")])
    load(tmp_path, dt.date(2026, 3, 3), [row("A", a1, "D001", "70")])
    assert selectors.daily_aum(a1, dt.date(2026, 3, 1), dt.date(2026, 3, 3)) == [
        (dt.date(2026, 3, 1), Decimal("150.00")),
        (dt.date(2026, 3, 2), Decimal("150.00")),
        (dt.date(2026, 3, 3), Decimal("70.00")),
    ]


def test_coverage_counts_distinct_categories_of_open_holdings(bank, tmp_path):
    a1, b1 = bank.customer_a1, bank.customer_b1
    load(
        tmp_path,
        dt.date(2026, 11, 25),
        [
            row("A", a1, "D001", "100"),
            row("A2", a1, "D001", "5"),  # a second demand deposit: same category
            row("W", a1, "WM01", "10"),
            row("F", a1, "FD01", "10"),
            row("M", a1, "MB", "0"),  # services count, with no balance
            row("E", a1, "EB", "0"),
            row("B", b1, "D001", "1"),
        ],
    )
    a1.refresh_from_db()
    b1.refresh_from_db()
    assert (a1.product_categories, b1.product_categories) == (5, 1)
    # when the fund is sold out and closed
    load(
        tmp_path,
        dt.date(2026, 11, 26),
        [
            row("A", a1, "D001", "100"),
            row("A2", a1, "D001", "5"),
            row("W", a1, "WM01", "10"),
            row("F", a1, "FD01", "0", status="closed"),
            row("M", a1, "MB", "0"),
            row("E", a1, "EB", "0"),
            row("B", b1, "D001", "1"),
        ],
    )
    a1.refresh_from_db()
    assert a1.product_categories == 4


def test_the_search_copy_in_wan_follows_the_assets_across_a_wan(bank, tmp_path):
    a1 = bank.customer_a1
    a1.refresh_from_db()
    steps = [("9999.99", 0), ("10000.00", 1), ("19999.00", 1), ("250000.00", 25), ("0", 0)]
    for offset, (balance, wan) in enumerate(steps):
        load(tmp_path, dt.date(2026, 11, 1 + offset), [row("A", a1, "D001", balance)])
        a1.refresh_from_db()
        assert (a1.aum, a1.aum_wan) == (Decimal(balance), wan)
