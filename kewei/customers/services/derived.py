"""The customer's derived columns: its current assets (``CustomerAssets.aum``), their
search copy in whole 万元 (``Customer.aum_wan``), its product coverage
(``Customer.product_categories``) and its tier (``Customer.tier``).

This module is their one owner: every other app that changes what they derive from
calls these set-based refreshes instead of writing the customers' tables. What a column
derives from belongs to the app that keeps it (holdings and which categories count as
assets: products; the tier rules: tiers), so the set-based refreshes take it as a
``SELECT`` the caller writes over its own tables, one row per customer, and apply it
with the same few statements whatever the number of customers. Customers depends on no
app it is given rows by.

The refreshes run inside the caller's transaction (or one of their own), write no audit
row (the caller's batch records what it did) and return the rows they wrote. A
``SELECT`` given to them is SQL text over quoted table names with ``%(name)s``
parameters (``params``), ``%`` written ``%%``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import F, Subquery

from kewei.core.bulk import bulk_insert, execute_in
from kewei.core.statements import Statements
from kewei.customers.models import Customer, CustomerAssets

_TABLES = Statements({"customer": Customer, "customer_assets": CustomerAssets})


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


def _execute(template: str, params: Mapping | None = None, **texts: str) -> int:
    """Run ``template`` with ``{customer}``/``{customer_assets}`` replaced by their
    tables and ``{text}`` by the caller's SQL ``texts`` (inserted as they are: braces in
    them are not read); returns the rows it changed."""
    sql = template.format(**_TABLES.names(), **texts)
    with connection.cursor() as cursor:
        cursor.execute(sql, dict(params or {}))
        return cursor.rowcount


def assets_merge(*, keep_id: int, duplicate_id: int) -> None:
    """A merge: the duplicate's holdings moved to ``keep``, and so do the assets they make
    up (added to keep's, the duplicate's set to 0). The 万元 copies follow by
    :func:`sync_aum_wan` once both customer rows are saved."""
    assets = CustomerAssets.objects.unrestricted()
    duplicate = assets.filter(customer_id=duplicate_id).values("aum")
    assets.filter(customer_id=keep_id).update(aum=F("aum") + Subquery(duplicate))
    assets.filter(customer_id=duplicate_id).update(aum=0)


def coverage_refresh(*, counted: str, params: Mapping | None = None) -> int:
    """Set the product coverage (``Customer.product_categories``) of the customers in
    ``counted`` to the number it gives them.

    Reads ``counted``: a ``SELECT`` of ``(customer_id, categories)``, one row per
    customer, ``categories`` the distinct product categories the customer holds open
    (the products app counts them; a customer holding nothing needs a row with 0 to be
    set back to 0). Writes ``product_categories`` and nothing else (not ``updated_at``:
    coverage is a figure of the feed, not an edit of the record). Not written: a
    customer whose coverage already is the counted one, and every customer missing
    from ``counted``. Returns the customers written."""
    with transaction.atomic(savepoint=False):
        return _execute(
            """
            UPDATE {customer} SET product_categories = counted.categories
            FROM ({counted}) counted
            WHERE counted.customer_id = {customer}.id
              AND {customer}.product_categories <> counted.categories
            """,
            params,
            counted=counted,
        )


def assets_refresh(*, fen: str, staging: type[models.Model], params: Mapping | None = None) -> int:
    """Set the current assets (元, ``CustomerAssets.aum``) of the customers in ``fen``,
    and their search copy in whole 万元 (``Customer.aum_wan``) where the assets cross a
    万元; set-based, as the daily feed needs it for a quarter of all customers.

    Reads ``fen``: a ``SELECT`` of ``(customer_id, fen)``, one row per customer, ``fen``
    a ``BIGINT`` of the customer's current assets in fen (分) (the products app sums the
    holdings that count as assets). ``staging`` is the caller's empty scratch table with
    the columns ``customer_id`` (key), ``fen`` and ``crossed``: it is filled with the
    rows of ``fen`` that have an assets row, ``crossed`` telling whether their whole
    万元 changes, and then analysed on PostgreSQL (a few crossing customers, not a
    quarter of all, so the planner joins them with the customer rows by index).

    Writes ``CustomerAssets.aum`` where it differs, and ``Customer.aum_wan`` only
    for a customer whose assets cross a 万元 and whose copy differs: the wide customer
    row and its fifteen indexes are rewritten for a few customers a day, while the
    narrow assets row (no index on the figure) is updated heap-only. Not written: a
    customer without an assets row (none is created), assets already equal, the copy
    of assets moving inside a 万元, customers missing from ``fen``. Returns the assets
    rows written."""
    scratch = connection.ops.quote_name(staging._meta.db_table)
    # (Integer division of integers on both engines: whole 万元, rounded down.)
    old_wan = wan_sql("a.aum")
    with transaction.atomic(savepoint=False):
        _execute(
            """
            INSERT INTO {staging} (customer_id, fen, crossed)
            SELECT summed.customer_id, summed.fen, {old_wan} <> summed.fen / 1000000
            FROM ({fen}) summed
            JOIN {customer_assets} a ON a.customer_id = summed.customer_id
            """,
            params,
            staging=scratch,
            fen=fen,
            old_wan=old_wan,
        )
        if connection.vendor == "postgresql":
            _execute("ANALYZE {staging}", staging=scratch)
        _execute(
            """
            UPDATE {customer} SET aum_wan = s.fen / 1000000 FROM {staging} s
            WHERE s.crossed AND s.customer_id = {customer}.id
              AND {customer}.aum_wan <> s.fen / 1000000
            """,
            staging=scratch,
        )
        return _execute(
            """
            UPDATE {customer_assets} SET aum = s.fen / 100.0 FROM {staging} s
            WHERE s.customer_id = {customer_assets}.customer_id
              AND {customer_assets}.aum <> s.fen / 100.0
            """,
            staging=scratch,
        )


def tiers_set(*, tiers: str, updated_at: dt.datetime, params: Mapping | None = None) -> int:
    """Set the tier (``Customer.tier``) of the customers in ``tiers`` to the one it gives
    them, and their ``updated_at`` to ``updated_at``; set-based.

    Reads ``tiers``: a ``SELECT`` of ``(customer_id, tier)``, at most one row per
    customer, of the customers whose tier changes (the tiers app evaluates them; its
    parameters may not be called ``updated_at``). Writes ``tier`` and ``updated_at`` of
    every customer listed, as listed: the caller lists only changes. Not written: every
    customer missing from ``tiers``. Returns the customers written."""
    with transaction.atomic(savepoint=False):
        return _execute(
            """
            UPDATE {customer} SET
                tier = (SELECT t.tier FROM ({tiers}) t WHERE t.customer_id = {customer}.id),
                updated_at = %(updated_at)s
            WHERE id IN (SELECT t.customer_id FROM ({tiers}) t)
            """,
            {**(params or {}), "updated_at": updated_at},
            tiers=tiers,
        )
