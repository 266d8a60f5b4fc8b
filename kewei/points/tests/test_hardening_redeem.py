"""Redemption at the counter, hardened: a gift for other outlets is refused whatever the
counter's data scope shows, a form key sent again with another request redeems nothing,
and a bad adjustment id is bad input (400), not a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kewei.points import selectors
from kewei.points.models import Adjustment, AdjustmentStatus, EntryKind, PointsEntry, Redemption
from kewei.points.redemptions import RedemptionError, adjustment_propose, points_redeem
from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn, gift
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    bank = small_bank()
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "e1")
    earn(bank.customer_a1_free, 150, NEXT_YEAR_END, "e2")
    return bank


def _redeem_page(client, customer, **form):
    return client.post(reverse("points:redeem", args=[customer.pk]), form)


@pytest.mark.parametrize("counter", ["teller_a1", "head_a1"])
def test_a_gift_for_another_outlet_is_refused_at_the_counter(bank, client, counter):
    # given a gift to be collected at outlet A2 only, and a counter of outlet A1 (the
    # teller's scope shows no departments, the outlet head's only outlet A1)
    item = gift(stock=5)
    item.outlets.set([bank.outlet_a2])
    client.force_login(getattr(bank, counter))
    # when
    response = _redeem_page(
        client, bank.customer_a1, gift=item.pk, quantity="1", idempotency_key="form-1"
    )
    # then
    assert response.status_code == 200
    assert "该礼品不能在此网点领取。" in response.content.decode()
    assert not Redemption.objects.exists()
    assert selectors.points_balance(bank.customer_a1) == 150
    item.refresh_from_db()
    assert item.stock == 5


def test_a_redemption_is_handed_out_only_at_an_outlet_within_reach(bank):
    # given
    item = gift(stock=5)
    # when the outlet head of A1 names outlet A2, or the sub-branch above them
    refusals = []
    for place in (bank.outlet_a2, bank.sub_branch_a):
        with pytest.raises(RedemptionError) as refused:
            points_redeem(
                actor=bank.head_a1,
                customer=bank.customer_a1,
                gift=item,
                quantity=1,
                outlet=place,
                idempotency_key=f"k-{place.code}",
            )
        refusals.append(refused.value.message_dict["outlet"])
    # then
    assert refusals == [["网点 110102 不在您所属机构的范围内。"], ["领取机构须为启用中的网点。"]]
    assert not Redemption.objects.exists()
    assert selectors.points_balance(bank.customer_a1) == 150


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": "2"},
        {"gift": "other"},
        {"customer": "other"},
    ],
)
def test_a_used_form_key_sent_with_another_request_redeems_nothing(bank, client, change):
    # given a redemption made with form key form-1
    item = gift(stock=5)
    other = gift(stock=5, code="G2", name="茶具", points_price=30)
    client.force_login(bank.head_a1)
    first = _redeem_page(
        client, bank.customer_a1, gift=item.pk, quantity="1", idempotency_key="form-1"
    )
    assert first.status_code == 302
    client.get(first["Location"])  # its success message shown
    redemption = Redemption.objects.get()
    # when the same form key comes again with another quantity, gift or customer
    customer = bank.customer_a1_free if change.get("customer") else bank.customer_a1
    form = {"gift": other.pk if change.get("gift") else item.pk, "quantity": "1"}
    form["quantity"] = change.get("quantity", "1")
    response = _redeem_page(client, customer, idempotency_key="form-1", **form)
    # then it is refused, says why, and nothing more is redeemed
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        f"此兑换单已用于另一笔兑换（单号 {redemption.number}），本次未兑换；"
        "请重新打开兑换页面填写。"
    ) in page
    assert "兑换成功" not in page
    assert Redemption.objects.count() == 1
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 1
    assert selectors.points_balance(bank.customer_a1) == 110
    assert selectors.points_balance(bank.customer_a1_free) == 150
    item.refresh_from_db()
    other.refresh_from_db()
    assert (item.stock, other.stock) == (4, 5)
    # and the first form sent again still answers with its redemption, once
    replayed = _redeem_page(
        client, bank.customer_a1, gift=item.pk, quantity="1", idempotency_key="form-1"
    )
    assert replayed.status_code == 302
    shown = client.get(replayed["Location"]).content.decode()
    assert f"此兑换已办理：单号 {redemption.number}，未重复扣减积分。" in shown
    assert Redemption.objects.count() == 1
    assert selectors.points_balance(bank.customer_a1) == 110


@pytest.mark.parametrize("given", ["abc", "1; DROP", "１２", "1.5"])
def test_a_non_numeric_adjustment_id_is_bad_input(bank, client, given):
    # given a proposed adjustment
    adjustment = adjustment_propose(
        actor=bank.manager_a1, customer=bank.customer_a1, points=20, reason="补偿"
    )
    client.force_login(bank.head_a1)
    # when the decision names no number
    response = client.post(
        reverse("points:adjustment_list"), {"adjustment": given, "decision": "approve"}
    )
    # then
    assert response.status_code == 400
    assert "参数 adjustment 应为整数。" in response.content.decode()
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PROPOSED
    assert Adjustment.objects.count() == 1
    assert selectors.points_balance(bank.customer_a1) == 150
