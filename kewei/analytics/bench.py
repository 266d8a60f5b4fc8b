"""Benchmarks of the analytics (registered with ``kewei bench``).

``analytics.rfm`` tops the transactions up to five per customer over two years
(untimed), absorbs them all into the activity summary (the one-off start), then times
the RFM summary of the latest day against the ``lifetimes`` package's
``summary_data_from_transaction_data`` on the same transactions in the same run, and
checks that both agree customer for customer. It then times a day's absorption (the
nightly increment), the whole refresh of the day (scores, segments, contribution,
turnover, classes, coverage and the coverage/churn table) and the churn risk (features
on three days, the model trained and evaluated, every customer scored).
"""

from __future__ import annotations

import datetime as dt
import time

from kewei.bench.registry import Measured, register_benchmark

PER_CUSTOMER = 5
HISTORY_DAYS = 730


def _top_up(target: int, end: dt.date) -> int:
    """Synthetic transactions on each customer's first holding, spread over two years
    before ``end``, until there are ``target`` (one statement per round)."""
    from django.db import connection

    from kewei.products.models import Holding, Transaction

    quote = connection.ops.quote_name
    holdings, transactions = (
        quote(Holding._meta.db_table),
        quote(Transaction._meta.db_table),
    )
    if connection.vendor == "postgresql":
        offset, amount = (
            "floor(random() * %(days)s)::int",
            "(1 + floor(random() * 5000000))::bigint",
        )
        booked = f"(%(end)s::date - {offset})"
    else:
        offset, amount = "abs(random()) %% %(days)s", "1 + abs(random()) %% 5000000"
        booked = f"date(%(end)s, '-' || ({offset}) || ' days')"
    while (have := Transaction.objects.unrestricted().count()) < target:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {transactions} (transaction_id, holding_id, customer_id, booked_on,
                    amount, direction, channel, counterparty_kind, is_large, feed_day)
                SELECT 'BENCH-' || %(round)s || '-' || h.id, h.id, h.customer_id, {booked},
                    {amount}, CASE WHEN h.id %% 2 = 0 THEN 'in' ELSE 'out' END, 'counter',
                    'cash', %(no)s, %(end)s
                FROM {holdings} h
                WHERE h.id IN (SELECT MIN(id) FROM {holdings} GROUP BY customer_id)
                LIMIT %(limit)s
                """,  # noqa: S608  (model tables)
                {
                    "round": have,
                    "days": HISTORY_DAYS,
                    "end": end,
                    "no": False,
                    "limit": target - have,
                },
            )
    return Transaction.objects.unrestricted().count()


def _reset() -> None:
    from kewei.analytics.models import ActivitySummary, FlowMonth, Watermark

    ActivitySummary.objects.unrestricted().all().delete()
    FlowMonth.objects.unrestricted().all().delete()
    Watermark.objects.all().delete()


@register_benchmark(
    "analytics.rfm",
    description="RFM 汇总对比 lifetimes，及全量分析刷新 / RFM vs lifetimes, and the refresh",
)
def rfm_workload(scale: int) -> Measured:
    import pandas as pd
    from django.db import connection
    from lifetimes.utils import summary_data_from_transaction_data

    from kewei.analytics import services
    from kewei.analytics.churn import churn_refresh
    from kewei.analytics.models import ActivitySummary
    from kewei.customers.models import Customer
    from kewei.engine import runner
    from kewei.engine.pipelines import analytics as pipeline
    from kewei.engine.schemas import table
    from kewei.products.models import Transaction
    from kewei.products.selectors import latest_feed_day

    end = latest_feed_day() or dt.date(2026, 11, 25)
    customers = Customer.objects.unrestricted().count()
    count = _top_up(PER_CUSTOMER * customers, end)
    Transaction.objects.unrestricted().filter(booked_on__gt=end).update(booked_on=end)
    _reset()

    started = time.perf_counter()
    services.activity_absorb()
    absorb_all = time.perf_counter() - started

    # The RFM summary of the day, from the summary, materialised in the database.
    rfm_sql = runner.to_sql(pipeline.rfm(table(ActivitySummary), services.epoch_day(end)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_rfm")
        started = time.perf_counter()
        cursor.execute(f"CREATE TABLE bench_rfm AS {rfm_sql}")
        seconds = time.perf_counter() - started
        cursor.execute("SELECT customer_id, frequency, recency, t, monetary FROM bench_rfm")
        mine = pd.DataFrame(
            cursor.fetchall(), columns=["customer_id", "frequency", "recency", "T", "monetary"]
        ).set_index("customer_id")
        cursor.execute("DROP TABLE bench_rfm")

    # The reference on the same transactions (fetching them is not counted).
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, booked_on, amount FROM "  # noqa: S608
            f"{connection.ops.quote_name(Transaction._meta.db_table)} WHERE booked_on <= %s",
            [end],
        )
        frame = pd.DataFrame(cursor.fetchall(), columns=["customer_id", "booked_on", "amount"])
    frame["booked_on"] = pd.to_datetime(frame["booked_on"])
    fetch = time.perf_counter() - started
    started = time.perf_counter()
    reference = summary_data_from_transaction_data(
        frame,
        "customer_id",
        "booked_on",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(end),
        freq="D",
    )
    reference_seconds = time.perf_counter() - started
    mine = mine.sort_index()
    reference = reference.sort_index()
    assert list(mine.index) == list(reference.index.astype("int64"))
    for column in ("frequency", "recency", "T"):
        assert (mine[column].to_numpy() == reference[column].to_numpy()).all(), column
    difference = (mine["monetary"] - reference["monetary_value"]).abs().max()
    assert difference < 1e-6, difference

    # The nightly increment: a day's transactions (a 730th of the history) absorbed.
    day_rows = max(1, count // HISTORY_DAYS)
    _top_up(count + day_rows, end)
    started = time.perf_counter()
    increment = services.activity_absorb()
    absorb_day = time.perf_counter() - started

    started = time.perf_counter()
    refreshed = services.analytics_refresh(day=end)
    refresh = time.perf_counter() - started
    started = time.perf_counter()
    risk = churn_refresh(day=end)
    churn_seconds = time.perf_counter() - started
    model = risk.model
    return Measured(
        rows=count,
        seconds=seconds,
        figures={
            "customers": customers,
            "rfm_customers": len(mine),
            "lifetimes_s": round(reference_seconds, 2),
            "speedup_vs_lifetimes": round(reference_seconds / seconds, 1),
            "lifetimes_fetch_s": round(fetch, 2),
            "absorb_all_s": round(absorb_all, 2),
            "absorb_day_rows": increment.transactions,
            "absorb_day_s": round(absorb_day, 2),
            "refresh_s": round(refresh, 2),
            "refresh_customers": refreshed.customers,
            "churn_s": round(churn_seconds, 2),
            "churn_high_risk": risk.high_risk,
            "churn_auc": round(model.auc, 3) if model and model.auc is not None else None,
            "churn_top_decile": round(model.top_decile_precision, 3) if model else None,
        },
    )
