"""The nightly batches started twice at the same moment on PostgreSQL (a cron job and an
operator's retry): each occasion still makes one task, each change one event."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from kewei.care.models import CareRule, Task
from kewei.care.services import care_run
from kewei.customers.models import Customer
from kewei.organisation.roles import Role
from kewei.products.models import AssetsMonth, FeedDay
from kewei.testing.factories import customer, resident_id, small_bank
from kewei.tiers.models import TierChange, TierRun, TierScheme
from kewei.tiers.services import TierData, scheme_create, tiers_evaluate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4


def _race(work):
    """``work()`` in several threads released together; their results."""
    start = threading.Barrier(THREADS)

    def run(_index):
        try:
            start.wait()
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def test_the_same_night_run_four_times_at_once_makes_each_task_once():
    # given: twenty customers born on 1 December (a transactional test starts empty,
    # so the rule is made here)
    bank = small_bank()
    CareRule.objects.update_or_create(
        code="BIRTHDAY",
        defaults={
            "name": "客户生日",
            "trigger": "date",
            "source": "customer.birthday",
            "lead_days": 3,
            "tiers": [],
            "enabled": True,
        },
    )
    CareRule.objects.exclude(code="BIRTHDAY").update(enabled=False)
    for number in range(20):
        customer(
            department=bank.outlet_a1,
            manager=bank.manager_a1,
            name=f"客户{number}",
            id_number=resident_id("19801201"),
        )
    night = dt.date(2026, 11, 27)
    # when
    made = _race(lambda: care_run(day=night).total)
    # then: every run finished, and between them they made twenty tasks
    assert sum(made) == 20
    assert sorted(made)[:-1] == [0] * (THREADS - 1)
    assert Task.objects.unrestricted().count() == 20


def test_the_same_evaluation_run_four_times_at_once_records_each_change_once():
    bank = small_bank()
    TierScheme.objects.all().delete()  # the migrations' scheme, when the database has it
    scheme_create(
        actor=None,
        code="standard",
        name="五级",
        measure="month_average",
        basis="customer",
        grace_months=2,
        in_force=True,
        tiers=[
            TierData("small", "小客户", Decimal("1000"), Role.HIGH_COUNTER_TELLER),
            TierData("vip", "贵宾客户", Decimal("500000"), Role.CUSTOMER_MANAGER, True),
        ],
    )
    for person, average in [(bank.customer_a1, 60_000_000), (bank.customer_b1, 200_000)]:
        AssetsMonth.objects.unrestricted().create(
            customer=person,
            month=dt.date(2026, 10, 1),
            as_of=dt.date(2026, 10, 31),
            days=31,
            aum_average=average,
            aum_end=average,
            loan_average=0,
            loan_end=0,
        )
    FeedDay.objects.create(day=dt.date(2026, 10, 31), manifest_sha256="0" * 64)
    # when
    results = _race(lambda: tiers_evaluate(day=dt.date(2026, 10, 31)).upgrades)
    # then
    assert sorted(results) == [0, 0, 0, 2]
    assert TierChange.objects.unrestricted().count() == 2
    assert TierRun.objects.count() == 1  # the others found the day evaluated
    tiers = dict(Customer.objects.unrestricted().values_list("pk", "tier"))
    assert tiers[bank.customer_a1.pk] == "vip" and tiers[bank.customer_b1.pk] == "small"
