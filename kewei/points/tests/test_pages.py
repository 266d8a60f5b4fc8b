"""The pages of the points: rules kept by the retail banking department, a customer's
statement and its export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from kewei.audit.models import AuditEvent
from kewei.jobs.models import JobRun
from kewei.points.models import EarningRule, EntryKind, PointsEntry, PointsPolicy
from kewei.testing.factories import product, small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    bank = small_bank()
    product("T1Y", "time_deposit", term_days=365)
    return bank


def test_a_rule_and_its_new_version_through_the_pages(bank, client):
    client.force_login(bank.retail_a)
    # when a rule is created
    response = client.post(
        reverse("points:rule_create"),
        {
            "code": "td",
            "name": "定期存款日均积分",
            "kind": "balance",
            "points": "1",
            "category": "time_deposit",
            "effective_from": "2026-12-01",
        },
    )
    assert response.status_code == 302
    first = EarningRule.objects.get()
    assert (first.code, first.points, first.effective_to) == ("TD", Decimal("1"), None)
    # then the form for a new version starts from it
    page = client.get(reverse("points:rule_create") + f"?from={first.pk}").content.decode()
    assert 'value="TD"' in page and 'value="定期存款日均积分"' in page
    # when the new version starts in January, the first ends then
    client.post(
        reverse("points:rule_create"),
        {
            "code": "TD",
            "name": "定期存款日均积分",
            "kind": "balance",
            "points": "1.5",
            "category": "time_deposit",
            "effective_from": "2027-01-01",
        },
    )
    first.refresh_from_db()
    assert first.effective_to == dt.date(2027, 1, 1)
    assert EarningRule.objects.filter(code="TD").count() == 2
    listing = client.get(reverse("points:rule_list")).content.decode()
    assert "2027-01-01" in listing and "1.5" in listing
    assert AuditEvent.objects.filter(action="points.rule.create").count() == 2


def test_a_rule_without_its_kinds_fields_is_refused_on_the_form(bank, client):
    client.force_login(bank.retail_a)
    response = client.post(
        reverse("points:rule_create"),
        {
            "code": "CC",
            "name": "信用卡消费积分",
            "kind": "spending",
            "points": "1",
            "category": "credit_card",
            "effective_from": "2026-12-01",
        },
    )
    assert response.status_code == 200
    assert "消费积分须填写每多少元" in response.content.decode()
    assert not EarningRule.objects.exists()


def test_policy_form_sets_each_tiers_multiplier_by_its_name(bank, client):
    client.force_login(bank.retail_a)
    url = reverse("points:policy_create")
    # the form names the tiers of the scheme in force, not their codes
    page = client.get(url).content.decode()
    assert "等级倍数：贵宾客户" in page and "等级倍数：大客户" in page
    assert "等级代码" not in page
    bad = client.post(
        url, {"effective_from": "2027-01-01", "expiry_years": "1", "multiplier_vip": "-1"}
    )
    assert bad.status_code == 200
    assert not PointsPolicy.objects.exists()
    client.post(
        url,
        {
            "effective_from": "2027-01-01",
            "expiry_years": "2",
            "monthly_cap": "5000",
            "multiplier_vip": "1.2",
            "multiplier_major": "1.5",
            "multiplier_small": "",
        },
    )
    policy = PointsPolicy.objects.get()
    assert policy.tier_multipliers == {"vip": "1.2", "major": "1.5"}
    assert (policy.monthly_cap, policy.expiry_years) == (5000, 2)


def test_policy_form_starts_from_the_policy_in_force_and_keeps_a_tier_gone(bank):
    from kewei.points.forms import PolicyForm

    form = PolicyForm(initial={"tier_multipliers": {"vip": "1.2", "gold": "2"}})
    assert form.fields["multiplier_vip"].initial == "1.2"
    assert (
        str(form.fields["multiplier_gold"].label) == "等级倍数：gold（现行分级方案中已没有此等级）"
    )
    assert form.fields["multiplier_small"].initial is None


def _entries(customer):
    for number, (day, kind, points) in enumerate(
        [
            (dt.date(2026, 10, 5), EntryKind.EARN, 120),
            (dt.date(2026, 11, 2), EntryKind.EARN, 80),
            (dt.date(2026, 11, 20), EntryKind.ADJUST, 15),
        ]
    ):
        PointsEntry.objects.create(
            customer=customer,
            kind=kind,
            points=points,
            occurred_on=day,
            reason=f"原因{number}",
            idempotency_key=f"test:{number}",
        )


def test_statement_filters_by_date_and_kind_and_exports(
    bank, client, django_capture_on_commit_callbacks
):
    _entries(bank.customer_a1)
    client.force_login(bank.manager_a1)
    url = reverse("points:statement", args=[bank.customer_a1.pk])
    page = client.get(url, {"start": "2026-11-01", "kind": "earn"}).content.decode()
    assert "原因1" in page and "原因0" not in page and "原因2" not in page
    # when exported with the same filters
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("points:statement_export", args=[bank.customer_a1.pk]),
            {"start": "2026-11-01", "end": "", "kind": ""},
        )
    assert response.status_code == 302
    run = JobRun.objects.get(kind="points.statement")
    sheet = load_workbook(settings.MEDIA_ROOT / run.result_file).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["原因2", "原因1"]
    assert AuditEvent.objects.filter(action="points.statement.export").exists()


def test_the_rule_list_names_the_tiers_of_the_multipliers(bank, client):
    import datetime as dt

    from django.utils import timezone

    from kewei.points.services import policy_set

    # given a policy in force with a multiplier for 贵宾客户
    policy_set(
        actor=bank.retail_a,
        effective_from=timezone.localdate() - dt.timedelta(days=1),
        monthly_cap=None,
        expiry_years=1,
        tier_multipliers={"vip": "1.2"},
    )
    client.force_login(bank.retail_a)
    # when
    page = client.get(reverse("points:rule_list")).content.decode()
    # then
    assert "贵宾客户 ×1.2" in page
    assert "vip ×" not in page
