from decimal import Decimal

from django.utils import translation

from kewei.core.money import format_money, format_wanyuan, format_yuan


def test_yuan_has_grouping_and_two_places():
    with translation.override("zh-hans"):
        assert format_yuan(Decimal("1234.5")) == "1,234.50 元"
        assert format_yuan(Decimal("0.005")) == "0.01 元"  # half up, as banks round


def test_wanyuan_divides_by_ten_thousand():
    with translation.override("zh-hans"):
        assert format_wanyuan(Decimal("1234567")) == "123.46 万元"


def test_money_switches_to_wanyuan_from_ten_wan():
    with translation.override("zh-hans"):
        assert format_money(Decimal("99999.99")) == "99,999.99 元"
        assert format_money(Decimal("100000")) == "10.00 万元"


def test_float_is_read_through_its_repr_not_binary_value():
    with translation.override("zh-hans"):
        assert format_yuan(0.1 + 0.2) == "0.30 元"


def test_english_labels():
    with translation.override("en"):
        assert format_yuan(Decimal("5")) == "CNY 5.00"
        assert format_wanyuan(Decimal("50000")) == "5.00 × 10,000 CNY"
