"""The API's amounts in 分 are written by ``core.money.yuan``, the project's one fen → 元
conversion, as the decimal strings with two places the API has always sent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kewei.api import serializers
from kewei.core import money


def test_the_api_has_no_yuan_helper_of_its_own():
    # when / then the serializers convert with core.money's yuan
    assert serializers.yuan is money.yuan


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (100, "1.00"),
        (-5, "-0.05"),
        (1234567, "12345.67"),
        (999_999_999_999_999, "9999999999999.99"),
    ],
)
def test_a_balance_and_an_amount_in_fen_are_written_as_yuan_with_two_places(fen, text):
    # given a holding and a transaction with an amount in 分
    holding = SimpleNamespace(balance=fen)
    transaction = SimpleNamespace(amount=fen)

    # when they are written
    balance = serializers.HoldingOut().get_balance(holding)
    amount = serializers.TransactionOut().get_amount(transaction)

    # then both are 元 strings with two decimals
    assert (balance, amount) == (text, text)
