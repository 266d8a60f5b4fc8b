"""The gift catalogue, redemption at the counter and adjustments, through the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kewei.points import selectors
from kewei.points.models import Adjustment, AdjustmentStatus, Gift, Redemption, RedemptionStatus
from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    bank = small_bank()
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "e1")
    return bank


def test_a_gift_from_catalogue_to_counter_and_back(bank, client):
    # given the retail banking department adds a gift with a picture and 3 in stock,
    # and receives 2 more
    client.force_login(bank.retail_a)
    picture = SimpleUploadedFile("cup.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    response = client.post(
        reverse("points:gift_create"),
        {
            "code": "g1",
            "name": "保温杯",
            "points_price": "40",
            "cash_price": "0",
            "opening_stock": "3",
            "picture": picture,
        },
    )
    gift = Gift.objects.get()
    assert response.status_code == 302 and gift.code == "G1" and gift.picture
    client.post(
        reverse("points:gift_detail", args=[gift.pk]),
        {"kind": "receipt", "quantity": "2", "reason": "第二批"},
    )
    gift.refresh_from_db()
    assert gift.stock == 5
    assert client.get(reverse("points:gift_picture", args=[gift.pk])).status_code == 200
    # when the outlet head redeems 2 at the counter, and the form is sent twice
    client.force_login(bank.head_a1)
    url = reverse("points:redeem", args=[bank.customer_a1.pk])
    page = client.get(url).content.decode()
    assert "可用积分：<strong>150</strong>" in page
    form = {"gift": gift.pk, "quantity": "2", "idempotency_key": "form-1"}
    first = client.post(url, form)
    client.post(url, form)
    # then one redemption of 80 points
    assert first.status_code == 302
    redemption = Redemption.objects.get()
    assert (redemption.points, redemption.outlet_id) == (80, bank.outlet_a1.pk)
    assert selectors.points_balance(bank.customer_a1) == 70
    listing = client.get(reverse("points:redemption_list")).content.decode()
    assert redemption.number in listing
    # when it is cancelled before delivery
    client.post(reverse("points:redemption_cancel", args=[redemption.pk]), {"reason": "换礼品"})
    redemption.refresh_from_db()
    gift.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED
    assert (gift.stock, selectors.points_balance(bank.customer_a1)) == (5, 150)


def test_a_refused_redemption_says_why_on_the_form(bank, client):
    gift = Gift.objects.create(code="G9", name="茶具", points_price=500, stock=3)
    client.force_login(bank.head_a1)
    response = client.post(
        reverse("points:redeem", args=[bank.customer_a1.pk]),
        {"gift": gift.pk, "quantity": "1", "idempotency_key": "form-9"},
    )
    assert response.status_code == 200
    assert "积分不足：需要 500 积分，可用 150 积分" in response.content.decode()
    assert not Redemption.objects.exists()


def test_an_adjustment_proposed_by_one_approved_by_another(bank, client):
    client.force_login(bank.manager_a1)
    client.post(
        reverse("points:adjustment_propose", args=[bank.customer_a1.pk]),
        {"points": "30", "reason": "活动补发"},
    )
    adjustment = Adjustment.objects.get()
    assert selectors.points_balance(bank.customer_a1) == 150
    client.force_login(bank.head_a1)
    page = client.get(reverse("points:adjustment_list")).content.decode()
    assert "活动补发" in page
    client.post(
        reverse("points:adjustment_list"),
        {"adjustment": adjustment.pk, "decision": "approve", "note": "核实无误"},
    )
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPROVED
    assert selectors.points_balance(bank.customer_a1) == 180
