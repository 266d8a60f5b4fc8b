"""The daily accrual (积分计算) on hand-computed cases, its idempotence, expiry and the
ledger's invariants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from kewei.customers.models import Customer
from kewei.points import selectors
from kewei.points.models import (
    AccrualDay,
    EntryKind,
    MonthEarned,
    PointsAccount,
    PointsEntry,
    PointsLot,
)
from kewei.points.services import (
    PointsError,
    PointsValidationError,
    RuleData,
    points_accrue,
    points_expire,
    points_verify,
    policy_set,
    rule_create,
)
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.testing.factories import product, small_bank

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 16)


@pytest.fixture
def bank():
    bank = small_bank()
    product("D001", "demand_deposit")
    product("T1Y", "time_deposit", term_days=365)
    product("WM01", "wealth")
    product("CC01", "credit_card")
    return bank


def load(tmp_path, day, holdings, transactions=(), events=()):
    directory = tmp_path / day.isoformat()
    write_day(directory, day, holdings=holdings, transactions=transactions, events=events)
    result = load_day(day, directory)
    assert result.rejected == 0, result.rejects


def holding(account, customer, code, balance):
    return (account, customer.customer_number, code, "2025-06-01", "", "", balance)


def flow(number, account, day, amount, counterparty="merchant", channel="pos"):
    return (number, account, day.isoformat(), amount, "out", channel, counterparty)


def rule(code, kind, points, *, start=dt.date(2026, 1, 1), **fields):
    return rule_create(
        actor=None,
        data=RuleData(
            code=code,
            name=f"规则{code}",
            kind=kind,
            points=Decimal(points),
            effective_from=start,
            **fields,
        ),
    )


def standard_rules():
    return {
        "time": rule("TD", "balance", "1", category="time_deposit"),
        "wealth": rule("WM", "balance", "2", category="wealth"),
        "card": rule(
            "CC",
            "spending",
            "1",
            category="credit_card",
            unit_yuan=Decimal("20"),
            excluded_channels=("atm",),
        ),
        "opened": rule("OPEN", "event", "100", event_kind="account_opened"),
    }


def earned(customer, day=DAY) -> dict[str, int]:
    entries = PointsEntry.objects.filter(customer=customer, occurred_on=day, kind=EntryKind.EARN)
    return {e.rule.code: e.points for e in entries.select_related("rule")}


def a_day_of_business(tmp_path, bank, day=DAY):
    a1, b1 = bank.customer_a1, bank.customer_b1
    load(
        tmp_path,
        day,
        holdings=[
            holding("T-A", a1, "T1Y", "50000"),
            holding("W-A", a1, "WM01", "123456.78"),
            holding("C-A", a1, "CC01", "0"),
            holding("T-B", b1, "T1Y", "9999.99"),
        ],
        transactions=[
            flow("F1", "C-A", day, "1000"),
            flow("F2", "C-A", day, "500", counterparty="other_bank"),
            flow("F3", "C-A", day, "400", channel="atm"),
            flow("F4", "C-A", day, "39.99"),
        ],
        events=[("E1", "account_opened", a1.customer_number, "T-A", "", day.isoformat(), "")],
    )


def test_points_of_a_day_by_balance_spending_and_event(bank, tmp_path):
    # given 50,000 元 time deposit (1 point per 万元 a day), 123,456.78 元 wealth (2 per
    # 万元), 1,039.99 元 paid to merchants by credit card (1 point per 20 元; the payment
    # to another bank and the ATM payment earn nothing), one account opened (100)
    standard_rules()
    a_day_of_business(tmp_path, bank)
    # when
    result = points_accrue(day=DAY)
    # then 5; floor(24.69…) = 24; floor(1,039.99 / 20) = 51; 100. B's 9,999.99 元 is
    # less than a 万元: nothing.
    assert earned(bank.customer_a1) == {"TD": 5, "WM": 24, "CC": 51, "OPEN": 100}
    assert earned(bank.customer_b1) == {}
    assert result.points == 180 and result.entries == 4
    assert selectors.points_balance(bank.customer_a1) == 180
    lot = PointsLot.objects.get(customer=bank.customer_a1)
    assert (lot.expires_on, lot.earned, lot.remaining) == (dt.date(2027, 12, 31), 180, 180)
    assert points_verify() == []


def test_tier_multiplier_applies_to_balance_and_spending_only(bank, tmp_path):
    # given a gold customer earning 1.5 times
    standard_rules()
    policy_set(
        actor=None,
        effective_from=dt.date(2026, 1, 1),
        monthly_cap=None,
        expiry_years=1,
        tier_multipliers={"gold": "1.5"},
    )
    Customer.objects.filter(pk=bank.customer_a1.pk).update(tier="gold")
    a_day_of_business(tmp_path, bank)
    # when
    points_accrue(day=DAY)
    # then floor(5 × 1.5) = 7; floor(24.6913 × 1.5) = 37; floor(51.9995 × 1.5) = 77;
    # the account-opening points stay 100
    assert earned(bank.customer_a1) == {"TD": 7, "WM": 37, "CC": 77, "OPEN": 100}


def test_monthly_cap_grants_rules_in_order_until_reached(bank, tmp_path):
    # given a cap of 150 a month, of which the customer already earned 100
    rules = standard_rules()
    policy_set(
        actor=None,
        effective_from=dt.date(2026, 1, 1),
        monthly_cap=150,
        expiry_years=1,
        tier_multipliers={},
    )
    MonthEarned.objects.create(customer=bank.customer_a1, month=DAY.replace(day=1), points=100)
    a_day_of_business(tmp_path, bank)
    # when
    points_accrue(day=DAY)
    # then 50 more in rule order: 5 + 24, then 21 of the 51 card points, none of the 100
    assert earned(bank.customer_a1) == {"TD": 5, "WM": 24, "CC": 21}
    assert rules["time"].pk < rules["card"].pk < rules["opened"].pk
    assert MonthEarned.objects.get(customer=bank.customer_a1).points == 150


def test_a_rule_changed_mid_month_keeps_the_old_rate_for_earlier_days(bank, tmp_path):
    # given 1 point per 万元 until the 15th, 3 points from the 15th
    rule("TD", "balance", "1", category="time_deposit")
    changed = rule("TD", "balance", "3", category="time_deposit", start=dt.date(2026, 11, 15))
    a1 = bank.customer_a1
    for day in (dt.date(2026, 11, 14), dt.date(2026, 11, 15)):
        load(tmp_path, day, holdings=[holding("T-A", a1, "T1Y", "50000")])
    # when
    points_accrue(day=dt.date(2026, 11, 14))
    points_accrue(day=dt.date(2026, 11, 15))
    # then
    assert earned(a1, dt.date(2026, 11, 14)) == {"TD": 5}
    assert earned(a1, dt.date(2026, 11, 15)) == {"TD": 15}
    assert changed.effective_from == dt.date(2026, 11, 15)
    assert PointsEntry.objects.get(occurred_on=dt.date(2026, 11, 15)).rule_id == changed.pk


def test_a_rule_cannot_change_days_already_accrued(bank, tmp_path):
    rule("TD", "balance", "1", category="time_deposit")
    load(tmp_path, DAY, holdings=[holding("T-A", bank.customer_a1, "T1Y", "50000")])
    points_accrue(day=DAY)
    with pytest.raises(PointsValidationError, match="已经计算"):
        rule("TD", "balance", "3", category="time_deposit", start=DAY)
    assert earned(bank.customer_a1) == {"TD": 5}


def test_two_rules_for_one_category_are_refused(bank):
    rule("TD", "balance", "1", category="time_deposit")
    with pytest.raises(PointsValidationError):
        rule("TD2", "balance", "2", category="time_deposit", start=dt.date(2026, 6, 1))


def test_accruing_a_day_again_adds_nothing(bank, tmp_path):
    standard_rules()
    a_day_of_business(tmp_path, bank)
    points_accrue(day=DAY)
    entries, balance = PointsEntry.objects.count(), selectors.points_balance(bank.customer_a1)
    again = points_accrue(day=DAY)
    assert again.already
    assert PointsEntry.objects.count() == entries
    assert selectors.points_balance(bank.customer_a1) == balance == 180
    assert AccrualDay.objects.get(day=DAY).points == 180


def test_dry_run_shows_per_rule_what_a_run_awards_and_writes_nothing(bank, tmp_path):
    standard_rules()
    a_day_of_business(tmp_path, bank)
    out = StringIO()
    call_command("points_accrue", "--date", DAY.isoformat(), "--dry-run", stdout=out)
    assert not PointsEntry.objects.exists() and not AccrualDay.objects.exists()
    assert "TD 规则TD: 1 名客户 / customers, 5 积分 / points" in out.getvalue()
    assert "180 积分" in out.getvalue()
    points_accrue(day=DAY)
    assert sum(earned(bank.customer_a1).values()) == 180


def test_a_range_backfills_each_loaded_day_and_refuses_a_day_without_feed(bank, tmp_path):
    rule("TD", "balance", "1", category="time_deposit")
    a1 = bank.customer_a1
    for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 2)):
        load(tmp_path, day, holdings=[holding("T-A", a1, "T1Y", "50000")])
    call_command("points_accrue", "--from", "2026-11-01", "--to", "2026-11-02", stdout=StringIO())
    assert selectors.points_balance(a1) == 10
    with pytest.raises(PointsError, match="尚未装载"):
        points_accrue(day=dt.date(2026, 11, 3))


def test_points_expire_at_the_end_of_the_following_year(bank, tmp_path):
    # given points earned in 2025
    rule("TD", "balance", "1", category="time_deposit", start=dt.date(2025, 1, 1))
    day = dt.date(2025, 6, 1)
    load(tmp_path, day, holdings=[holding("T-A", bank.customer_a1, "T1Y", "50000")])
    points_accrue(day=day)
    # when the last day has not passed, nothing expires
    assert points_expire(day=dt.date(2026, 12, 31)).points == 0
    assert selectors.points_expiring(bank.customer_a1, on=dt.date(2026, 11, 1)) == [
        selectors.Expiring(dt.date(2026, 12, 31), 5)
    ]
    # when it has
    result = points_expire(day=dt.date(2027, 1, 1))
    # then
    assert (result.customers, result.points) == (1, 5)
    assert selectors.points_balance(bank.customer_a1) == 0
    entry = PointsEntry.objects.get(kind=EntryKind.EXPIRE)
    assert (entry.points, entry.spends.get().points) == (-5, 5)
    assert points_expire(day=dt.date(2027, 1, 2)).points == 0
    assert points_verify() == []


def test_verify_names_the_customer_whose_ledger_disagrees(bank, tmp_path):
    standard_rules()
    a_day_of_business(tmp_path, bank)
    points_accrue(day=DAY)
    # given a balance changed behind the ledger's back
    PointsAccount.objects.filter(customer=bank.customer_a1).update(balance=181)
    # then
    violations = points_verify()
    number = bank.customer_a1.customer_number
    assert {v.customer_number for v in violations} == {number}
    assert any("181" in v.problem and "180" in v.problem for v in violations)
    out = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("points_verify", stdout=out, stderr=StringIO())
    assert exit_code.value.code == 1 and number in out.getvalue()


def test_the_nightly_batch_accrues_and_expires_and_can_run_again(bank, tmp_path):
    standard_rules()
    a_day_of_business(tmp_path, bank)
    out = StringIO()
    call_command("run_daily", "--date", DAY.isoformat(), stdout=out)
    assert f"{DAY} points.accrue: 180 积分" in out.getvalue()
    assert f"{DAY} points.expire: 0 积分过期" in out.getvalue()
    again = StringIO()
    call_command("run_daily", "--date", DAY.isoformat(), stdout=again)
    assert "already accrued" in again.getvalue()
    assert selectors.points_balance(bank.customer_a1) == 180
    # a night whose feed has not arrived waits for it (exit 3), and says why
    err = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("run_daily", "--date", "2026-11-17", stdout=StringIO(), stderr=err)
    assert exit_code.value.code == 3 and "尚未装载" in err.getvalue()


def test_a_merge_moves_the_duplicates_points_with_their_expiry(bank, tmp_path):
    from kewei.customers.services import customer_merge

    # given both records earned points, in different years
    rule("TD", "balance", "1", category="time_deposit", start=dt.date(2025, 1, 1))
    keep, duplicate = bank.customer_a1, bank.customer_a1_free
    for day in (dt.date(2025, 12, 31), dt.date(2026, 1, 2)):
        load(
            tmp_path,
            day,
            holdings=[
                holding("T-K", keep, "T1Y", "20000"),
                holding("T-D", duplicate, "T1Y", "30000"),
            ],
        )
        points_accrue(day=day)
    # when
    customer_merge(actor=bank.head_a1, keep=keep, duplicate=duplicate, reason="同一人")
    # then the duplicate's 3 + 3 points now count for the kept record, each lot keeping
    # its expiry; the ledger still adds up
    assert selectors.points_balance(duplicate) == 0
    assert selectors.points_balance(keep) == 2 + 2 + 3 + 3
    lots = dict(PointsLot.objects.filter(customer=keep).values_list("expires_on", "remaining"))
    assert lots == {dt.date(2026, 12, 31): 5, dt.date(2027, 12, 31): 5}
    assert PointsEntry.objects.filter(kind=EntryKind.MERGE, customer=duplicate).get().points == -6
    assert points_verify() == []
