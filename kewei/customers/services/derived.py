"""The customer's derived columns: its current assets (``CustomerAssets.aum``), their
search copy in whole 万元 (``Customer.aum_wan``), its product coverage and its tier.
This module is their one owner: every other app that changes what they derive from
calls these set-based refreshes instead of writing the customers' tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db import connection

from kewei.core.bulk import bulk_insert, execute_in
from kewei.customers.models import Customer, CustomerAssets


def open_assets(amounts: Mapping[int, Decimal]) -> None:
    """The assets rows of new customers (customer id → 元): every customer has one, which
    the daily feed keeps from then on."""
    bulk_insert(CustomerAssets, ["customer_id", "aum"], amounts.items())
    sync_aum_wan([pk for pk, aum in amounts.items() if aum >= 10_000])


def open_empty_assets(customer_ids: Sequence[int]) -> None:
    """The assets rows of new customers who hold nothing yet (0 元), written by the
    database from their ids: no value is bound per row, which made these rows a fifth of
    the cost of an import's customer rows."""
    quote = connection.ops.quote_name
    customer, assets = (quote(m._meta.db_table) for m in (Customer, CustomerAssets))
    execute_in(
        f"INSERT INTO {assets} (customer_id, aum) "  # noqa: S608  (model tables)
        f"SELECT id, 0 FROM {customer} WHERE id IN ({{values}})",
        customer_ids,
    )


def wan_sql(column: str) -> str:
    """SQL for the whole 万元 of an assets column in 元 (``Customer.aum_wan``): rounded
    down on PostgreSQL; truncated on SQLite, the same for assets, never negative."""
    if connection.vendor == "postgresql":
        return f"floor({column} / 10000)"
    return f"CAST({column} / 10000 AS INTEGER)"


def sync_aum_wan(customer_ids: Iterable[int]) -> None:
    """Bring these customers' search copy of their assets in whole 万元
    (``Customer.aum_wan``) in line with their assets rows. Rows already in line are not
    written. (The daily feed does the same for the customers it changed, set-based.)"""
    ids = list(customer_ids)
    if not ids:
        return
    wan = wan_sql("a.aum")
    quote = connection.ops.quote_name
    customer, assets = (quote(m._meta.db_table) for m in (Customer, CustomerAssets))
    current = f"(SELECT {wan} FROM {assets} a WHERE a.customer_id = {customer}.id)"  # noqa: S608
    execute_in(
        f"UPDATE {customer} SET aum_wan = {current} "  # noqa: S608  (model tables)
        f"WHERE id IN ({{values}}) AND aum_wan <> {current}",
        ids,
    )
