"""Benchmark of the daily feed (registered with ``kewei bench``): the next business day
for every customer of the bench bank, loaded and its AUM computed."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from kewei.bench.registry import Measured, register_benchmark


def _next_day_files(directory: Path, transactions: int) -> tuple[dt.date, dict[str, int]]:
    """Tomorrow's files written from the holdings as they stand: every holding's balance
    (a tenth of them changed) and ``transactions`` flows on demand deposits."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from kewei.products.feed.writing import write_day
    from kewei.products.models import FeedDay, Holding, HoldingStatus
    from kewei.products.selectors import latest_feed_day

    last = latest_feed_day() or dt.date(2026, 11, 24)
    day = last + dt.timedelta(days=1)
    while FeedDay.objects.filter(day=day).exists():
        day += dt.timedelta(days=1)
    rows = list(
        Holding.objects.unrestricted()
        .filter(status=HoldingStatus.OPEN)
        .order_by("id")
        .values_list(
            "account_number",
            "customer__customer_number",
            "product__code",
            "opened_on",
            "matures_on",
            "balance",
            "product__category",
        )
    )
    rng = random.Random(f"bench:{day}")
    balances = [row[5] for row in rows]
    changed = 0
    for index in rng.sample(range(len(rows)), len(rows) // 10):
        balances[index] = max(0, balances[index] + rng.randrange(-50_000, 100_000))
        changed += 1
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 7
    amounts = pc.multiply(
        pa.array(balances, pa.int64()).cast(pa.decimal128(19, 0)),
        pa.scalar(Decimal("0.01"), pa.decimal128(3, 2)),
    ).cast(pa.string())
    holdings = pa.table(
        {
            "account_number": pa.array(columns[0], pa.string()),
            "customer_number": pa.array(columns[1], pa.string()),
            "product_code": pa.array(columns[2], pa.string()),
            "opened_on": pa.array(columns[3], pa.date32()).cast(pa.string()),
            "matures_on": pc.fill_null(pa.array(columns[4], pa.date32()).cast(pa.string()), ""),
            "status": pa.array(["open"] * len(rows), pa.string()),
            "balance": amounts,
        }
    )
    demand = [row[0] for row in rows if row[6] == "demand_deposit"]
    flows = (
        (
            f"B{day:%Y%m%d}{index:09d}",
            demand[rng.randrange(len(demand))],
            day.isoformat(),
            f"{rng.randrange(1, 300_000)}.{rng.randrange(100):02d}",
            rng.choice(("in", "out")),
            rng.choice(("counter", "atm", "mobile", "e_banking", "pos")),
            rng.choice(("other_bank", "merchant", "own_account", "cash")),
        )
        for index in range(transactions if demand else 0)
    )
    write_day(directory, day, holdings=holdings, transactions=flows)
    return day, {"holdings": len(rows), "changed": changed}


@register_benchmark(
    "products.load_day",
    description="装载一天日终数据并计算金融资产 / load a day of the feed and compute AUM",
)
def load_day_workload(scale: int) -> Measured:
    from kewei.products.feed.loading import load_day

    transactions = max(1000, scale // 2)
    with tempfile.TemporaryDirectory() as directory:
        day, figures = _next_day_files(Path(directory), transactions)
        started = time.perf_counter()
        result = load_day(day, Path(directory))
        seconds = time.perf_counter() - started
    loaded = sum(counts.loaded for counts in result.files.values())
    return Measured(
        rows=loaded,
        seconds=seconds,
        figures={**figures, "transactions": transactions, "rejected": result.rejected},
    )
