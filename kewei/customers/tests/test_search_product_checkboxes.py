"""The search's product filters (持有产品 / 未持有产品) are checkbox groups, not 3-row
Ctrl-click boxes, under the same parameter names: links and saved searches keep
working, and what was chosen is ticked again."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kewei.customers.models import SavedSearch

pytestmark = pytest.mark.django_db


def _group(html: str, name: str) -> str:
    match = re.search(
        rf'<details class="checkgroup" data-testid="filter-{name}"[^>]*>.*?</details>', html, re.S
    )
    assert match, name
    return match.group(0)


def _ticked(group: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="\w+" value="(\w+)" checked>', group)


def test_the_product_filters_are_folded_checkboxes_when_nothing_is_chosen(client, bank):
    # given
    client.force_login(bank.head_a1)
    # when
    html = client.get(reverse("customers:customer_search")).content.decode()
    # then
    assert '<select name="holds"' not in html
    assert '<select name="lacks"' not in html
    for name in ("holds", "lacks"):
        group = _group(html, name)
        assert group.startswith(f'<details class="checkgroup" data-testid="filter-{name}">')
        assert group.count(f'<input type="checkbox" name="{name}" value="') == 16
        assert '<input type="checkbox" name="' + name + '" value="fund"> 基金</label>' in group
        assert _ticked(group) == []
        assert '<span class="checkgroup-chosen">不限</span>' in group


def test_the_chosen_products_are_ticked_and_the_group_open(client, bank):
    # given
    client.force_login(bank.head_a1)
    # when: a link with the parameters repeated, as the multiple select made them
    html = client.get(
        reverse("customers:customer_search"),
        {"holds": ["fund", "wealth"], "lacks": "mortgage"},
    ).content.decode()
    # then
    holds, lacks = _group(html, "holds"), _group(html, "lacks")
    assert holds.startswith('<details class="checkgroup" data-testid="filter-holds" open>')
    assert _ticked(holds) == ["wealth", "fund"]  # in the catalogue's order
    assert _ticked(lacks) == ["mortgage"]
    assert '<span class="tag">理财产品</span> <span class="tag">基金</span>' in holds


def test_a_reopened_saved_search_ticks_both_products(client, bank):
    # given
    client.force_login(bank.head_a1)
    client.post(
        reverse("customers:saved_search_create"), {"name": "双产品", "holds": ["fund", "wealth"]}
    )
    saved = SavedSearch.objects.unrestricted().get()
    # when
    opened = client.get(reverse("customers:saved_search_open", args=[saved.pk]))
    html = client.get(opened["Location"]).content.decode()
    # then
    assert _ticked(_group(html, "holds")) == ["wealth", "fund"]
    assert _ticked(_group(html, "lacks")) == []
