"""Tier evaluation (客户分级) on hand-built months: the bounds, the grace rule, events,
idempotence, households, the current-AUM measure and potential VIPs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kewei.customers.models import Customer
from kewei.customers.services import CustomerError, customer_assign, household_join
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.products.models import AssetsMonth, FeedDay
from kewei.testing.factories import customer, product, small_bank
from kewei.tiers.models import Direction, PotentialVip, TierChange, TierRun, TierScheme
from kewei.tiers.selectors import customers_to_assign
from kewei.tiers.services import TierError, potential_vips_flag, tiers_evaluate

pytestmark = pytest.mark.django_db

OCTOBER_END = dt.date(2026, 10, 31)
NOVEMBER_END = dt.date(2026, 11, 30)


@pytest.fixture
def bank():
    return small_bank()


def loaded(*days: dt.date) -> None:
    for day in days:
        FeedDay.objects.get_or_create(day=day, defaults={"manifest_sha256": "0" * 64})


def month_average(person, month: dt.date, yuan: str) -> None:
    """The customer's month-average AUM for a complete month, as the feed derives it."""
    fen = int(Decimal(yuan) * 100)
    AssetsMonth.objects.unrestricted().update_or_create(
        customer=person,
        month=month,
        defaults={
            "as_of": month,
            "days": 30,
            "aum_average": fen,
            "aum_end": fen,
            "loan_average": 0,
            "loan_end": 0,
        },
    )


def tier(person) -> str:
    return Customer.objects.unrestricted().get(pk=person.pk).tier


@pytest.mark.parametrize(
    ("average", "expected"),
    [
        ("0", ""),
        ("999.99", ""),
        ("1000.00", "small"),
        ("49999.99", "small"),
        ("50000.00", "ordinary"),
        ("199999.99", "ordinary"),
        ("200000.00", "potential"),
        ("499999.99", "potential"),
        ("500000.00", "vip"),
        ("2999999.99", "vip"),
        ("3000000.00", "major"),
    ],
)
def test_the_month_average_of_the_latest_complete_month_decides_the_tier(bank, average, expected):
    # given: October's month-average; the evaluation day is in November
    month_average(bank.customer_a1, dt.date(2026, 10, 1), average)
    loaded(dt.date(2026, 11, 15))
    # when
    tiers_evaluate(day=dt.date(2026, 11, 15))
    # then
    assert tier(bank.customer_a1) == expected


def test_on_the_last_day_of_a_month_that_month_counts(bank):
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "600000")
    month_average(bank.customer_a1, dt.date(2026, 11, 1), "60000")
    loaded(dt.date(2026, 11, 29), NOVEMBER_END)
    tiers_evaluate(day=dt.date(2026, 11, 29))
    assert tier(bank.customer_a1) == "vip"  # October, the latest complete month
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="")
    tiers_evaluate(day=NOVEMBER_END)
    assert tier(bank.customer_a1) == "ordinary"  # November is complete now


def test_an_upgrade_is_recorded_with_the_old_and_new_tier(bank):
    # given: a small customer whose October average reaches VIP
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="small")
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "520000")
    loaded(OCTOBER_END)
    # when
    result = tiers_evaluate(day=OCTOBER_END)
    # then
    change = TierChange.objects.unrestricted().get(customer=bank.customer_a1)
    assert (change.old_tier, change.new_tier, change.direction) == ("small", "vip", Direction.UP)
    assert change.measure == 52_000_000
    assert change.evaluated_on == OCTOBER_END
    assert (result.upgrades, result.downgrades) == (1, 0)


def test_a_downgrade_waits_for_two_consecutive_months_below(bank):
    # given: a VIP whose October fell below the VIP bound, September still above
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="vip")
    month_average(bank.customer_a1, dt.date(2026, 9, 1), "510000")
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "100000")
    loaded(OCTOBER_END, NOVEMBER_END)
    # when: October is evaluated
    tiers_evaluate(day=OCTOBER_END)
    # then: one month below is not enough
    assert tier(bank.customer_a1) == "vip"
    assert not TierChange.objects.unrestricted().exists()
    # when: November is below too
    month_average(bank.customer_a1, dt.date(2026, 11, 1), "300000")
    tiers_evaluate(day=NOVEMBER_END)
    # then: down to the tier the better of the two months supports (November: potential)
    change = TierChange.objects.unrestricted().get(customer=bank.customer_a1)
    assert (change.old_tier, change.new_tier, change.direction) == (
        "vip",
        "potential",
        Direction.DOWN,
    )
    assert tier(bank.customer_a1) == "potential"


def test_a_grace_of_one_month_downgrades_at_once(bank):
    TierScheme.objects.filter(in_force=True).update(grace_months=1)
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="major")
    month_average(bank.customer_a1, dt.date(2026, 9, 1), "9000000")
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "60000")
    loaded(OCTOBER_END)
    tiers_evaluate(day=OCTOBER_END)
    assert tier(bank.customer_a1) == "ordinary"


