"""Demo products, holdings and their history, loaded through the daily feed.

The seeder plays the core banking system: it writes each day's feed files (the format of
``docs/daily-feed.md``) and loads them with ``load_day``, so the demo's balances, flows
and events took exactly the path production data takes. Deterministic: the same seed,
customers and days write the same files.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from django.utils import timezone

from kewei.core.money import yuan
from kewei.core.progress import Progress
from kewei.customers.models import Customer, CustomerStatus
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import holdings_table, write_day
from kewei.products.models import RISK_RATED_CATEGORIES, Category, FeedDay, Product
from kewei.products.services import ProductData, product_create

# (code, name, category, term in days)
CATALOGUE = [
    ("D0001", "个人活期储蓄", Category.DEMAND_DEPOSIT, None),
    ("T0003", "三个月整存整取", Category.TIME_DEPOSIT, 91),
    ("T0012", "一年期整存整取", Category.TIME_DEPOSIT, 365),
    ("T0036", "三年期整存整取", Category.TIME_DEPOSIT, 1095),
    ("CD2026", "2026年第一期个人大额存单（三年）", Category.LARGE_CD, 1095),
    ("WM0091", "稳盈91天理财", Category.WEALTH, 91),
    ("WM0365", "安享一年期理财", Category.WEALTH, 365),
    ("WMCASH", "天天利现金管理理财", Category.WEALTH, None),
    ("FD0001", "沪深300指数基金", Category.FUND, None),
    ("FD0002", "稳健债券基金", Category.FUND, None),
    ("FP0001", "沪深300基金定投计划", Category.FUND_PLAN, None),
    ("IN0001", "安康终身寿险（代理）", Category.INSURANCE, None),
    ("PM0001", "积存金", Category.PRECIOUS_METAL, None),
    ("DC0001", "借记卡（金卡）", Category.DEBIT_CARD, None),
    ("CC0001", "白金信用卡", Category.CREDIT_CARD, None),
    ("PL0001", "个人消费贷款", Category.PERSONAL_LOAN, 1095),
    ("ML0001", "个人住房按揭贷款", Category.MORTGAGE, 10950),
    ("EB0001", "个人网上银行", Category.E_BANKING, None),
    ("MB0001", "手机银行", Category.MOBILE_BANKING, None),
    ("CT0001", "银证三方存管", Category.THIRD_PARTY_DEPOSITORY, None),
    ("PY0001", "代发工资", Category.PAYROLL, None),
]
RISK = {
    Category.WEALTH: "R2",
    Category.FUND: "R3",
    Category.FUND_PLAN: "R3",
    Category.INSURANCE: "R1",
    Category.PRECIOUS_METAL: "R4",
}
# Share of the customer's assets a product takes when held, and how often it is held.
INVESTMENTS = [
    ("T0012", 0.30, 0.25),
    ("T0036", 0.25, 0.10),
    ("CD2026", 0.25, 0.05),
    ("WM0091", 0.20, 0.10),
    ("WMCASH", 0.10, 0.06),
    ("FD0001", 0.10, 0.07),
    ("FD0002", 0.10, 0.04),
    ("IN0001", 0.10, 0.04),
    ("PM0001", 0.05, 0.01),
    ("CT0001", 0.10, 0.04),
]
SERVICES = [("DC0001", 0.55), ("MB0001", 0.45), ("EB0001", 0.20), ("PY0001", 0.15)]
OPENING_EVENT = {
    "MB0001": "mobile_banking_bound",
    "FP0001": "fund_plan_signed",
    "PL0001": "loan_disbursed",
    "ML0001": "loan_disbursed",
    "CC0001": "card_activated",
    "PY0001": "payroll_signed",
}


def _catalogue() -> dict[str, Product]:
    existing = {p.code: p for p in Product.objects.all()}
    for code, name, category, term in CATALOGUE:
        if code not in existing:
            existing[code] = product_create(
                actor=None,
                data=ProductData(
                    code=code,
                    name=name,
                    category=category,
                    risk_level=RISK.get(category, "") if category in RISK_RATED_CATEGORIES else "",
                    term_days=term,
                    sale_start=dt.date(2020, 1, 1),
                ),
            )
    return existing


@dataclass
class Book:
    """Every demo holding, column by column, and its balance as the days go by."""

    account: list[str] = field(default_factory=list)
    customer: list[str] = field(default_factory=list)
    product: list[str] = field(default_factory=list)
    opened: list[dt.date] = field(default_factory=list)
    matures: list[dt.date | None] = field(default_factory=list)
    balance: list[int] = field(default_factory=list)

    def add(self, account, customer, product, opened, matures, balance) -> int:
        self.account.append(account)
        self.customer.append(customer)
        self.product.append(product)
        self.opened.append(opened)
        self.matures.append(matures)
        self.balance.append(balance)
        return len(self.account) - 1


def _fen(yuan: float) -> int:
    return max(0, round(yuan * 100))


def _plan(rng: random.Random, customers, first: dt.date, days: int) -> tuple[Book, dict]:
    """Holdings of every customer, their balances on the first day, and which holdings
    the daily flows move."""
    book = Book()
    roles: dict[str, list[int]] = {"demand": [], "payroll": [], "card": [], "market": []}
    roles["mortgage"] = []
    terms = {code: term for code, _n, _c, term in CATALOGUE}
    history_end = first + dt.timedelta(days=days - 1)
    for number, aum in customers:
        digits = number[-10:]
        aum = float(aum)

        # Most holdings date from before the history; some open during it (new business).
        def opened(p_new: float = 0.04) -> dt.date:
            if days > 1 and rng.random() < p_new:
                return first + dt.timedelta(days=rng.randrange(1, days))
            return first - dt.timedelta(days=rng.randrange(30, 4000))

        # The wealthier the customer, the more likely each investment product.
        wealth = max(1.0, aum / 100_000) ** 0.5
        held = [
            (code, share)
            for code, share, p in INVESTMENTS
            if aum > 20_000 and rng.random() < min(0.9, p * wealth)
        ]
        weights = sum(share for _code, share in held)
        invested = min(0.85, weights) * aum
        demand = aum - invested
        index = book.add(f"6222{digits}00", number, "D0001", opened(0.002), None, _fen(demand))
        roles["demand"].append(index)
        for slot, (code, share) in enumerate(held, start=1):
            start = opened()
            term = terms[code]
            matures = start + dt.timedelta(days=term) if term else None
            if matures and matures <= history_end:
                # Renewed on maturity (自动转存): the current period ends in the future.
                periods = (history_end - start).days // term + 1
                matures = start + dt.timedelta(days=term * periods)
            index = book.add(
                f"6222{digits}{slot:02d}",
                number,
                code,
                start,
                matures,
                _fen(invested * share / weights),
            )
            if code.startswith(("FD", "WM", "PM", "CT")):
                roles["market"].append(index)
        for code, p in SERVICES:
            if rng.random() < p:
                index = book.add(f"{code[:2]}{digits}", number, code, opened(0.03), None, 0)
                if code == "PY0001":
                    roles["payroll"].append(roles["demand"][-1])
        if rng.random() < 0.12:
            index = book.add(f"6258{digits}", number, "CC0001", opened(0.05), None, 0)
            roles["card"].append(index)
        if aum > 50_000 and rng.random() < 0.06:
            start = opened(0.02)
            principal = _fen(rng.choice([50, 80, 100, 150, 200, 300]) * 10_000)
            index = book.add(
                f"ML{digits}", number, "ML0001", start, start + dt.timedelta(days=10950), principal
            )
            roles["mortgage"].append(index)
    return book, roles


def _day_flows(rng, book: Book, roles, day: dt.date, sequence: list[int]):
    """The day's transactions (and their effect on balances)."""
    rows = []

    def book_flow(index, amount, direction, channel, counterparty):
        sequence[0] += 1
        rows.append(
            (
                f"T{day:%Y%m%d}{sequence[0]:08d}",
                book.account[index],
                day.isoformat(),
                str(yuan(amount)),
                direction,
                channel,
                counterparty,
            )
        )

    demand = roles["demand"]
    for index in rng.sample(demand, max(1, len(demand) // 60)):
        if book.opened[index] > day:
            continue
        amount = _fen(math.exp(rng.gauss(7.0, 1.1)))
        if rng.random() < 0.0015:
            amount = _fen(rng.choice([10, 12, 15, 20, 30, 50]) * 10_000)  # 大额
        if amount == 0:
            continue
        if rng.random() < 0.5 and book.balance[index] >= amount:
            book.balance[index] -= amount
            book_flow(
                index,
                amount,
                "out",
                rng.choice(["mobile", "atm", "pos", "e_banking"]),
                rng.choice(["merchant", "other_bank", "cash", "same_bank"]),
            )
        else:
            book.balance[index] += amount
            book_flow(
                index,
                amount,
                "in",
                rng.choice(["counter", "mobile", "e_banking"]),
                rng.choice(["other_bank", "own_account", "same_bank", "cash"]),
            )
    if day.day == 10:
        for index in roles["payroll"]:
            if book.opened[index] <= day:
                amount = _fen(rng.choice([6000, 8000, 12000, 18000, 25000]))
                book.balance[index] += amount
                book_flow(index, amount, "in", "other", "payroll")
    for index in roles["card"]:
        if book.opened[index] > day:
            continue
        if day.day == 20 and book.balance[index] > 0:
            book_flow(index, book.balance[index], "in", "mobile", "own_account")
            book.balance[index] = 0
        elif rng.random() < 0.08:
            amount = _fen(math.exp(rng.gauss(5.5, 1.0)))
            if amount:
                book.balance[index] += amount
                book_flow(index, amount, "out", "pos", "merchant")
    if day.day == 15:
        for index in roles["mortgage"]:
            if book.opened[index] < day and book.balance[index] > 0:
                amount = min(book.balance[index], max(book.balance[index] // 240, 100))
                book.balance[index] -= amount
                book_flow(index, amount, "in", "other", "own_account")
    if day.day == 1:
        # Market value of funds, wealth products and gold moves once a month in the demo.
        for index in roles["market"]:
            book.balance[index] = max(0, int(book.balance[index] * (1 + rng.gauss(0.003, 0.02))))
    return rows


# The demo's most recent days come as daily files; older history as week-end files.
DAILY_DAYS = 92


def _snapshot(book: Book, day: dt.date) -> pa.Table:
    """Every holding open on ``day`` with its balance, as the holdings file's table."""
    table = holdings_table(
        account_number=book.account,
        customer_number=book.customer,
        product_code=book.product,
        opened_on=pa.array(book.opened, pa.date32()),
        matures_on=book.matures,
        balance=book.balance,
    )
    opened = pa.array(book.opened, pa.date32())
    return table.filter(pc.less_equal(opened, pa.scalar(day, pa.date32())))


def _events(book: Book, new: list[int], day: dt.date, sequence: list[int]) -> list[tuple]:
    rows = []
    for index in new:
        code = book.product[index]
        for kind in ("account_opened", OPENING_EVENT.get(code)):
            if kind is None:
                continue
            sequence[0] += 1
            amount = book.balance[index] if code in ("ML0001", "PL0001") else None
            rows.append(
                (
                    f"E{day:%Y%m%d}{sequence[0]:06d}",
                    kind,
                    book.customer[index],
                    book.account[index],
                    code,
                    day.isoformat(),
                    "" if amount is None else str(yuan(amount)),
                )
            )
    return rows


@register_seeder("products", order=30)
def seed_products(context: SeedContext, progress: Progress) -> dict[str, int]:
    _catalogue()
    days = context.days
    if days <= 0:
        return {"days": 0}
    last = timezone.localdate() - dt.timedelta(days=1)  # the feed of yesterday
    first = last - dt.timedelta(days=days - 1)
    loaded = set(
        FeedDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True)
    )
    daily_from = last - dt.timedelta(days=DAILY_DAYS - 1)
    # Older history arrives as week-end files carrying the week's flows: the balance of
    # a day between two files is the earlier file's.
    planned = {
        day
        for day in (first + dt.timedelta(days=n) for n in range(days))
        if day >= daily_from or day.weekday() == 6 or day == first
    }
    if planned <= loaded:
        return {"days": days, "days_loaded": 0}
    rng = context.rng("products")
    customers = list(
        Customer.objects.unrestricted()
        .filter(status=CustomerStatus.ACTIVE)
        .order_by("customer_number")
        .values_list("customer_number", "assets__aum")
    )
    book, roles = _plan(rng, customers, first, days)
    opening: dict[dt.date, list[int]] = {}
    for index, opened_on in enumerate(book.opened):
        if opened_on >= first:
            opening.setdefault(opened_on, []).append(index)
    progress.start(days, "日终数据")
    transactions = 0
    flows: list[tuple] = []
    events: list[tuple] = []
    loaded_now = 0
    with tempfile.TemporaryDirectory(prefix="kewei-feed-") as directory:
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            flows += _day_flows(rng, book, roles, day, [len(flows)])
            events += _events(book, opening.get(day, []), day, [len(events)])
            if day in planned:
                transactions += len(flows)
                if day not in loaded:
                    holdings = _snapshot(book, day)
                    folder = Path(directory) / day.isoformat()
                    write_day(folder, day, holdings=holdings, transactions=flows, events=events)
                    load_day(day, folder)
                    loaded_now += 1
                    for path in folder.iterdir():
                        path.unlink()
                    folder.rmdir()
                flows, events = [], []
            progress.advance(1)
    return {
        "days": days,
        "days_loaded": loaded_now,
        "holdings": len(book.account),
        "transactions": transactions,
    }
