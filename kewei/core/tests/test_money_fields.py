"""Every money column says its unit by its field type: 分 (FenField), 元 (YuanField) or
万元 (WanField), and the types change nothing in the database."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection, models

from kewei.core.fields import FenField, WanField, YuanField

MONEY_FIELDS = (FenField, YuanField, WanField)

# Names of money columns, as the project spells them (aum_average, cash_price, min_aum,
# contribution_threshold, first_value, inflow, fen ...).
MONEY_NAME = re.compile(
    r"amount|balance|aum|price|value|cost|budget|cash|fee|commission|threshold|"
    r"contribution|turnover|inflow|outflow|loan|yuan|^fen$|wan|measure|income"
)

# Numeric columns whose names look like money but that are not, each with its reason.
NOT_MONEY = {
    ("core", "Sequence", "next_value"): "a counter of the next number to hand out",
    ("points", "Gift", "points_price"): "the price of a gift in points, not money",
    ("points", "PointsAccount", "balance"): "a points balance (积分余额)",
    ("points", "Redemption", "balance_after"): "the points balance after a redemption",
}


def _numeric_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.IntegerField | models.DecimalField) and not (
                field.primary_key or field.is_relation
            ):
                yield model, field


def test_every_money_column_uses_a_money_field_type():
    # given every integer and decimal column of the project named like an amount of money
    money_columns = [
        (model, field)
        for model, field in _numeric_fields()
        if MONEY_NAME.search(field.name)
        and (model._meta.app_label, model.__name__, field.name) not in NOT_MONEY
    ]

    # when the columns that do not say their unit are collected
    unitless = [
        f"{model._meta.label}.{field.name} ({type(field).__name__})"
        for model, field in money_columns
        if not isinstance(field, MONEY_FIELDS)
    ]

    # then there are none (a new money column takes FenField, YuanField or WanField)
    assert len(money_columns) == 38
    assert unitless == []


def test_every_column_labelled_with_a_unit_uses_a_money_field_type():
    # given the numeric columns whose label names a unit of money: （分, （元, 万元
    labelled = [
        (model, field)
        for model, field in _numeric_fields()
        if re.search(r"（分|（元|万元|元）", str(field.verbose_name))
    ]

    # when the ones of a plain type are collected
    plain = [
        f"{model._meta.label}.{field.name}"
        for model, field in labelled
        if not isinstance(field, MONEY_FIELDS)
    ]

    # then there are none
    assert len(labelled) == 20
    assert plain == []


def test_each_money_field_is_stored_in_its_unit():
    # given a column of each kind
    holding_balance = apps.get_model("products", "Holding")._meta.get_field("balance")
    assets_aum = apps.get_model("customers", "CustomerAssets")._meta.get_field("aum")
    aum_wan = apps.get_model("customers", "Customer")._meta.get_field("aum_wan")

    # when / then the feed's balance is in 分, the assets in 元, the search copy in 万元
    assert type(holding_balance) is FenField
    assert type(assets_aum) is YuanField
    assert type(aum_wan) is WanField


@pytest.mark.parametrize(
    ("field", "plain"),
    [
        (FenField(), models.BigIntegerField()),
        (FenField(null=True), models.BigIntegerField(null=True)),
        (WanField(default=0), models.BigIntegerField(default=0)),
        (YuanField(), models.DecimalField(max_digits=18, decimal_places=2)),
        (YuanField(max_digits=10), models.DecimalField(max_digits=10, decimal_places=2)),
        (YuanField(max_digits=14, null=True), models.DecimalField(max_digits=14, decimal_places=2)),
    ],
)
def test_a_money_field_has_the_database_type_of_its_plain_field(field, plain):
    # given a money field and the plain field it replaced
    # when / then the database sees the same column
    assert field.db_type(connection) == plain.db_type(connection)
    assert field.get_internal_type() == plain.get_internal_type()


def test_yuan_field_deconstructs_to_what_is_particular_to_the_column():
    # given a YuanField of the usual size and a narrower one
    usual = YuanField("金融资产", default=0)
    narrow = YuanField("预算（元）", max_digits=14)

    # when they are deconstructed (as a migration writes them)
    _, usual_path, usual_args, usual_kwargs = usual.deconstruct()
    _, _, narrow_args, narrow_kwargs = narrow.deconstruct()

    # then the fixed places and the usual digits are left out, and a rebuilt field is equal
    assert usual_path == "kewei.core.fields.YuanField"
    assert (usual_args, usual_kwargs) == ([], {"verbose_name": "金融资产", "default": 0})
    assert (narrow_args, narrow_kwargs) == ([], {"verbose_name": "预算（元）", "max_digits": 14})
    rebuilt = YuanField(*narrow_args, **narrow_kwargs)
    assert (rebuilt.max_digits, rebuilt.decimal_places) == (14, 2)
    assert rebuilt.deconstruct()[1:] == narrow.deconstruct()[1:]


@pytest.mark.parametrize("field_class", [FenField, WanField])
def test_integer_money_fields_deconstruct_under_their_own_path(field_class):
    # given an integer money field
    field = field_class("金额", null=True)

    # when it is deconstructed
    _, path, args, kwargs = field.deconstruct()

    # then it names its own class and nothing else is added
    assert path == f"kewei.core.fields.{field_class.__name__}"
    assert (args, kwargs) == ([], {"verbose_name": "金额", "null": True})


def test_yuan_field_refuses_other_decimal_places():
    # when / then a YuanField is always to the 分
    with pytest.raises(ValueError, match="2 decimal places, not 4"):
        YuanField(max_digits=12, decimal_places=4)
