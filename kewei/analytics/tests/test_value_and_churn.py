"""Contribution × turnover classes on their boundaries, and the coverage/churn table
on a small built dataset, with churn labels at the period's boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from kewei.analytics import services
from kewei.analytics.models import AnalyticsSettings, CoverageChurn, CustomerMeasure
from kewei.analytics.tests.test_rfm import _holding, _tx
from kewei.products.models import BalanceInterval
from kewei.testing.factories import customer, small_bank

pytestmark = pytest.mark.django_db
END = dt.date(2026, 10, 31)
START = END - dt.timedelta(days=365)


def _balance(holding, fen, start=dt.date(2024, 1, 1), end=None):
    BalanceInterval.objects.unrestricted().create(
        holding=holding, valid_from=start, valid_to=end, balance=fen
    )


@pytest.fixture
def bank():
    return small_bank()


def _person(bank, n):
    return customer(department=bank.outlet_a1, name=f"客户{n}", mobile=f"1360000{n:04d}")


def test_value_classes_on_their_boundaries(bank):
    AnalyticsSettings.objects.create(
        margins={"demand_deposit": {"spread": 0.01}, "fund": {"fee": 0.01}},
        contribution_threshold=10_000,  # 100 元 a year
        turnover_threshold=1_000_000,  # 1 万元 in twelve months
    )
    people = {name: _person(bank, n) for n, name in enumerate("ABCDE")}

    def give(name, spread_balance, turnover):
        holding = _holding(people[name])
        if spread_balance:
            _balance(holding, spread_balance)
        if turnover:
            _tx(holding, dt.date(2026, 6, 1), turnover)

    give("A", 1_000_000, 1_000_000)  # exactly on both thresholds: high, high
    give("B", 1_000_000, 999_999)
    give("C", 999_900, 1_000_000)  # 99.99 元 rounds to 9,999 分: low
    give("D", 0, 0)
    # E: fees on a fund purchase of 1 万元 (1 % = 100 元) and the same turnover
    fund = _holding(people["E"], "F001", "fund")
    _tx(fund, dt.date(2026, 3, 1), 1_000_000)
    services.analytics_refresh(day=END)
    classes = {
        m.customer_id: (m.value_class, m.contribution, m.turnover)
        for m in CustomerMeasure.objects.unrestricted().filter(day=END)
    }
    assert classes[people["A"].pk] == ("A", 10_000, 1_000_000)
    assert classes[people["B"].pk] == ("B", 10_000, 999_999)
    assert classes[people["C"].pk] == ("C", 9_999, 1_000_000)
    assert classes[people["D"].pk] == ("D", 0, 0)
    assert classes[people["E"].pk] == ("A", 10_000, 1_000_000)


def test_turnover_counts_only_the_last_twelve_months(bank):
    AnalyticsSettings.objects.create(margins={}, turnover_threshold=100)
    person = _person(bank, 1)
    holding = _holding(person)
    _tx(holding, dt.date(2025, 10, 31), 500)  # the month before the window
    _tx(holding, dt.date(2025, 11, 1), 70)  # the window's first month
    services.analytics_refresh(day=END)
    measure = CustomerMeasure.objects.unrestricted().get(day=END, customer=person)
    assert (measure.turnover, measure.value_class) == (70, "D")


def test_coverage_and_churn_on_a_built_dataset(bank):
    AnalyticsSettings.objects.create(margins={}, churn_drop=0.8, churn_idle_months=12)
    active_day = dt.date(2026, 9, 1)

    def held(n, categories, start_fen, end_fen, active=True):
        person = _person(bank, n)
        codes = {"demand_deposit": "D001", "fund": "F001", "wealth": "W001", "insurance": "I01"}
        for index, category in enumerate(categories):
            holding = _holding(person, codes[category], category)
            if index == 0:
                # the first category carries the change of assets over the year
                _balance(holding, start_fen, dt.date(2025, 1, 1), END)
                if end_fen:
                    _balance(holding, end_fen, END)
                if active:
                    _tx(holding, active_day, 100)
            else:
                _balance(holding, 1000, dt.date(2025, 1, 1))
        return person

    # one product: kept, fell by 80 % exactly (not more: kept), fell by more (churned)
    held(1, ["demand_deposit"], 100_000, 100_000)
    held(2, ["demand_deposit"], 100_000, 20_000)
    held(3, ["demand_deposit"], 100_000, 19_999)
    # one product, assets kept but no activity in twelve months: churned
    held(4, ["demand_deposit"], 100_000, 100_000, active=False)
    # three products: one churned of two
    held(5, ["demand_deposit", "fund", "wealth"], 100_000, 0)
    held(6, ["demand_deposit", "fund", "wealth"], 100_000, 100_000)
    # no assets at the start: not in the table
    held(7, ["demand_deposit"], 0, 100_000)
    services.analytics_refresh(day=END)
    rows = {
        row.coverage: (row.customers, row.churned)
        for row in CoverageChurn.objects.filter(day=END, department=bank.outlet_a1)
    }
    # the small bank's own customers hold nothing: only the built ones count
    assert rows == {1: (4, 2), 3: (2, 1)}
    row = CoverageChurn.objects.filter(day=END).first()
    assert (row.start, row.end) == (START, END)


def test_churn_labels_on_the_idle_windows_boundary(bank):
    """Twelve idle months end with the evaluated day's month: activity in the window's
    first month keeps a customer, activity only in the month before it does not."""
    from kewei.analytics import churn

    AnalyticsSettings.objects.create(margins={}, churn_drop=0.8, churn_idle_months=12)
    kept, lost = _person(bank, 1), _person(bank, 2)
    for person, last_active in ((kept, dt.date(2025, 11, 1)), (lost, dt.date(2025, 10, 31))):
        holding = _holding(person)
        _balance(holding, 100_000, dt.date(2025, 1, 1))
        _tx(holding, last_active, 100)
    services.activity_absorb()
    import numpy as np

    ids = np.array([kept.pk, lost.pk, bank.customer_a1.pk])
    at_risk, churned = churn.labels(ids, START, END)
    assert at_risk.tolist() == [True, True, False]  # customer_a1 has no assets
    assert churned.tolist() == [0, 1, 0]


def test_settings_are_saved_as_a_new_version_and_audited(client, bank):
    from kewei.audit.models import AuditEvent

    client.force_login(bank.retail_a)
    page = client.get("/analytics/settings/")
    assert page.status_code == 200
    data = {
        "contribution_threshold": "2000.00",
        "turnover_threshold": "300000.00",
        "churn_drop": "70",
        "churn_idle_months": "6",
        "spread_demand_deposit": "1.2",
        "fee_fund": "1.5",
    }
    assert client.post("/analytics/settings/", data).status_code == 302
    saved = services.settings_in_force()
    assert saved.contribution_threshold == 200_000
    assert saved.turnover_threshold == 30_000_000
    assert saved.churn_drop == pytest.approx(0.7)
    assert saved.margins == {
        "demand_deposit": {"spread": pytest.approx(0.012), "fee": 0.0},
        "fund": {"spread": 0.0, "fee": pytest.approx(0.015)},
    }
    assert AuditEvent.objects.filter(action="analytics.settings").count() == 1
    bad = client.post("/analytics/settings/", {**data, "churn_drop": "150"})
    assert bad.status_code == 200 and services.settings_in_force().pk == saved.pk
