"""The complaint form finds the customer by name, mobile or ID number the way the customer
search does, within the user's scope and masked, and fills the customer number in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kewei.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def lookup(client, **params):
    return client.get(reverse("complaints:customer_lookup"), params)


def test_the_form_offers_a_customer_search_box(client, bank):
    client.force_login(bank.teller_a1)
    page = client.get(reverse("complaints:complaint_create")).content.decode()
    assert 'data-testid="customer-lookup"' in page
    assert f'hx-get="{reverse("complaints:customer_lookup")}"' in page
    assert 'name="customer_number"' in page


def test_find_by_name_mobile_or_id_number_masked(client, bank):
    # given
    client.force_login(bank.teller_a1)
    a1 = bank.customer_a1
    # when / then: by name, by full mobile and by ID number
    for text in ("张三", a1.mobile, a1.id_number):
        page = lookup(client, customer_q=text).content.decode()
        assert page.count('data-testid="customer-pick"') == 1, text
        assert a1.customer_number in page and a1.masked_mobile in page
        assert a1.mobile not in page and a1.id_number not in page


def test_customers_outside_the_scope_are_not_found(client, bank):
    # 王五 is in 陆家嘴: not for a teller of 中关村
    client.force_login(bank.teller_a1)
    page = lookup(client, customer_q="王五").content.decode()
    assert 'data-testid="customer-pick"' not in page
    assert "没有找到您有权查看的客户。" in page
    assert lookup(client, pick=bank.customer_b1.pk).status_code == 404


def test_picking_fills_the_customer_number_and_the_complaint_is_recorded(client, bank):
    # given
    client.force_login(bank.teller_a1)
    # when
    box = lookup(client, pick=bank.customer_a1.pk).content.decode()
    # then
    assert f'name="customer_number" value="{bank.customer_a1.customer_number}"' in box
    assert 'data-testid="customer-chosen"' in box and "张三" in box
    response = client.post(
        reverse("complaints:complaint_create"),
        {
            "customer_q": "张三",
            "customer_number": bank.customer_a1.customer_number,
            "channel": "counter",
            "category": "fees",
            "severity": "normal",
            "description": "年费扣收未提前告知",
        },
    )
    assert response.status_code == 302
    assert Complaint.objects.unrestricted().get().customer == bank.customer_a1


def test_an_empty_box_lists_nothing(client, bank):
    client.force_login(bank.teller_a1)
    assert lookup(client, customer_q="  ").content.decode().strip() == ""
