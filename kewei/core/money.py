"""Money in CNY: ``Decimal`` amounts, shown in 元 or 万元 as Chinese bank staff write them,
and in thousands and millions (``CNY 350k``, ``CNY 1.2M``) for the English reader."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import get_language
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)  # 1 万元 in 元
FEN_PER_WAN = 1_000_000  # 1 万元 in 分


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


# English counts large amounts in thousands, millions and billions where Chinese counts
# in 万 (10⁴).
_ENGLISH_UNITS = (
    (Decimal(1), ""),
    (Decimal(10) ** 3, "k"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 9, "B"),
)


def _in_chinese_units() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def _english_compact(amount: Decimal) -> str:
    """``1234567`` → ``1.23M``, ``350000`` → ``350k``, ``12345`` → ``12.3k``: three
    significant digits at most, trailing zeros dropped."""
    last = len(_ENGLISH_UNITS) - 1
    index = 0
    while index < last and abs(amount) >= _ENGLISH_UNITS[index + 1][0]:
        index += 1
    while True:
        size, unit = _ENGLISH_UNITS[index]
        scaled = amount / size
        places = Decimal("0.01") if abs(scaled) < 10 else Decimal("0.1") if abs(scaled) < 100 else 1
        rounded = scaled.quantize(Decimal(places), rounding=ROUND_HALF_UP)
        if abs(rounded) < 1000 or index == last:
            break
        index += 1  # 999,999 rounds to 1,000k: say 1M
    text = f"{rounded:,}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{unit}"


def format_wanyuan(value: object) -> str:
    """``1234567`` → ``123.46 万元``; in English ``CNY 1.23M``."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    if not _in_chinese_units():
        return _("%(amount)s 元") % {"amount": _english_compact(amount)}
    return _("%(amount)s 万元") % {"amount": _grouped(amount / TEN_THOUSAND, CENT)}


def format_money(value: object) -> str:
    """元 below 10万, 万元 from 10万 up: the way a balance is read out at the counter."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    return format_wanyuan(amount) if abs(amount) >= 100000 else format_yuan(amount)
