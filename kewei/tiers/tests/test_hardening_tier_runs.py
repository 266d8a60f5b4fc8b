"""A finished evaluation run again (``run_daily`` re-run after a failure) records
nothing new: one run a scheme and day, each change once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from kewei.audit.models import AuditEvent
from kewei.tiers.models import TierChange, TierRun, TierScheme, VipCard
from kewei.tiers.services import tiers_evaluate
from kewei.tiers.tests.test_evaluation import OCTOBER_END, loaded, month_average

pytestmark = pytest.mark.django_db

NOVEMBER_FIRST = dt.date(2026, 11, 1)


@pytest.fixture
def evaluated(bank):
    # given a day evaluated once: two upgrades, one into VIP
    month_average(bank.customer_a1, dt.date(2026, 10, 1), "800000")
    month_average(bank.customer_b1, dt.date(2026, 10, 1), "60000")
    loaded(OCTOBER_END, NOVEMBER_FIRST)
    first = tiers_evaluate(day=NOVEMBER_FIRST)
    assert (first.upgrades, first.already_done) == (2, False)
    return first


def _recorded():
    return (
        list(TierRun.objects.values_list("day", "upgrades", "downgrades", "evaluated")),
        TierChange.objects.unrestricted().count(),
        VipCard.objects.unrestricted().count(),
        AuditEvent.objects.filter(action="tiers.evaluate").count(),
    )


def test_evaluating_a_finished_day_again_records_nothing(evaluated):
    before = _recorded()
    # when
    again = tiers_evaluate(day=NOVEMBER_FIRST)
    # then
    assert (again.upgrades, again.downgrades, again.already_done) == (0, 0, True)
    assert _recorded() == before
    assert before[0] == [(NOVEMBER_FIRST, 2, 0, 3)]
    assert before[1:] == (2, 1, 1)


def test_run_daily_again_adds_no_second_run(evaluated):
    # given the first night's run_daily evaluated the day (the fixture); the step
    # reports when run again
    before = _recorded()
    out = StringIO()
    # when the night is run again, twice
    call_command("run_daily", "--date", NOVEMBER_FIRST.isoformat(), stdout=out)
    call_command("run_daily", "--date", NOVEMBER_FIRST.isoformat(), stdout=out)
    # then
    assert out.getvalue().count(f"{NOVEMBER_FIRST} tiers.evaluate: 已评级 / already evaluated") == 2
    assert _recorded() == before


def test_the_database_keeps_one_run_a_scheme_and_day(evaluated):
    scheme = TierScheme.objects.get(in_force=True)
    with pytest.raises(IntegrityError):
        TierRun.objects.create(scheme=scheme, day=NOVEMBER_FIRST)
