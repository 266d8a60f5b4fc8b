"""Benchmark of the daily feed (registered with ``kewei bench``): the next business day
for every customer of the bench bank, loaded and its AUM computed."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from kewei.bench.registry import Measured, register_benchmark


def _next_day_files(directory: Path, transactions: int) -> tuple[dt.date, dict[str, int]]:
    """Tomorrow's files written from the holdings as they stand: every holding's balance
    (a tenth of them changed) and ``transactions`` flows on demand deposits. The
    holdings are read column-wise, as the loader reads them, so that the workload's
    peak memory is mostly the loader's own."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from django.db import connection

    from kewei.core.bulk import fetch_arrow
    from kewei.customers.models import Customer
    from kewei.products.feed.writing import holdings_table, write_day
    from kewei.products.models import Category, FeedDay, Holding, HoldingStatus, Product
    from kewei.products.selectors import latest_feed_day

    last = latest_feed_day() or dt.date(2026, 11, 24)
    day = last + dt.timedelta(days=1)
    while FeedDay.objects.filter(day=day).exists():
        day += dt.timedelta(days=1)
    quote = connection.ops.quote_name
    # Table names from the models and a status constant: no input reaches the text.
    held = fetch_arrow(
        "SELECT h.account_number, c.customer_number, p.code, CAST(h.opened_on AS TEXT), "  # noqa: S608
        "CAST(h.matures_on AS TEXT), h.balance, p.category "
        f"FROM {quote(Holding._meta.db_table)} h "
        f"JOIN {quote(Customer._meta.db_table)} c ON c.id = h.customer_id "
        f"JOIN {quote(Product._meta.db_table)} p ON p.id = h.product_id "
        f"WHERE h.status = '{HoldingStatus.OPEN}' ORDER BY h.id",
        pa.schema(
            [
                ("account_number", pa.string()),
                ("customer_number", pa.string()),
                ("product_code", pa.string()),
                ("opened_on", pa.string()),
                ("matures_on", pa.string()),
                ("balance", pa.int64()),
                ("category", pa.string()),
            ]
        ),
    )
    rng = random.Random(f"bench:{day}")
    balances = held.column("balance").to_pylist()
    changed = len(balances) // 10
    for index in rng.sample(range(len(balances)), changed):
        balances[index] = max(0, balances[index] + rng.randrange(-50_000, 100_000))
    holdings = holdings_table(
        account_number=held.column("account_number").combine_chunks(),
        customer_number=held.column("customer_number").combine_chunks(),
        product_code=held.column("product_code").combine_chunks(),
        opened_on=held.column("opened_on").combine_chunks(),
        matures_on=held.column("matures_on").combine_chunks(),
        balance=balances,
    )
    demand = held.filter(pc.equal(held.column("category"), Category.DEMAND_DEPOSIT))
    accounts = demand.column("account_number").to_pylist()
    flows = (
        (
            f"B{day:%Y%m%d}{index:09d}",
            accounts[rng.randrange(len(accounts))],
            day.isoformat(),
            f"{rng.randrange(1, 300_000)}.{rng.randrange(100):02d}",
            rng.choice(("in", "out")),
            rng.choice(("counter", "atm", "mobile", "e_banking", "pos")),
            rng.choice(("other_bank", "merchant", "own_account", "cash")),
        )
        for index in range(transactions if accounts else 0)
    )
    write_day(directory, day, holdings=holdings, transactions=flows)
    return day, {"holdings": held.num_rows, "changed": changed}


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
