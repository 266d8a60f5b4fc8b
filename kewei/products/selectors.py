"""Reads of products, holdings and assets that pages, panels and other apps share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from kewei.core.money import yuan
from kewei.products.models import (
    AUM_CATEGORIES,
    LOAN_CATEGORIES,
    AssetsMonth,
    BalanceInterval,
    FeedDay,
    Holding,
    HoldingStatus,
    Product,
    Transaction,
)


def latest_feed_day() -> dt.date | None:
    return FeedDay.objects.order_by("-day").values_list("day", flat=True).first()


def first_feed_day() -> dt.date | None:
    return FeedDay.objects.order_by("day").values_list("day", flat=True).first()


@dataclass(frozen=True)
class AverageBalance:
    start: dt.date
    end: dt.date  # inclusive
    days: int
    average: Decimal  # 元, rounded half up to the fen

    @property
    def covered(self) -> bool:
        return self.days > 0


def _clip(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The part of ``[start, end]`` for which the feed has data."""
    first, last = first_feed_day(), latest_feed_day()
    if first is None or last is None:
        return start, start - dt.timedelta(days=1)
    return max(start, first), min(end, last)


def _average(intervals, start: dt.date, end: dt.date) -> AverageBalance:
    """Average daily balance over ``[start, end]`` (inclusive) from (from, to, fen) rows."""
    start, end = _clip(start, end)
    days = (end - start).days + 1
    if days <= 0:
        return AverageBalance(start, end, 0, Decimal("0.00"))
    stop = end + dt.timedelta(days=1)
    total = 0
    for valid_from, valid_to, balance in intervals:
        low = max(valid_from, start)
        high = min(valid_to or stop, stop)
        if high > low:
            total += balance * (high - low).days
    # Half up, in integers: the same rounding as the batch pipelines.
    average_fen = (total * 2 + days) // (2 * days)
    return AverageBalance(start, end, days, yuan(average_fen))


def average_daily_balance(holding: Holding, start: dt.date, end: dt.date) -> AverageBalance:
    """A holding's average daily balance (日均余额) over any period."""
    rows = BalanceInterval.objects.filter(holding=holding).values_list(
        "valid_from", "valid_to", "balance"
    )
    return _average(rows, start, end)


def average_daily_aum(customer, start: dt.date, end: dt.date) -> AverageBalance:
    """A customer's average daily assets under management over any period."""
    rows = BalanceInterval.objects.filter(
        holding__customer=customer, holding__product__category__in=AUM_CATEGORIES
    ).values_list("valid_from", "valid_to", "balance")
    return _average(rows, start, end)


def daily_aum(customer, start: dt.date, end: dt.date) -> list[tuple[dt.date, Decimal]]:
    """The customer's AUM on every day of ``[start, end]`` that the feed covers."""
    start, end = _clip(start, end)
    if end < start:
        return []
    days = (end - start).days + 1
    fen = [0] * days
    rows = BalanceInterval.objects.filter(
        holding__customer=customer,
        holding__product__category__in=AUM_CATEGORIES,
        valid_from__lte=end,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start))
    for valid_from, valid_to, balance in rows.values_list("valid_from", "valid_to", "balance"):
        first = max((valid_from - start).days, 0)
        last = min(((valid_to - start).days if valid_to else days), days)
        for index in range(first, last):
            fen[index] += balance
    return [(start + dt.timedelta(days=i), yuan(value)) for i, value in enumerate(fen)]


@dataclass(frozen=True)
class AssetsSummary:
    aum: Decimal
    loans: Decimal
    as_of: dt.date | None
    categories: int
    # The latest complete month's average daily AUM (what tiers use) ...
    month: dt.date | None
    month_average_aum: Decimal | None
    # ... and the current month's so far.
    month_to_date: AverageBalance | None


def customer_assets(customer) -> AssetsSummary:
    """What the customer page shows: AUM and loans on the latest loaded day, the
    month-average daily AUM of the latest complete month and of the month so far."""
    latest = AssetsMonth.objects.filter(customer=customer).order_by("-month").first()
    loans = Holding.objects.filter(
        customer=customer, product__category__in=LOAN_CATEGORIES
    ).aggregate(total=Sum("balance"))["total"]
    as_of = latest_feed_day()
    return AssetsSummary(
        aum=customer.aum,
        loans=yuan(loans or 0),
        as_of=as_of,
        categories=customer.product_categories,
        month=latest.month if latest else None,
        month_average_aum=yuan(latest.aum_average) if latest else None,
        month_to_date=average_daily_aum(customer, as_of.replace(day=1), as_of) if as_of else None,
    )


def customer_holdings(customer) -> QuerySet[Holding]:
    return (
        Holding.objects.filter(customer=customer)
        .select_related("product")
        .order_by("status", "product__category", "-balance")
    )


def recent_transactions(customer, limit: int = 20) -> list[Transaction]:
    return list(
        Transaction.objects.filter(customer=customer)
        .select_related("holding__product")
        .order_by("-booked_on", "-id")[:limit]
    )


def product_list(*, category: str = "", status: str = "", text: str = "") -> QuerySet[Product]:
    # No holder counts here: at a bank's volume that is an aggregate over every holding
    # on each page view; the product's own page shows them.
    products = Product.objects.all()
    if category:
        products = products.filter(category=category)
    if status:
        products = products.filter(status=status)
    if text:
        products = products.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return products.order_by("category", "code")


def balance_history(holding: Holding, limit: int = 60) -> list[BalanceInterval]:
    """The holding's latest balance intervals, newest first."""
    return list(BalanceInterval.objects.filter(holding=holding).order_by("-valid_from")[:limit])


@dataclass(frozen=True)
class ProductSummary:
    holders: int
    open_holdings: int
    balance: Decimal


def product_summary(product: Product) -> ProductSummary:
    """Holders and balance of a product within the user's scope."""
    open_holdings = Holding.objects.filter(product=product, status=HoldingStatus.OPEN)
    totals = open_holdings.aggregate(
        holders=Count("customer", distinct=True), count=Count("id"), balance=Sum("balance")
    )
    return ProductSummary(
        holders=totals["holders"] or 0,
        open_holdings=totals["count"] or 0,
        balance=yuan(totals["balance"] or 0),
    )


def assets_of_window(start: dt.date, end: dt.date, customer_ids=None):
    """The Ibis expression of every customer's (or ``customer_ids``') average daily and
    closing AUM and loans over the days ``[start, end)``, from the balance intervals:
    what the monthly assets, the closing-AUM tiers and the referral rewards read."""
    from kewei.engine.pipelines.assets import window_assets
    from kewei.engine.schemas import table as ibis_table

    return window_assets(
        ibis_table(BalanceInterval),
        ibis_table(Holding),
        ibis_table(Product),
        start=start,
        end=end,
        aum_categories=AUM_CATEGORIES,
        loan_categories=LOAN_CATEGORIES,
        customer_ids=customer_ids,
    )
