"""One redeem form key sent twice at the same moment with two different requests, on
PostgreSQL (SQLite ignores row locks): one redemption, one refusal, nothing else."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from kewei.points import selectors
from kewei.points.models import EntryKind, Gift, PointsEntry, Redemption
from kewei.points.services import points_verify
from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn, gift
from kewei.testing.factories import small_bank

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REFUSED = "此兑换单已用于另一笔兑换"


@pytest.mark.parametrize("second", ["another_quantity", "another_customer"])
def test_one_form_key_posted_twice_at_once_with_different_requests_redeems_once(second):
    # given two customers with points, and one gift
    bank = small_bank()
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "e1")
    earn(bank.customer_a1_free, 150, NEXT_YEAR_END, "e2")
    item = gift(stock=5)
    other = bank.customer_a1_free if second == "another_customer" else bank.customer_a1
    posts = [
        (bank.customer_a1, {"gift": item.pk, "quantity": "1", "idempotency_key": "form-1"}),
        (
            other,
            {
                "gift": item.pk,
                "quantity": "2" if second == "another_quantity" else "1",
                "idempotency_key": "form-1",
            },
        ),
    ]
    start = threading.Barrier(len(posts))

    def post(index):
        customer, form = posts[index]
        client = Client()
        client.force_login(bank.head_a1)
        try:
            start.wait()
            response = client.post(reverse("points:redeem", args=[customer.pk]), form)
            if response.status_code == 302:
                return "redeemed"
            return "refused" if REFUSED in response.content.decode() else response.status_code
        finally:
            connection.close()

    # when both are sent at the same moment
    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        outcomes = list(pool.map(post, range(len(posts))))

    # then one redeemed, the other was refused, and the ledger shows one redemption
    assert sorted(outcomes) == ["redeemed", "refused"]
    redemption = Redemption.objects.get()
    assert redemption.idempotency_key == "form-1"
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 1
    balances = (
        selectors.points_balance(bank.customer_a1),
        selectors.points_balance(bank.customer_a1_free),
    )
    assert sum(balances) == 300 - redemption.points
    assert Gift.objects.get(pk=item.pk).stock == 5 - redemption.quantity
    assert points_verify() == []
