"""Churn risk: the rule score and its reasons on hand-built customers, care tasks for
the customers at high risk (once), and a model trained on one period and evaluated on
the next that is reproducible with its seed."""

from __future__ import annotations

import datetime as dt
import json
import random

import numpy as np
import pytest

from kewei.analytics import churn, services
from kewei.analytics.models import ChurnModelRun, ChurnRisk
from kewei.analytics.tests.test_rfm import _holding, _tx
from kewei.analytics.tests.test_value_and_churn import _balance
from kewei.care.models import Task, TaskReason
from kewei.complaints.services import ComplaintData, complaint_record
from kewei.products.models import AssetsMonth
from kewei.testing.factories import customer, small_bank

pytestmark = pytest.mark.django_db
END = dt.date(2026, 10, 31)
ON_THE_DAY = dt.datetime(2026, 10, 30, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def bank():
    return small_bank()


def test_rule_score_and_reasons_on_a_built_customer(bank):
    person = bank.customer_a1  # in manager_a1's book, never contacted
    holding = _holding(person)
    _balance(holding, 500_000, dt.date(2024, 1, 1))
    # active every 10 days, then silent for 60 days: idle six times the usual gap
    for n in range(6):
        _tx(holding, END - dt.timedelta(days=60 + 10 * n), 1000)
    for month, average in ((dt.date(2026, 6, 1), 1_000_000), (dt.date(2026, 9, 1), 500_000)):
        AssetsMonth.objects.unrestricted().create(
            customer=person,
            month=month,
            as_of=month,
            days=30,
            aum_average=average,
            aum_end=average,
            loan_average=0,
            loan_end=0,
        )
    complaint_record(
        actor=bank.teller_a1,
        data=ComplaintData(
            customer=person,
            department=bank.outlet_a1,
            channel="counter",
            category="service",
            severity="normal",
            description="等候太久",
        ),
        now=ON_THE_DAY,
    )
    churn.churn_refresh(day=END)
    risk = ChurnRisk.objects.unrestricted().get(day=END, customer=person)
    assert risk.score == 100, risk.reasons
    assert risk.reasons == [
        "aum_falling",
        "idle_long",
        "single_product",
        "complaint_open",
        "no_contact",
    ]
    assert risk.probability is None  # no two years of history: no model
    quiet = ChurnRisk.objects.unrestricted().get(day=END, customer=bank.customer_a1_free)
    # no transaction ever (idle), nothing held (a single product: none), never contacted
    assert (quiet.score, quiet.reasons) == (55, ["idle_long", "single_product", "no_contact"])


def test_high_risk_customers_get_one_care_task_for_their_manager(bank):
    churn.churn_refresh(day=END)
    tasks = Task.objects.unrestricted().filter(reason=TaskReason.CHURN_RISK)
    assert tasks.count() == 0  # nobody reaches 60 yet (55: idle, no product, no contact)
    # an open complaint on top: 70
    complaint_record(
        actor=bank.teller_a1,
        data=ComplaintData(
            customer=bank.customer_a1,
            department=bank.outlet_a1,
            channel="counter",
            category="fees",
            severity="normal",
            description="收费不清楚",
        ),
        now=ON_THE_DAY,
    )
    churn.churn_refresh(day=END)
    churn.churn_refresh(day=END + dt.timedelta(days=1))
    made = Task.objects.unrestricted().filter(reason=TaskReason.CHURN_RISK)
    assert list(made.values_list("customer_id", "assignee_id")) == [
        (bank.customer_a1.pk, bank.manager_a1.pk)
    ]


def _two_years(bank, rng, people=160):
    """Customers over two years: a third stop doing business at some point (their
    balance goes and their transactions stop); the rest go on."""
    start = END - dt.timedelta(days=800)
    for n in range(people):
        person = customer(department=bank.outlet_a1, name=f"客户{n}", mobile=f"1350000{n:04d}")
        holding = _holding(person)
        leaves = rng.random() < 0.35
        stop = start + dt.timedelta(days=rng.randint(100, 780)) if leaves else None
        _balance(holding, rng.randint(50_000, 5_000_000), start, stop)
        if stop:
            _balance(holding, 100, stop)
        day = start + dt.timedelta(days=rng.randint(0, 20))
        gap = rng.randint(7, 40)
        while day <= END and (stop is None or day < stop):
            _tx(holding, day, rng.randint(100, 100_000))
            day += dt.timedelta(days=max(1, int(rng.gauss(gap, gap / 4))))


def test_the_model_is_trained_on_one_period_evaluated_on_the_next_and_reproducible(bank):
    _two_years(bank, random.Random(11))
    services.activity_absorb()
    model, run = churn._train_and_evaluate(END)
    assert run is not None
    assert run.train_end == run.test_start == END - dt.timedelta(days=365)
    assert run.test_end == END
    assert run.auc is not None and run.auc > 0.7
    assert 0 <= run.top_decile_precision <= 1
    assert set(run.importances) == set(churn.pipeline.FEATURES)
    again_model, again = churn._train_and_evaluate(END)
    assert (again.auc, again.top_decile_precision) == (run.auc, run.top_decile_precision)
    now = churn.features_on(END)
    assert np.array_equal(model.predict_proba(now.values), again_model.predict_proba(now.values))
    result = churn.churn_refresh(day=END)
    stored = ChurnModelRun.objects.get(day=END)
    assert stored.auc == pytest.approx(run.auc)
    assert result.customers == ChurnRisk.objects.unrestricted().filter(day=END).count()
    probabilities = ChurnRisk.objects.unrestricted().filter(day=END, probability__isnull=False)
    assert probabilities.count() == result.customers
    json.dumps(stored.importances)
