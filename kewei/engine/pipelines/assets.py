"""Assets under management (金融资产) from balance intervals. Pure: only Ibis.

A balance interval ``[valid_from, valid_to)`` (``valid_to`` empty: open) holds one
holding's balance in 分; a day outside every interval of a holding has a zero balance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis


def window_assets(
    intervals: ibis.Table,
    holdings: ibis.Table,
    products: ibis.Table,
    *,
    start: dt.date,
    end: dt.date,
    aum_categories: Sequence[str],
    loan_categories: Sequence[str],
    customer_ids: Sequence[int] | None = None,
) -> ibis.Table:
    """Per customer, over the days ``[start, end)``: the average daily AUM and loans
    (rounded to the fen) and their values on the last day, ``end - 1``.

    Output columns: ``customer_id``, ``days``, ``aum_average``, ``aum_end``,
    ``loan_average``, ``loan_end``. Customers with nothing in the window are absent.
    """
    days_in_window = (end - start).days
    last_day = end - dt.timedelta(days=1)
    window_start, window_end = ibis.literal(start), ibis.literal(end)
    # Open intervals, and those ending inside the window: two index ranges, where one
    # OR would read every interval of the whole history.
    columns = ("holding_id", "valid_from", "valid_to", "balance")
    still_open = intervals.filter(
        intervals.valid_to.isnull(), intervals.valid_from < window_end
    ).select(*columns)
    ended = intervals.filter(
        intervals.valid_to > window_start, intervals.valid_from < window_end
    ).select(*columns)
    overlapping = still_open.union(ended)
    holdings = holdings.select(
        holding_key=holdings.id, customer_id=holdings.customer_id, product_key=holdings.product_id
    )
    if customer_ids is not None:
        holdings = holdings.filter(holdings.customer_id.isin(list(customer_ids)))
    products = products.select(product_id=products.id, category=products.category)
    joined = overlapping.join(holdings, overlapping.holding_id == holdings.holding_key).join(
        products, holdings.product_key == products.product_id
    )
    low = ibis.greatest(joined.valid_from, window_start)
    high = ibis.least(joined.valid_to.fill_null(window_end), window_end)
    days = (high - low).cast("int64")
    on_last_day = (joined.valid_from <= ibis.literal(last_day)) & (
        joined.valid_to.isnull() | (joined.valid_to > ibis.literal(last_day))
    )
    is_aum = joined.category.isin(list(aum_categories))
    is_loan = joined.category.isin(list(loan_categories))
    zero = ibis.literal(0, "int64")
    sums = joined.group_by(customer_id=joined.customer_id).aggregate(
        aum_days=ibis.ifelse(is_aum, joined.balance * days, zero).sum(),
        aum_end=ibis.ifelse(is_aum & on_last_day, joined.balance, zero).sum(),
        loan_days=ibis.ifelse(is_loan, joined.balance * days, zero).sum(),
        loan_end=ibis.ifelse(is_loan & on_last_day, joined.balance, zero).sum(),
    )
    return sums.select(
        "customer_id",
        days=ibis.literal(days_in_window, "int64"),
        aum_average=_average(sums.aum_days, days_in_window),
        aum_end=sums.aum_end,
        loan_average=_average(sums.loan_days, days_in_window),
        loan_end=sums.loan_end,
    )


def _average(total: ibis.Value, days: int) -> ibis.Value:
    """``total / days`` rounded half up, in integers: the same on every backend (float
    rounding differs: PostgreSQL rounds half to even). Exact below 10¹² yuan."""
    return ((total * 2 + days) // ibis.literal(2 * days, "int64")).cast("int64")
