"""Tier names are the bank's data: the English page shows a tier's English name, the
default scheme's tiers come with theirs, and a tier without one keeps its Chinese name."""

from __future__ import annotations

import pytest
from django.utils import translation

from kewei.tiers.models import Tier
from kewei.tiers.selectors import tier_names

pytestmark = pytest.mark.django_db


def test_the_default_tiers_have_english_names():
    with translation.override("en"):
        assert tier_names() == {
            "small": "Small",
            "ordinary": "Ordinary",
            "potential": "Potential",
            "vip": "VIP",
            "major": "Major",
        }
    with translation.override("zh-hans"):
        assert tier_names()["vip"] == "贵宾客户"


def test_a_tier_without_an_english_name_keeps_its_chinese_one():
    Tier.objects.filter(code="major").update(name_en="")
    with translation.override("en"):
        assert tier_names()["major"] == "大客户"


def test_the_english_customer_page_names_the_tier(client, bank):
    # given
    from kewei.customers.models import Customer

    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="vip")
    client.force_login(bank.manager_a1)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    # when
    page = client.get(bank.customer_a1.get_absolute_url()).content.decode()
    # then
    assert 'lang="en"' in page
    assert "VIP" in page and "贵宾客户" not in page
