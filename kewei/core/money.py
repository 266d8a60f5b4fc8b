"""Money in CNY: ``Decimal`` amounts, shown in 元 or 万元 as Chinese bank staff write them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)


def yuan(fen: int | None) -> Decimal | None:
    """An amount stored in 分 (integer fen) as ``Decimal`` yuan: ``123456`` → ``1234.56``."""
    if fen is None:
        return None
    return (Decimal(int(fen)) / 100).quantize(CENT)


def fen(amount: Decimal | int | str) -> int:
    """``Decimal`` yuan to integer 分, refusing fractions of a fen."""
    value = Decimal(str(amount)) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(value)


def to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        # Floats never carry money; a stray one is converted through its shortest repr.
        value = repr(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _grouped(amount: Decimal, places: Decimal) -> str:
    quantised = amount.quantize(places, rounding=ROUND_HALF_UP)
    return f"{quantised:,}"


def format_yuan(value: object) -> str:
    """``1234.5`` → ``1,234.50 元``."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    return _("%(amount)s 元") % {"amount": _grouped(amount, CENT)}


def format_wanyuan(value: object) -> str:
    """``1234567`` → ``123.46 万元``."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    return _("%(amount)s 万元") % {"amount": _grouped(amount / TEN_THOUSAND, CENT)}


def format_money(value: object) -> str:
    """元 below 10万, 万元 from 10万 up: the way a balance is read out at the counter."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    return format_wanyuan(amount) if abs(amount) >= 100000 else format_yuan(amount)
