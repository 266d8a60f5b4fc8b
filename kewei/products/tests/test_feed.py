"""The daily feed: manifest checks, rejects, idempotent and out-of-order loading."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from kewei.products.feed import format as spec
from kewei.products.feed.loading import load_day
from kewei.products.feed.reading import FeedError
from kewei.products.feed.writing import write_day
from kewei.products.models import (
    AssetsMonth,
    BalanceInterval,
    BusinessEvent,
    FeedDay,
    FeedReject,
    Holding,
    Transaction,
)
from kewei.testing.factories import product, small_bank

pytestmark = pytest.mark.django_db

D25 = dt.date(2026, 11, 25)
D26 = dt.date(2026, 11, 26)
D27 = dt.date(2026, 11, 27)


@pytest.fixture
def bank():
    bank = small_bank()
    product("D001", "demand_deposit", name="活期储蓄")
    product("T1Y", "time_deposit", name="一年期定期", term_days=365)
    product("WM01", "wealth", name="稳健理财1号")
    product("MB", "mobile_banking", name="手机银行")
    product("ML", "mortgage", name="个人住房贷款")
    return bank


def holding_row(account, customer, code, balance, *, opened="2025-01-10", matures="", status=""):
    return (account, customer.customer_number, code, opened, matures, status, balance)


def table_state():
    """Everything a load writes, as comparable values."""
    return {
        "intervals": sorted(
            BalanceInterval.objects.values_list(
                "holding__account_number", "valid_from", "valid_to", "balance"
            )
        ),
        "holdings": sorted(Holding.objects.values_list("account_number", "status", "balance")),
        "transactions": sorted(
            Transaction.objects.values_list("transaction_id", "amount", "is_large")
        ),
        "events": sorted(BusinessEvent.objects.values_list("event_id", "kind")),
        "assets": sorted(
            AssetsMonth.objects.values_list(
                "customer_id", "month", "days", "aum_average", "aum_end"
            )
        ),
    }


def test_a_day_loads_balances_flows_and_events(bank, tmp_path):
    # given
    a1, b1 = bank.customer_a1, bank.customer_b1
    write_day(
        tmp_path,
        D25,
        holdings=[
            holding_row("6222000000000001", a1, "D001", "12000.50"),
            holding_row("6222000000000002", a1, "WM01", "300000"),
            holding_row("6222000000000003", b1, "D001", "88.00"),
            holding_row("MB-0001", a1, "MB", "0"),
        ],
        transactions=[("T1", "6222000000000001", "2026-11-25", "5000", "in", "mobile", "payroll")],
        events=[
            ("E1", "mobile_banking_bound", a1.customer_number, "MB-0001", "", "2026-11-25", "")
        ],
    )
    # when
    result = load_day(D25, tmp_path)
    # then
    assert result.lines() == [
        "customers.csv: loaded 0, rejected 0",
        "holdings.csv: loaded 4, rejected 0",
        "transactions.csv: loaded 1, rejected 0",
        "events.csv: loaded 1, rejected 0",
    ]
    a1.refresh_from_db()
    b1.refresh_from_db()
    assert str(a1.aum) == "312000.50"
    assert str(b1.aum) == "88.00"
    assert a1.product_categories == 3  # demand deposit, wealth, mobile banking
    assert b1.product_categories == 1
    assert Transaction.objects.get().customer_id == a1.pk
    assert BusinessEvent.objects.get().holding.account_number == "MB-0001"
    # A zero balance stores no interval.
    assert BalanceInterval.objects.count() == 3


def test_reloading_the_same_day_changes_nothing(bank, tmp_path):
    # given
    a1 = bank.customer_a1
    write_day(
        tmp_path,
        D25,
        holdings=[holding_row("6222000000000001", a1, "D001", "100")],
        transactions=[("T1", "6222000000000001", "2026-11-25", "100", "in", "counter", "cash")],
    )
    load_day(D25, tmp_path)
    before = table_state()
    # when
    again = load_day(D25, tmp_path)
    # then
    assert table_state() == before
    assert again.files[spec.TRANSACTIONS].loaded == 1
    assert FeedDay.objects.get(day=D25).loads == 2


def test_days_loaded_out_of_order_give_the_same_history(bank, tmp_path):
    # given three days where the balance goes 100 → 250 → 250
    a1 = bank.customer_a1
    days = {D25: "100", D26: "250", D27: "250"}
    for day, balance in days.items():
        write_day(
            tmp_path / day.isoformat(), day, holdings=[holding_row("A1", a1, "D001", balance)]
        )
    # when loaded 27, 25, 26
    for day in (D27, D25, D26):
        load_day(day, tmp_path / day.isoformat())
    # then the history is exactly as if loaded in order
    assert list(
        BalanceInterval.objects.order_by("valid_from").values_list(
            "valid_from", "valid_to", "balance"
        )
    ) == [(D25, D26, 10000), (D26, None, 25000)]
    assert Holding.objects.get().balance == 25000
    a1.refresh_from_db()
    assert str(a1.aum) == "250.00"


def test_a_late_day_between_loaded_days_changes_only_its_own_days(bank, tmp_path):
    # given 25 and 27 loaded with 100 each (so 26 carries 100 forward)
    a1 = bank.customer_a1
    for day in (D25, D27):
        write_day(tmp_path / day.isoformat(), day, holdings=[holding_row("A1", a1, "D001", "100")])
        load_day(day, tmp_path / day.isoformat())
    assert BalanceInterval.objects.count() == 1
    # when 26 arrives late with 40
    write_day(tmp_path / "late", D26, holdings=[holding_row("A1", a1, "D001", "40")])
    load_day(D26, tmp_path / "late")
    # then only the 26th changed, and the latest balance is still 27th's
    assert list(
        BalanceInterval.objects.order_by("valid_from").values_list(
            "valid_from", "valid_to", "balance"
        )
    ) == [(D25, D26, 10000), (D26, D27, 4000), (D27, None, 10000)]
    assert Holding.objects.get().balance == 10000
    a1.refresh_from_db()
    assert str(a1.aum) == "100.00"


def test_a_corrected_day_joins_the_neighbour_with_the_same_balance(bank, tmp_path):
    # given 25: 100, 26: 300, 27: 300 (two intervals)
    a1 = bank.customer_a1
    for day, balance in {D25: "100", D26: "300", D27: "300"}.items():
        write_day(
            tmp_path / day.isoformat(), day, holdings=[holding_row("A1", a1, "D001", balance)]
        )
        load_day(day, tmp_path / day.isoformat())
    # when the 26th is sent again, corrected to 100
    write_day(tmp_path / "fix", D26, holdings=[holding_row("A1", a1, "D001", "100")])
    load_day(D26, tmp_path / "fix")
    # then the 25th and 26th are one interval, and the 27th is untouched
    assert list(
        BalanceInterval.objects.order_by("valid_from").values_list(
            "valid_from", "valid_to", "balance"
        )
    ) == [(D25, D27, 10000), (D27, None, 30000)]


def test_a_holding_missing_from_a_day_has_no_balance_that_day(bank, tmp_path):
    a1 = bank.customer_a1
    write_day(tmp_path / "25", D25, holdings=[holding_row("A1", a1, "D001", "100")])
    write_day(tmp_path / "26", D26, holdings=[])
    load_day(D25, tmp_path / "25")
    load_day(D26, tmp_path / "26")
    assert list(BalanceInterval.objects.values_list("valid_from", "valid_to")) == [(D25, D26)]
    assert Holding.objects.get().balance == 0
    a1.refresh_from_db()
    assert a1.aum == 0


def test_a_manifest_that_does_not_match_is_refused_before_anything_is_written(bank, tmp_path):
    # given a holdings file edited after the manifest was written
    write_day(tmp_path, D25, holdings=[holding_row("A1", bank.customer_a1, "D001", "100")])
    with (tmp_path / spec.HOLDINGS).open("a", encoding="utf-8") as handle:
        handle.write(f"A2,{bank.customer_a1.customer_number},D001,2025-01-10,,,5\n")
    # when / then
    with pytest.raises(FeedError, match="校验和"):
        load_day(D25, tmp_path)
    assert not Holding.objects.exists()
    assert not FeedDay.objects.exists()


def test_a_wrong_row_count_in_the_manifest_is_refused(bank, tmp_path):
    write_day(tmp_path, D25, holdings=[holding_row("A1", bank.customer_a1, "D001", "100")])
    manifest = json.loads((tmp_path / spec.MANIFEST).read_text())
    manifest["files"][spec.HOLDINGS]["rows"] = 2
    (tmp_path / spec.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(FeedError, match="清单为 2 行"):
        load_day(D25, tmp_path)
    assert not Holding.objects.exists()


def test_a_manifest_of_another_day_is_refused(bank, tmp_path):
    write_day(tmp_path, D25)
    with pytest.raises(FeedError, match="装载日期"):
        load_day(D26, tmp_path)


def test_each_kind_of_bad_row_is_rejected_with_its_reason_and_the_rest_loads(bank, tmp_path):
    # given
    a1 = bank.customer_a1
    write_day(
        tmp_path,
        D25,
        holdings=[
            holding_row("A1", a1, "D001", "100"),  # row 2: good
            ("A2", "C99999999999", "D001", "2025-01-10", "", "", "5"),  # 3: unknown customer
            holding_row("A3", a1, "NOPE", "5"),  # 4: unknown product
            holding_row("A4", a1, "D001", "12,000.00"),  # 5: malformed amount
            holding_row("A5", a1, "D001", "5", opened="2026-02-30"),  # 6: not a real date
            holding_row("A6", a1, "D001", "-5"),  # 7: negative balance
            holding_row("A1", a1, "D001", "7"),  # 8: duplicate account
            holding_row("A7", a1, "D001", "5", status="frozen"),  # 9: unknown status
        ],
        transactions=[
            ("T1", "A1", "2026-11-25", "10", "in", "atm", "cash"),  # good
            ("T2", "NOPE", "2026-11-25", "10", "in", "atm", "cash"),  # unknown account
            ("T3", "A1", "2026/11/25", "10", "in", "atm", "cash"),  # malformed date
            ("T4", "A1", "2026-11-25", "0", "in", "atm", "cash"),  # zero amount
            ("T5", "A1", "2026-11-26", "10", "in", "atm", "cash"),  # after the day
            ("T6", "A1", "2026-11-25", "10", "sideways", "atm", "cash"),  # bad direction
        ],
        events=[
            ("E1", "loan_disbursed", a1.customer_number, "", "ML", "2026-11-25", "500000"),
            ("E2", "loan_disbursed", "C99999999999", "", "", "2026-11-25", ""),
            ("E3", "teleported", a1.customer_number, "", "", "2026-11-25", ""),
            ("E4", "card_activated", a1.customer_number, "NOPE", "", "2026-11-25", ""),
        ],
    )
    # when
    result = load_day(D25, tmp_path)
    # then
    assert result.lines() == [
        "customers.csv: loaded 0, rejected 0",
        "holdings.csv: loaded 1, rejected 7",
        "transactions.csv: loaded 1, rejected 5",
        "events.csv: loaded 1, rejected 3",
    ]
    by_row = {(r.file, r.row): (r.column, r.reason) for r in result.rejects}
    assert by_row[(spec.HOLDINGS, 3)] == ("customer_number", "未知客户号")
    assert by_row[(spec.HOLDINGS, 4)] == ("product_code", "未知产品代码")
    assert by_row[(spec.HOLDINGS, 5)][0] == "balance"
    assert by_row[(spec.HOLDINGS, 6)] == (
        "opened_on",
        "日期格式错误（应为 YYYY-MM-DD，且须为真实日期）",
    )
    assert by_row[(spec.HOLDINGS, 7)][0] == "balance"
    assert by_row[(spec.HOLDINGS, 8)] == ("account_number", "与前面的行重复")
    assert by_row[(spec.HOLDINGS, 9)][0] == "status"
    assert by_row[(spec.TRANSACTIONS, 3)] == ("account_number", "未知账号")
    assert by_row[(spec.TRANSACTIONS, 4)][0] == "booked_on"
    assert by_row[(spec.TRANSACTIONS, 5)] == ("amount", "金额必须大于零")
    assert by_row[(spec.TRANSACTIONS, 6)] == ("booked_on", "日期晚于数据日期")
    assert by_row[(spec.TRANSACTIONS, 7)][0] == "direction"
    assert by_row[(spec.EVENTS, 3)] == ("customer_number", "未知客户号")
    assert by_row[(spec.EVENTS, 4)][0] == "event_type"
    assert by_row[(spec.EVENTS, 5)] == ("account_number", "未知账号")
    assert list(Holding.objects.values_list("account_number", "balance")) == [("A1", 10000)]
    assert list(Transaction.objects.values_list("transaction_id", flat=True)) == ["T1"]
    assert list(BusinessEvent.objects.values_list("event_id", "amount")) == [("E1", 50000000)]
    assert FeedReject.objects.filter(feed_day__day=D25).count() == 15


def test_a_rejected_row_leaves_its_holdings_balance_as_it_was(bank, tmp_path):
    a1 = bank.customer_a1
    write_day(tmp_path / "25", D25, holdings=[holding_row("A1", a1, "D001", "100")])
    write_day(tmp_path / "26", D26, holdings=[holding_row("A1", a1, "D001", "1,00")])
    load_day(D25, tmp_path / "25")
    result = load_day(D26, tmp_path / "26")
    assert result.rejected == 1
    assert list(BalanceInterval.objects.values_list("valid_from", "valid_to", "balance")) == [
        (D25, None, 10000)
    ]


@pytest.mark.parametrize(
    ("amount", "large"), [("99999.99", False), ("100000.00", True), ("100000.01", True)]
)
def test_large_movements_are_flagged_from_the_threshold_on(bank, tmp_path, amount, large):
    a1 = bank.customer_a1
    write_day(
        tmp_path,
        D25,
        holdings=[holding_row("A1", a1, "D001", "100")],
        transactions=[("T1", "A1", "2026-11-25", amount, "out", "counter", "other_bank")],
    )
    load_day(D25, tmp_path)
    assert Transaction.objects.get().is_large is large


def test_the_threshold_is_a_setting(bank, tmp_path, settings):
    settings.KEWEI_LARGE_MOVEMENT_YUAN = 50_000
    write_day(
        tmp_path,
        D25,
        holdings=[holding_row("A1", bank.customer_a1, "D001", "100")],
        transactions=[("T1", "A1", "2026-11-25", "50000", "out", "counter", "other_bank")],
    )
    load_day(D25, tmp_path)
    assert Transaction.objects.get().is_large is True


def test_a_gbk_feed_loads(bank, tmp_path):
    write_day(
        tmp_path,
        D25,
        holdings=[holding_row("A1", bank.customer_a1, "D001", "100")],
        encoding="gbk",
    )
    assert load_day(D25, tmp_path).rejected == 0
    assert Holding.objects.count() == 1


def test_the_customers_file_creates_customers_that_the_other_files_use(bank, tmp_path):
    from kewei.customers.models import Customer
    from kewei.testing.factories import resident_id

    number = resident_id("19880808", 21)
    write_day(
        tmp_path,
        D25,
        customers=[
            (
                "K000777",
                "赵六",
                "",
                "身份证",
                number,
                "",
                "13912345678",
                "北京市海淀区学院路1号",
                "110101",
            ),
        ],
        holdings=[("A9", "K000777", "D001", "2026-11-25", "", "", "2000")],
    )
    result = load_day(D25, tmp_path)
    assert result.rejected == 0
    created = Customer.objects.get(customer_number="K000777")
    assert str(created.aum) == "2000.00"


def test_the_command_prints_counts_and_exits_1_on_rejects(bank, tmp_path, capsys):
    write_day(
        tmp_path,
        D25,
        holdings=[
            holding_row("A1", bank.customer_a1, "D001", "100"),
            holding_row("A2", bank.customer_a1, "NOPE", "100"),
        ],
    )
    report = tmp_path / "rejects.csv"
    with pytest.raises(SystemExit) as exit_info:
        call_command("load_day", str(tmp_path), "--date", "2026-11-25", "--report", str(report))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "holdings.csv: loaded 1, rejected 1" in out
    assert "未知产品代码" in report.read_text(encoding="utf-8-sig")


def test_the_command_exits_2_when_the_day_is_refused(bank, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        call_command("load_day", str(tmp_path), "--date", "2026-11-25")
    assert exit_info.value.code == 2


def test_the_sample_day_in_the_repository_loads_cleanly(bank):
    # given the demo catalogue (the sample's products) and the small bank's outlet 110101
    from django.conf import settings

    from kewei.customers.models import Customer
    from kewei.demo.products import _catalogue

    _catalogue()
    sample = settings.PACKAGE_DIR.parent / "samples" / "feed" / "2026-11-25"
    # when
    result = load_day(D25, sample)
    # then
    assert result.rejected == 0, result.rejects
    chen = Customer.objects.get(customer_number="K20261125001")
    assert str(chen.aum) == "252000.00"
    assert chen.product_categories == 3
    assert Transaction.objects.filter(is_large=True).count() == 2
    assert BusinessEvent.objects.filter(kind="mobile_banking_bound").count() == 1