def test_the_same_day_twice_changes_nothing_and_an_earlier_day_is_refused(bank):
    # given
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "800000")
    month_average(bank.customer_b1, dt.date(2026, 10, 1), "60000")
    loaded(OCTOBER_END, dt.date(2026, 11, 1))
    first = tiers_evaluate(day=dt.date(2026, 11, 1))
    changes = list(TierChange.objects.unrestricted().values_list("customer_id", "new_tier"))
    # when
    again = tiers_evaluate(day=dt.date(2026, 11, 1))
    # then
    assert first.upgrades == 2
    assert (again.upgrades, again.downgrades, again.already_done) == (0, 0, True)
    assert list(TierChange.objects.unrestricted().values_list("customer_id", "new_tier")) == changes
    assert TierRun.objects.count() == 1
    with pytest.raises(TierError) as refused:
        tiers_evaluate(day=OCTOBER_END)
    assert refused.value.code == "earlier_day"
    assert TierRun.objects.count() == 1


def test_a_day_without_its_feed_is_refused(bank):
    with pytest.raises(TierError) as refused:
        tiers_evaluate(day=OCTOBER_END)
    assert refused.value.code == "not_loaded"
    assert not TierRun.objects.exists()


def test_a_household_scheme_tiers_members_on_their_sum(bank):
    # given: two members of a household of 30万 + 25万, and a customer alone with 30万
    TierScheme.objects.filter(in_force=True).update(basis="household")
    household_join(actor=None, customer=bank.customer_a1, other=bank.customer_a1_free)
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "300000")
    month_average(bank.customer_a1_free, dt.date(2026, 10, 1), "250000")
    month_average(bank.customer_b1, dt.date(2026, 10, 1), "300000")
    loaded(OCTOBER_END)
    # when
    tiers_evaluate(day=OCTOBER_END)
    # then
    assert tier(bank.customer_a1) == "vip"
    assert tier(bank.customer_a1_free) == "vip"
    assert tier(bank.customer_b1) == "potential"
    measures = set(TierChange.objects.unrestricted().values_list("measure", flat=True))
    assert measures == {55_000_000, 30_000_000}


def feed(tmp_path, day, holdings, transactions=()):
    directory = tmp_path / day.isoformat()
    write_day(directory, day, holdings=holdings, transactions=transactions, events=())
    result = load_day(day, directory)
    assert result.rejected == 0, result.rejects


def test_the_current_measure_takes_the_days_closing_assets(bank, tmp_path):
    # given: 60万 in deposits at the close of the day, and a loan that does not count
    product("D001", "demand_deposit")
    product("L001", "personal_loan")
    TierScheme.objects.filter(in_force=True).update(measure="current")
    number = bank.customer_a1.customer_number
    day = dt.date(2026, 11, 16)
    feed(
        tmp_path,
        day,
        [
            ("A-1", number, "D001", "2025-06-01", "", "", "600000"),
            ("L-1", number, "L001", "2025-06-01", "", "", "900000"),
        ],
    )
    # when
    tiers_evaluate(day=day)
    # then
    assert tier(bank.customer_a1) == "vip"
    assert TierChange.objects.unrestricted().get().measure == 60_000_000


def test_a_large_transaction_below_vip_flags_a_potential_vip_once(bank, tmp_path):
    # given: two customers each paying 10万 in on the day; one of them is already VIP
    product("D001", "demand_deposit")
    day = dt.date(2026, 11, 16)
    Customer.objects.unrestricted().filter(pk=bank.customer_b1.pk).update(tier="vip")
    small = customer(department=bank.outlet_a1, name="赵六")
    holdings = [
        ("A-1", bank.customer_a1.customer_number, "D001", "2025-06-01", "", "", "150000"),
        ("A-2", small.customer_number, "D001", "2025-06-01", "", "", "99999.99"),
        ("B-1", bank.customer_b1.customer_number, "D001", "2025-06-01", "", "", "150000"),
    ]
    flows = [
        ("F1", "A-1", day.isoformat(), "100000.00", "in", "counter", "cash"),
        ("F2", "A-2", day.isoformat(), "99999.99", "in", "counter", "cash"),
        ("F3", "B-1", day.isoformat(), "120000.00", "in", "counter", "cash"),
    ]
    feed(tmp_path, day, holdings, flows)
    # when
    first = potential_vips_flag(day=day)
    again = potential_vips_flag(day=day)
    # then
    flags = PotentialVip.objects.unrestricted().all()
    assert (first, again) == (1, 0)
    assert [(f.customer_id, f.amount) for f in flags] == [(bank.customer_a1.pk, 10_000_000)]


def test_customers_reaching_a_managed_tier_without_a_manager_wait_for_assignment(bank):
    # given: a customer without a manager reaches VIP; one with a manager does too
    month_average(bank.customer_a1_free, dt.date(2026, 10, 1), "700000")
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "700000")
    loaded(OCTOBER_END)
    tiers_evaluate(day=OCTOBER_END)
    # then
    waiting = list(customers_to_assign().values_list("pk", flat=True))
    assert waiting == [bank.customer_a1_free.pk]
    # and: a VIP's manager cannot be taken away (人户合一)
    with pytest.raises(CustomerError) as refused:
        customer_assign(actor=None, customer=bank.customer_a1, manager=None)
    assert refused.value.code == "vip_needs_manager"


def test_the_command_reports_and_fails_clearly(bank):
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "60000")
    loaded(OCTOBER_END)
    out = StringIO()
    call_command("tiers_evaluate", "--date", "2026-10-31", stdout=out)
    assert "升级 / up 1" in out.getvalue()
    with pytest.raises(CommandError, match="尚未装载"):
        call_command("tiers_evaluate", "--date", "2026-12-31")
