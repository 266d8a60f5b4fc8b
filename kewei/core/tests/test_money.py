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
        assert format_wanyuan(Decimal("50000")) == "CNY 50k"


def test_english_reads_large_amounts_in_thousands_and_millions():
    # where Chinese shows 万元, the English reader gets k, M and B
    with translation.override("en"):
        assert format_wanyuan(Decimal("350000")) == "CNY 350k"
        assert format_wanyuan(Decimal("1200000")) == "CNY 1.2M"
        assert format_wanyuan(Decimal("1234567")) == "CNY 1.23M"
        assert format_wanyuan(Decimal("12345")) == "CNY 12.3k"
        assert format_wanyuan(Decimal("2500000000")) == "CNY 2.5B"
        assert format_wanyuan(Decimal("950")) == "CNY 950"
        assert format_wanyuan(Decimal("999999")) == "CNY 1M"
        assert format_wanyuan(Decimal("-150000")) == "CNY -150k"
        assert format_money(Decimal("100000")) == "CNY 100k"
        assert format_money(Decimal("99999.99")) == "CNY 99,999.99"
    with translation.override("zh-hans"):
        assert format_wanyuan(Decimal("1200000")) == "120.00 万元"
