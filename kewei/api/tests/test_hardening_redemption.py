"""A redemption through the API is handed out at an outlet within the caller's reach,
and a gift limited to other outlets is refused there whatever the caller's data scope
shows of the organisation."""

from __future__ import annotations

import pytest

from kewei.api.models import Scope
from kewei.api.services import account_create, token_issue
from kewei.api.tests.helpers import NEXT_YEAR_END, call, earn, gift, systems
from kewei.organisation.roles import Role
from kewei.points import selectors as points_selectors
from kewei.points.models import Gift, Redemption

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    s = systems()
    earn(s.bank.customer_a1, 100, NEXT_YEAR_END, "e1")
    earn(s.bank.customer_b1, 100, NEXT_YEAR_END, "e2")
    gift(stock=5)
    return s


def _redeem(token, customer, outlet, key="k1"):
    return call(
        "POST",
        f"/api/v1/customers/{customer.customer_number}/redemptions/",
        token,
        {"gift": "G1", "quantity": 1, "outlet": outlet},
        **{"Idempotency-Key": key},
    )


def _nothing_redeemed(s):
    assert not Redemption.objects.exists()
    assert Gift.objects.get(code="G1").stock == 5
    assert points_selectors.points_balance(s.bank.customer_a1) == 100


def test_a_gift_for_another_outlet_is_refused_to_a_counter_system(s):
    # given a counter system of outlet A1 (its scope shows no departments), and a gift
    # to be collected at outlet A2 only
    counter = account_create(
        actor=s.bank.admin,
        name="counter-a1",
        department=s.bank.outlet_a1,
        roles=[Role.COUNTER_STAFF],
    )
    token = token_issue(
        actor=s.bank.admin,
        account=counter,
        name="c",
        scopes=[Scope.CUSTOMERS_READ, Scope.POINTS_READ, Scope.POINTS_REDEEM],
    )[1]
    Gift.objects.get(code="G1").outlets.set([s.bank.outlet_a2])
    # when it redeems the gift at its own outlet A1
    response = _redeem(token, s.bank.customer_a1, "110101")
    # then
    assert response.status_code == 422
    assert response.json()["code"] == "outlet"
    assert response.json()["message"] == "该礼品不能在此网点领取。"
    _nothing_redeemed(s)


@pytest.mark.parametrize(
    ("code", "reason", "message"),
    [
        ("000000", "not_an_outlet", "机构 000000 不是网点：礼品须在网点领取。"),
        ("110000", "not_an_outlet", "机构 110000 不是网点：礼品须在网点领取。"),
        ("110100", "not_an_outlet", "机构 110100 不是网点：礼品须在网点领取。"),
    ],
)
def test_the_outlet_must_be_an_outlet(s, code, reason, message):
    # when the whole bank's system names the head office, a branch or a sub-branch
    response = _redeem(s.mobile, s.bank.customer_a1, code)
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == reason
    assert (body["field"], body["errors"][0]["message"]) == ("outlet", message)
    _nothing_redeemed(s)


def test_the_outlet_must_be_within_the_callers_reach(s):
    # when branch B's system hands a gift out at an outlet of branch A (another city)
    refused = _redeem(s.branch_b, s.bank.customer_b1, "110101")
    # then it is refused, and its own outlet is accepted
    assert refused.status_code == 400
    body = refused.json()
    assert (body["code"], body["field"]) == ("outlet_out_of_reach", "outlet")
    assert body["message"] == "outlet：网点 110101 不在您所属机构的范围内。"
    assert not Redemption.objects.exists()
    accepted = _redeem(s.branch_b, s.bank.customer_b1, "310101", key="k2")
    assert accepted.status_code == 201
    assert accepted.json()["outlet"] == "310101"
