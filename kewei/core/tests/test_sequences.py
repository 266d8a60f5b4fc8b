"""Business numbers handed out in blocks (``core.models.reserve_numbers``)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from kewei.core.models import Sequence, reserve_numbers


@pytest.mark.django_db
def test_blocks_follow_one_another_from_the_first_number():
    assert not Sequence.objects.filter(name="test.numbers").exists()
    first = reserve_numbers("test.numbers", 3)
    second = reserve_numbers("test.numbers", 2)
    empty = reserve_numbers("test.numbers", 0)
    assert (list(first), list(second), list(empty)) == ([1, 2, 3], [4, 5], [])
    assert Sequence.objects.get(name="test.numbers").next_value == 6
    # Each sequence counts on its own.
    assert list(reserve_numbers("test.other", 2)) == [1, 2]


@pytest.mark.django_db
def test_a_block_taken_in_a_transaction_that_fails_is_given_again():
    reserve_numbers("test.rolled", 5)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert list(reserve_numbers("test.rolled", 3)) == [6, 7, 8]
        raise RuntimeError
    assert list(reserve_numbers("test.rolled", 1)) == [6]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_share_a_number():
    count, size = 8, 50
    start = threading.Barrier(count)

    def reserve(_index):
        try:
            start.wait()
            with transaction.atomic():
                return list(reserve_numbers("test.concurrent", size))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        blocks = list(pool.map(reserve, range(count)))
    numbers = sorted(n for block in blocks for n in block)
    assert numbers == list(range(1, count * size + 1))
    assert all(block == list(range(block[0], block[0] + size)) for block in blocks)
