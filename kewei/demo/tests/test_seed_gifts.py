"""The demo bank's gift catalogue (issue #28): gifts in stock through their opening
receipts, some for certain tiers or outlets, and redemptions at the customers' outlets
whose receipts print; seeding again adds nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kewei.points.models import Gift, Redemption, RedemptionStatus, StockKind, StockMovement
from kewei.points.services import points_verify


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", customers=30, days=40, seed=5, no_progress=True, stdout=out)
    return out.getvalue()


def test_the_demo_has_gifts_in_stock_and_a_redemption_with_a_receipt(db):
    # when
    output = _seed()
    # then a catalogue in stock, each gift's stock starting with its opening receipt
    assert "gifts.gifts=14" in output and "gifts.gifts_created=14" in output
    gifts = Gift.objects.order_by("points_price")
    assert gifts.filter(stock__gt=0).count() == 13
    for gift in gifts.exclude(code="GF-TEA"):
        first = StockMovement.objects.filter(gift=gift).order_by("id").first()
        assert (first.kind, first.reason) == (StockKind.RECEIPT, "期初库存")
    assert Gift.objects.get(code="GF-CHECK").tiers == ["vip", "major"]
    assert Gift.objects.get(code="GF-PARK").outlets.count() == 4
    # and redemptions at the customers' outlets, by their counter staff
    redemptions = list(
        Redemption.objects.unrestricted().select_related("customer", "created_by", "outlet")
    )
    assert "gifts.redemptions=6" in output and len(redemptions) == 6
    for redemption in redemptions:
        assert redemption.outlet_id == redemption.customer.department_id
        assert redemption.created_by.department_id == redemption.outlet_id
        assert redemption.balance_after is not None
    assert {r.status for r in redemptions} == set(RedemptionStatus.values)
    assert points_verify() == []
    # whose receipt prints for the outlet's counter
    redemption = redemptions[0]
    client = Client()
    client.force_login(redemption.created_by)
    page = client.get(reverse("points:redemption_receipt", args=[redemption.pk]))
    assert page.status_code == 200
    assert redemption.number in page.content.decode()


def test_seeding_again_adds_no_gift_and_no_redemption(db):
    # given
    _seed()
    stock = dict(Gift.objects.values_list("code", "stock"))
    # when
    output = _seed()
    # then
    assert "gifts.gifts_created=0" in output and "gifts.redemptions=0" in output
    assert Redemption.objects.unrestricted().count() == 6
    assert dict(Gift.objects.values_list("code", "stock")) == stock
