"""Model fields for personal data and for money in each of its three units (分, 元, 万元)."""

from __future__ import annotations

from django.db import models

from kewei.core import crypto


class EncryptedTextField(models.TextField):
    """Stores text encrypted (AES-256-GCM); Python code sees the plain value.

    Encrypted values cannot be filtered or sorted in SQL: search goes through a blind
    index column kept beside the field by the service that writes it.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else crypto.decrypt(value)

    def get_prep_value(self, value):
        if hasattr(value, "resolve_expression"):
            return value  # an expression (bulk_update's CASE): its values are prepared
        value = super().get_prep_value(value)
        return value if value in (None, "") else crypto.encrypt(value)


# --- money ------------------------------------------------------------------------------
# A money column says its unit by its type: the database column is the plain integer or
# numeric column of the parent class (same SQL, same Ibis dtype in ``engine.schemas``);
# only the name of the class changes. ``core.money`` converts between the units.


class FenField(models.BigIntegerField):
    """An amount of money in integer 分 (fen, 1/100 元): the feed's balances and flows and
    everything the batch jobs derive from them (Ibis divides decimals in floating point,
    so batch money stays integer). ``core.money.yuan`` turns it into ``Decimal`` 元."""

    description = "Amount of money in integer fen (分)"


class YuanField(models.DecimalField):
    """An amount of money in ``Decimal`` 元 with two places (to the 分): amounts typed by
    staff (thresholds, prices, budgets) and the customer's assets. ``max_digits`` is 18
    unless a column was declared narrower; the places are always two."""

    description = "Amount of money in yuan (元), two decimal places"

    MAX_DIGITS = 18
    DECIMAL_PLACES = 2

    def __init__(self, *args, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs):
        if decimal_places != self.DECIMAL_PLACES:
            raise ValueError(
                f"a YuanField has {self.DECIMAL_PLACES} decimal places, not {decimal_places}"
            )
        super().__init__(*args, max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        # The defaults are left out, so the migration reads what is particular to the column.
        kwargs.pop("decimal_places", None)
        if kwargs.get("max_digits") == self.MAX_DIGITS:
            del kwargs["max_digits"]
        return name, path, args, kwargs


class WanField(models.BigIntegerField):
    """An amount of money in whole 万元 (10,000 元), rounded down: a coarse copy of an
    amount in 元 that searches and orders cheaply (``Customer.aum_wan``)."""

    description = "Amount of money in whole ten-thousands of yuan (万元)"
