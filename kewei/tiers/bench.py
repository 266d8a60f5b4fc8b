"""Benchmarks of the tiers (registered with ``kewei bench``): the nightly evaluation of
every customer.

The bench database holds a few feed days, not months of history, so the months the
evaluation reads are written first (untimed): three complete months of month-average
assets per customer, drifting around their current assets, as the feed would have
derived them. The customers are tiered once at the end of the first of those months
(the "first tiering" figure: nearly everyone changes); the timed run is the next
month's evaluation, where a few per cent move up or down; the same day again changes
nothing (the cost of a night without changes).
"""

from __future__ import annotations

import time

from kewei.bench.registry import Measured, register_benchmark


def _months_and_days():
    import datetime as dt

    from kewei.core.calendar import next_month, previous_month
    from kewei.products.selectors import latest_feed_day

    day = latest_feed_day()
    current = previous_month(day)  # the latest complete month on ``day`` (not a month end)
    before = previous_month(current)
    earliest = previous_month(before)
    before_end = next_month(before) - dt.timedelta(days=1)
    return day, (earliest, before, current), before_end


def _write_history(months, before_end) -> None:
    from django.db import connection

    from kewei.core.statements import Statements
    from kewei.customers.models import CustomerAssets
    from kewei.products.models import AssetsMonth, FeedDay

    sql = Statements({"month": AssetsMonth, "assets": CustomerAssets})
    for number, month in enumerate(months):
        AssetsMonth.objects.unrestricted().filter(month=month).delete()
        # 85 %–115 % of today's assets, a different draw each month (integers only).
        sql.run(
            """
            INSERT INTO {month} (customer_id, month, as_of, days, aum_average, aum_end,
                                 loan_average, loan_end)
            SELECT customer_id, %(month)s, %(month)s, 30,
                   CAST(aum * 100 AS BIGINT) * (85 + (customer_id * %(salt)s) %% 31) / 100,
                   CAST(aum * 100 AS BIGINT), 0, 0
            FROM {assets}
            """,
            {"month": month, "salt": 37 + 16 * number},
        )
    FeedDay.objects.get_or_create(day=before_end, defaults={"manifest_sha256": "bench"})
    if connection.vendor == "postgresql":
        sql.run("ANALYZE {month}")


def _reset() -> None:
    """Forget the tiering the demo seeder did, so the history below is all there is."""
    from kewei.customers.models import Customer
    from kewei.tiers.models import TierChange, TierRun, VipCard

    for model in (TierChange, TierRun, VipCard):
        rows = model.objects.all()
        rows = rows.unrestricted() if hasattr(rows, "unrestricted") else rows
        rows._raw_delete(rows.db)
    Customer.objects.unrestricted().exclude(tier="").update(tier="")


@register_benchmark(
    "tiers.evaluate",
    description="全部客户按月日均重新评级 / re-tier every customer on the month-average AUM",
)
def evaluate_workload(scale: int) -> Measured:
    from kewei.tiers.services import tiers_evaluate

    day, months, before_end = _months_and_days()
    _reset()
    _write_history(months, before_end)
    started = time.perf_counter()
    first = tiers_evaluate(day=before_end)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = tiers_evaluate(day=day)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = tiers_evaluate(day=day)
    again_seconds = time.perf_counter() - started
    assert (again.upgrades, again.downgrades) == (0, 0)
    return Measured(
        rows=result.evaluated,
        seconds=seconds,
        figures={
            "upgrades": result.upgrades,
            "downgrades": result.downgrades,
            "first_tiering_s": round(first_seconds, 2),
            "first_tiering_changes": first.upgrades + first.downgrades,
            "same_day_again_s": round(again_seconds, 2),
        },
    )
