"""Gifts, redemption at the counter, cancellation and maker–checker adjustments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kewei.points import selectors
from kewei.points.models import (
    EntryKind,
    Gift,
    PointsAccount,
    PointsEntry,
    PointsLot,
    Redemption,
    RedemptionStatus,
    StockKind,
    StockMovement,
)
from kewei.points.redemptions import (
    GiftData,
    RedemptionError,
    adjustment_decide,
    adjustment_propose,
    gift_create,
    gift_stock_move,
    points_redeem,
    redemption_cancel,
    redemption_deliver,
)
from kewei.points.services import points_verify
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEXT_YEAR_END = dt.date(TODAY.year + 1, 12, 31)
THIS_YEAR_END = dt.date(TODAY.year, 12, 31)


def earn(customer, points, expires_on, key):
    """Points as the accrual awards them: an entry, its lot and the balance."""
    PointsEntry.objects.create(
        customer=customer,
        kind=EntryKind.EARN,
        points=points,
        occurred_on=TODAY,
        expires_on=expires_on,
        reason="测试",
        idempotency_key=key,
    )
    lot, _ = PointsLot.objects.get_or_create(customer=customer, expires_on=expires_on)
    lot.earned += points
    lot.remaining += points
    lot.save()
    account, _ = PointsAccount.objects.get_or_create(customer=customer)
    account.balance += points
    account.save()


def gift(stock=10, **fields):
    values = {"code": "G1", "name": "保温杯", "points_price": 40, **fields}
    created = gift_create(actor=None, data=GiftData(**values))
    if stock:
        gift_stock_move(actor=None, gift=created, kind=StockKind.RECEIPT, quantity=stock, reason="")
    created.refresh_from_db()
    return created


def lots(customer):
    return dict(
        PointsLot.objects.filter(customer=customer)
        .order_by("expires_on")
        .values_list("expires_on", "remaining")
    )


@pytest.fixture
def bank():
    bank = small_bank()
    earn(bank.customer_a1, 50, THIS_YEAR_END, "e1")
    earn(bank.customer_a1, 100, NEXT_YEAR_END, "e2")
    return bank


def redeem(bank, item, quantity=1, key="k1", customer=None):
    return points_redeem(
        actor=bank.head_a1,
        customer=customer or bank.customer_a1,
        gift=item,
        quantity=quantity,
        outlet=bank.outlet_a1,
        idempotency_key=key,
    )


def test_redemption_spends_the_lot_that_expires_first(bank):
    item = gift()
    # when 2 × 40 = 80 points are redeemed
    redemption = redeem(bank, item, quantity=2)
    # then 50 from this year's lot, 30 from next year's; stock 10 → 8
    assert lots(bank.customer_a1) == {THIS_YEAR_END: 0, NEXT_YEAR_END: 70}
    assert selectors.points_balance(bank.customer_a1) == 70
    assert sorted(redemption.entry.spends.values_list("points", flat=True)) == [30, 50]
    item.refresh_from_db()
    assert item.stock == 8
    assert StockMovement.objects.filter(kind=StockKind.REDEEM).get().quantity == -2
    assert redemption.status == RedemptionStatus.TO_COLLECT
    assert redemption.number.startswith(f"R{TODAY:%Y%m%d}")
    assert points_verify() == []


def test_cancelling_returns_points_to_their_lots_and_the_stock(bank):
    item = gift()
    redemption = redeem(bank, item, quantity=2)
    redemption_cancel(actor=bank.head_a1, redemption=redemption, reason="客户改变主意")
    assert lots(bank.customer_a1) == {THIS_YEAR_END: 50, NEXT_YEAR_END: 100}
    assert selectors.points_balance(bank.customer_a1) == 150
    item.refresh_from_db()
    assert item.stock == 10
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.CANCELLED
    assert redemption.cancel_entry.points == 80
    with pytest.raises(RedemptionError):
        redemption_cancel(actor=bank.head_a1, redemption=redemption, reason="再次")
    assert points_verify() == []


def test_a_delivered_redemption_cannot_be_cancelled(bank):
    redemption = redeem(bank, gift())
    redemption_deliver(actor=bank.head_a1, redemption=redemption, status="collected")
    with pytest.raises(RedemptionError, match="已交付"):
        redemption_cancel(actor=bank.head_a1, redemption=redemption, reason="晚了")
    assert selectors.points_balance(bank.customer_a1) == 110


def test_the_same_key_redeems_once(bank):
    item = gift()
    first = redeem(bank, item, key="form-123")
    again = redeem(bank, item, key="form-123")
    assert again.pk == first.pk
    assert Redemption.objects.count() == 1
    assert selectors.points_balance(bank.customer_a1) == 110


@pytest.mark.parametrize(
    ("fields", "quantity", "message"),
    [
        ({}, 4, "积分不足：需要 160 积分，可用 150 积分"),
        ({"stock": 1}, 2, "礼品库存不足"),
        ({"per_customer_limit": 1}, 2, "每位客户限兑 1 件"),
        ({"tiers": ("private",)}, 1, "等级不能兑换"),
        ({"valid_to": TODAY - dt.timedelta(days=1)}, 1, "不在兑换期内"),
    ],
)
def test_refused_redemptions_change_nothing(bank, fields, quantity, message):
    item = gift(**fields)
    stock = item.stock
    with pytest.raises(RedemptionError, match=message):
        redeem(bank, item, quantity=quantity)
    item.refresh_from_db()
    assert item.stock == stock
    assert selectors.points_balance(bank.customer_a1) == 150
    assert not Redemption.objects.exists()
    assert not PointsEntry.objects.filter(kind=EntryKind.REDEEM).exists()


def test_a_gift_for_other_outlets_is_refused_here(bank):
    item = gift()
    item.outlets.set([bank.outlet_b1])
    with pytest.raises(RedemptionError, match="不能在此网点领取"):
        redeem(bank, item)


def test_points_past_their_last_day_cannot_be_spent(bank):
    earn(bank.customer_b1, 100, TODAY - dt.timedelta(days=1), "old")
    with pytest.raises(RedemptionError, match="可用 0 积分"):
        redeem(bank, gift(), customer=bank.customer_b1)


def test_stock_changes_only_by_recorded_movements(bank):
    item = gift(stock=5)
    gift_stock_move(actor=None, gift=item, kind=StockKind.WRITE_OFF, quantity=2, reason="破损")
    with pytest.raises(RedemptionError, match="超过库存"):
        gift_stock_move(actor=None, gift=item, kind=StockKind.WRITE_OFF, quantity=4, reason="丢失")
    item.refresh_from_db()
    assert item.stock == 3 == sum(item.movements.values_list("quantity", flat=True))


def test_an_adjustment_needs_a_second_person(bank):
    adjustment = adjustment_propose(
        actor=bank.manager_a1, customer=bank.customer_a1, points=200, reason="系统故障补偿"
    )
    assert selectors.points_balance(bank.customer_a1) == 150
    with pytest.raises(PermissionDenied):
        adjustment_decide(actor=bank.manager_a1, adjustment=adjustment, approve=True)
    adjustment_decide(actor=bank.head_a1, adjustment=adjustment, approve=True)
    assert selectors.points_balance(bank.customer_a1) == 350
    entry = PointsEntry.objects.get(kind=EntryKind.ADJUST)
    assert (entry.points, entry.actor_id, entry.expires_on) == (200, bank.head_a1.pk, NEXT_YEAR_END)
    assert points_verify() == []


def test_a_large_adjustment_needs_the_higher_role(bank, settings):
    settings.KEWEI_POINTS_LARGE_ADJUSTMENT = 100
    adjustment = adjustment_propose(
        actor=bank.manager_a1, customer=bank.customer_a1, points=-120, reason="误计积分冲减"
    )
    with pytest.raises(PermissionDenied, match="大额复核"):
        adjustment_decide(actor=bank.head_a1, adjustment=adjustment, approve=True)
    adjustment_decide(actor=bank.retail_a, adjustment=adjustment, approve=True)
    assert selectors.points_balance(bank.customer_a1) == 30
    assert lots(bank.customer_a1) == {THIS_YEAR_END: 0, NEXT_YEAR_END: 30}


def test_gift_validity_window_is_checked_when_created(bank):
    with pytest.raises(RedemptionError):
        gift_create(
            actor=None,
            data=GiftData(
                code="G2",
                name="茶具",
                points_price=10,
                valid_from=dt.date(2026, 12, 1),
                valid_to=dt.date(2026, 11, 1),
            ),
        )
    assert not Gift.objects.filter(code="G2").exists()
