"""The redeem form after the browser's Back (issue #28): the page is re-fetched (pages
are not stored), and the form it shows is the one already used, so confirming it again
redeems nothing; and the redeem page of a customer out of scope is 404, as everywhere."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kewei.points import selectors
from kewei.points.models import EntryKind, PointsEntry, Redemption
from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn, gift
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    bank = small_bank()
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "e1")
    return bank


def _form_key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)


def test_back_then_confirm_again_redeems_once(bank, client):
    # given the counter opens the form and redeems one gift
    item = gift(stock=5)
    client.force_login(bank.head_a1)
    url = reverse("points:redeem", args=[bank.customer_a1.pk])
    key = _form_key(client.get(url).content.decode())
    done = client.post(url, {"gift": item.pk, "quantity": "1", "idempotency_key": key})
    client.get(done["Location"])
    redemption = Redemption.objects.get()
    # when the browser goes Back (the page is fetched again) and 确认兑换 is pressed again
    back = client.get(url).content.decode()
    again = client.post(url, {"gift": item.pk, "quantity": "1", "idempotency_key": _form_key(back)})
    # then the page said the form was used, and nothing more is redeemed or deducted
    assert _form_key(back) == key
    assert f"此兑换表单已办理兑换（单号 {redemption.number}）" in back
    assert again.status_code == 302
    shown = client.get(again["Location"]).content.decode()
    assert f"此兑换已办理：单号 {redemption.number}，未重复扣减积分。" in shown
    assert Redemption.objects.count() == 1
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 1
    assert selectors.points_balance(bank.customer_a1) == 110


def test_a_new_redemption_starts_from_the_pages_button(bank, client):
    # given one redemption made from the form
    item = gift(stock=5)
    client.force_login(bank.head_a1)
    url = reverse("points:redeem", args=[bank.customer_a1.pk])
    first_key = _form_key(client.get(url).content.decode())
    client.post(url, {"gift": item.pk, "quantity": "1", "idempotency_key": first_key})
    # when the counter asks for a new redemption and redeems again
    fresh = client.post(url, {"new": "1"})
    page = client.get(fresh["Location"]).content.decode()
    second_key = _form_key(page)
    client.post(url, {"gift": item.pk, "quantity": "1", "idempotency_key": second_key})
    # then
    assert fresh.status_code == 302 and fresh["Location"] == url
    assert second_key != first_key
    assert "此兑换表单已办理兑换" not in page
    assert Redemption.objects.count() == 2
    assert selectors.points_balance(bank.customer_a1) == 70
    # and Back to the second form shows it used, with its own key
    assert _form_key(client.get(url).content.decode()) == second_key


def test_the_redeem_page_of_a_customer_out_of_scope_is_404_whatever_the_role(bank, client):
    # given a customer manager of outlet B1, who may not redeem at all
    client.force_login(bank.manager_b1)
    url = reverse("points:redeem", args=[bank.customer_a1.pk])
    # when
    response = client.get(url)
    posted = client.post(url, {"gift": "1", "quantity": "1", "idempotency_key": "k"})
    # then out of scope reads as not found, like every other page
    assert (response.status_code, posted.status_code) == (404, 404)
    assert not Redemption.objects.exists()
    # while a customer in scope, without the permission, is still refused as such
    client.force_login(bank.manager_a1)
    assert client.get(url).status_code == 403
