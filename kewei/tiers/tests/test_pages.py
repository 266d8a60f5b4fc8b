"""The tiers pages: tuning a tier, the "to assign" list with its balanced suggestion,
and the customer page's tier panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kewei.audit.models import AuditEvent
from kewei.customers.models import Customer, CustomerAssets
from kewei.organisation.roles import Role
from kewei.testing.factories import customer, small_bank, staff
from kewei.tiers.models import Tier, TierChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    return small_bank()


def vip(bank, name, aum):
    person = customer(department=bank.outlet_a1, name=name)
    Customer.objects.unrestricted().filter(pk=person.pk).update(tier="vip")
    CustomerAssets.objects.unrestricted().filter(customer=person).update(aum=Decimal(aum))
    return person


def test_a_tier_bound_out_of_order_is_refused_on_the_form(client, bank):
    # given
    client.force_login(bank.retail_a)
    tier = Tier.objects.get(code="vip")
    url = reverse("tiers:tier_update", args=[tier.pk])
    form = {"name": "贵宾客户", "responsible_role": "customer_manager", "requires_manager": "on"}
    # when: the VIP bound is put above the major customers' bound
    refused = client.post(url, {**form, "min_aum_wan": "300"})
    # then
    assert refused.status_code == 200
    assert "资产下限须高于下一级、低于上一级的下限" in refused.content.decode()
    assert Tier.objects.get(pk=tier.pk).min_aum == Decimal("500000")
    # when: a bound in order
    saved = client.post(url, {**form, "min_aum_wan": "60", "contact_interval_days": "45"})
    # then
    assert saved.status_code == 302
    tier.refresh_from_db()
    assert (tier.min_aum, tier.contact_interval_days) == (Decimal("600000"), 45)


def test_the_outlet_head_assigns_waiting_customers_with_a_balanced_suggestion(client, bank):
    # given: three VIPs without a manager; manager_a1 already looks after 80万
    second = staff(department=bank.outlet_a1, roles=(Role.CUSTOMER_MANAGER,), username="cm2")
    CustomerAssets.objects.unrestricted().filter(customer=bank.customer_a1).update(
        aum=Decimal("800000")
    )
    big = vip(bank, "甲", "900000")
    middle = vip(bank, "乙", "600000")
    small = vip(bank, "丙", "550000")
    client.force_login(bank.head_a1)
    form = {
        "customers": [big.pk, middle.pk, small.pk],
        "managers": [bank.manager_a1.pk, second.pk],
    }
    # when: the suggestion is asked for
    page = client.post(reverse("tiers:to_assign"), form)
    # then: nothing is assigned yet; largest first to the smaller book
    assert page.status_code == 200
    plan = [(c.pk, m.pk) for c, m in page.context["plan"]]
    assert plan == [
        (big.pk, second.pk),  # cm2: 0 → 90万
        (middle.pk, bank.manager_a1.pk),  # manager_a1: 80万 → 140万
        (small.pk, second.pk),  # cm2: 90万 → 145万
    ]
    assert Customer.objects.unrestricted().filter(pk=big.pk, responsible_manager=None).exists()
    # when: confirmed
    done = client.post(reverse("tiers:to_assign"), {**form, "confirm": "1"})
    # then
    assert done.status_code == 302
    managers = dict(
        Customer.objects.unrestricted()
        .filter(pk__in=[big.pk, middle.pk, small.pk])
        .values_list("pk", "responsible_manager")
    )
    assert managers == {big.pk: second.pk, middle.pk: bank.manager_a1.pk, small.pk: second.pk}
    assert AuditEvent.objects.filter(action="customers.customer.assign_many").count() == 1
    assert list(client.get(reverse("tiers:to_assign")).context["page"]) == []


def test_the_customer_page_shows_the_tier_and_its_changes(client, bank):
    # given
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="vip")
    from kewei.tiers.models import TierScheme

    TierChange.objects.unrestricted().create(
        customer=bank.customer_a1,
        evaluated_on=dt.date(2026, 10, 31),
        old_tier="potential",
        new_tier="vip",
        direction="up",
        measure=52_000_000,
        scheme=TierScheme.objects.get(in_force=True),
    )
    client.force_login(bank.manager_a1)
    # when
    html = client.get(bank.customer_a1.get_absolute_url()).content.decode()
    # then
    assert "贵宾客户" in html
    assert "潜力客户" in html
    assert "52.00 万元" in html


def test_a_three_band_scheme_is_made_from_a_copy_and_put_in_force(client, bank):
    """Deposit bands (DOMAIN §3: 10–20万 quality, 20–30万 key, ≥30万 VIP) from the default."""
    from kewei.tiers.models import TierScheme
    from kewei.tiers.services import scheme_copy

    # given: a copy of the five tiers
    copy = scheme_copy(actor=None, scheme=TierScheme.objects.get(in_force=True))
    client.force_login(bank.retail_a)
    # when: its tiers are replaced by three bands
    for tier in list(copy.tiers.all()):
        client.post(reverse("tiers:tier_delete", args=[tier.pk]))
    for code, name, wan in [
        ("key", "重点客户", "20"),
        ("quality", "优质客户", "10"),
        ("dvip", "VIP", "30"),
    ]:
        response = client.post(
            reverse("tiers:tier_create", args=[copy.pk]),
            {
                "code": code,
                "name": name,
                "min_aum_wan": wan,
                "responsible_role": "customer_manager",
            },
        )
        assert response.status_code == 302
    # then: the last tier of the copy could not go; the new ones rank by their bounds
    ranked = list(copy.tiers.order_by("rank").values_list("code", flat=True))
    assert ranked == ["quality", "key", "dvip", "major"]
    client.post(reverse("tiers:tier_delete", args=[copy.tiers.get(code="major").pk]))
    assert list(copy.tiers.order_by("rank").values_list("code", "rank")) == [
        ("quality", 1),
        ("key", 2),
        ("dvip", 3),
    ]
    # and: the scheme in force cannot lose a tier
    in_force = Tier.objects.get(scheme__in_force=True, code="small")
    client.post(reverse("tiers:tier_delete", args=[in_force.pk]))
    assert Tier.objects.filter(pk=in_force.pk).exists()
