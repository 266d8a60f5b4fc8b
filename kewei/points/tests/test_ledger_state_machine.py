"""Random sequences of earning, redeeming, cancelling and expiring (a Hypothesis state
machine), with the ledger's invariants and a simple model of the lots checked after
every step."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kewei.points import selectors
from kewei.points.models import PointsLot, RedemptionStatus, StockKind
from kewei.points.redemptions import (
    GiftData,
    RedemptionError,
    gift_create,
    gift_stock_move,
    points_redeem,
    redemption_cancel,
)
from kewei.points.services import points_expire, points_verify
from kewei.points.tests.test_redemption import NEXT_YEAR_END, THIS_YEAR_END, TODAY, earn
from kewei.testing.factories import customer, small_bank

pytestmark = pytest.mark.django_db

PAST = TODAY - dt.timedelta(days=1)  # a lot already past its last day
LOTS = (PAST, THIS_YEAR_END, NEXT_YEAR_END)
PRICE = 10
_keys = itertools.count()


class Ledger(RuleBasedStateMachine):
    bank = None

    @initialize()
    def open_counter(self):
        if Ledger.bank is None:
            Ledger.bank = small_bank()
            Ledger.gift = gift_create(
                actor=None, data=GiftData(code="SM", name="积分测试礼品", points_price=PRICE)
            )
            gift_stock_move(
                actor=None, gift=Ledger.gift, kind=StockKind.RECEIPT, quantity=10**6, reason=""
            )
        # every example has a customer of its own
        self.customer = customer(department=self.bank.outlet_a1, aum=None)
        self.model = dict.fromkeys(LOTS, 0)
        self.open: list = []  # redemptions not cancelled, with the lots they took

    @rule(points=st.integers(1, 200), lot=st.sampled_from(LOTS))
    def earn(self, points, lot):
        earn(self.customer, points, lot, f"sm:{next(_keys)}")
        self.model[lot] += points

    @rule(quantity=st.integers(1, 3))
    def redeem(self, quantity):
        need = PRICE * quantity
        spendable = self.model[THIS_YEAR_END] + self.model[NEXT_YEAR_END]
        try:
            redemption = points_redeem(
                actor=self.bank.head_a1,
                customer=self.customer,
                gift=self.gift,
                quantity=quantity,
                outlet=self.bank.outlet_a1,
                idempotency_key=f"sm:{next(_keys)}",
            )
        except RedemptionError as error:
            assert error.code == "insufficient_points" and spendable < need
            return
        assert spendable >= need
        taken = {}
        for lot in (THIS_YEAR_END, NEXT_YEAR_END):  # first to expire, first spent
            part = min(self.model[lot], need)
            if part:
                taken[lot] = part
                self.model[lot] -= part
                need -= part
        self.open.append((redemption, taken))

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def cancel(self, data):
        redemption, taken = self.open.pop(data.draw(st.integers(0, len(self.open) - 1)))
        redemption_cancel(actor=self.bank.head_a1, redemption=redemption, reason="撤销")
        for lot, points in taken.items():
            self.model[lot] += points
        redemption.refresh_from_db()
        assert redemption.status == RedemptionStatus.CANCELLED

    @rule()
    def expire(self):
        points_expire(day=TODAY)
        self.model[PAST] = 0

    @invariant()
    def ledger_adds_up(self):
        if getattr(self, "customer", None) is None:
            return
        assert points_verify() == []
        assert selectors.points_balance(self.customer) == sum(self.model.values())
        stored = dict(
            PointsLot.objects.filter(customer=self.customer).values_list("expires_on", "remaining")
        )
        assert {lot: stored.get(lot, 0) for lot in LOTS} == self.model


def test_random_sequences_keep_the_ledger_consistent(db):
    Ledger.bank = None
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
