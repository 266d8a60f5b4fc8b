"""Redemptions through the API arriving at the same moment on PostgreSQL: the same
Idempotency-Key redeems once and every caller gets the same answer; different keys
never overdraw the points."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kewei.api.models import IdempotentRequest
from kewei.api.tests.helpers import NEXT_YEAR_END, call, earn, gift, systems
from kewei.points import selectors
from kewei.points.models import Gift, Redemption
from kewei.points.services import points_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(count, attempt):
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            return attempt(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _redeem(s, key):
    response = call(
        "POST",
        f"/api/v1/customers/{s.bank.customer_a1.customer_number}/redemptions/",
        s.mobile,
        {"gift": "G1", "quantity": 1, "outlet": "110101"},
        **{"Idempotency-Key": key},
    )
    return response.status_code, response.json()


def test_ten_retries_with_one_key_redeem_once_and_answer_alike():
    s = systems()
    earn(s.bank.customer_a1, 400, NEXT_YEAR_END, "e")
    gift(stock=10)
    answers = _race(10, lambda index: _redeem(s, "same-key"))
    assert {status for status, _body in answers} == {201}
    assert len({body["number"] for _status, body in answers}) == 1
    assert Redemption.objects.count() == 1
    assert selectors.points_balance(s.bank.customer_a1) == 360
    assert Gift.objects.get(code="G1").stock == 9
    assert IdempotentRequest.objects.count() == 1


def test_ten_keys_against_points_for_three():
    s = systems()
    earn(s.bank.customer_a1, 120, NEXT_YEAR_END, "e")
    gift(stock=10)
    answers = _race(10, lambda index: _redeem(s, f"key-{index}"))
    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] * 3 + [422] * 7
    refusals = {body["code"] for status, body in answers if status == 422}
    assert refusals == {"insufficient_points"}
    assert selectors.points_balance(s.bank.customer_a1) == 0
    assert Gift.objects.get(code="G1").stock == 7
    assert points_verify() == []
