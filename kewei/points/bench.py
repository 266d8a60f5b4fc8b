"""Benchmarks of the points ledger (registered with ``kewei bench``): a day's accrual
for every customer, against a straightforward per-customer ORM implementation of the
same rules, and the verification of the whole ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from kewei.bench.registry import Measured, register_benchmark

# The per-customer reference takes milliseconds a customer: it runs on an even sample of
# the customers, its time is scaled to all of them, and its points are compared with
# the batch's points for the same customers.
REFERENCE_SAMPLE = 2000


def _sample(scale: int) -> list[int]:
    from kewei.customers.models import Customer, CustomerStatus

    ids = list(
        Customer.objects.filter(status=CustomerStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    step = max(1, len(ids) // REFERENCE_SAMPLE)
    return ids[::step][:REFERENCE_SAMPLE]


def _digest(rows: list[tuple[int, str, int]]) -> dict:
    rows = sorted(rows)
    text = "\n".join(f"{c}:{r}:{p}" for c, r, p in rows)
    return {
        "entries": len(rows),
        "points": sum(p for _c, _r, p in rows),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


def _day_to_accrue(scale: int) -> dt.date:
    """The latest loaded day (in the full suite: the day products.load_day loaded); when
    its points were already awarded (by the demo seeder), the next day's feed, with
    half as many transactions as customers, is written and loaded first (untimed)."""
    from kewei.points.models import AccrualDay
    from kewei.products.bench import _next_day_files
    from kewei.products.feed.loading import load_day
    from kewei.products.selectors import latest_feed_day

    day = latest_feed_day()
    if day is not None and not AccrualDay.objects.filter(day=day).exists():
        return day
    with tempfile.TemporaryDirectory() as directory:
        day, _figures = _next_day_files(Path(directory), max(1000, scale // 2))
        load_day(day, Path(directory))
    return day


def _reference(scale: int) -> Measured:
    """The straightforward version: for each customer, a few ORM queries and Python
    arithmetic for every rule in force."""
    from django.db.models import Q, Sum

    from kewei.customers.models import Customer
    from kewei.points.models import AccrualDay, EntryKind, PointsEntry
    from kewei.points.selectors import policy_for, rules_in_force
    from kewei.products.models import BalanceInterval, BusinessEvent, Transaction

    day = AccrualDay.objects.order_by("-day").values_list("day", flat=True).first()
    policy = policy_for(day)
    rules = list(rules_in_force(day))
    excluded = {rule.pk: {p.pk for p in rule.excluded_products.all()} for rule in rules}
    multipliers = {t: Decimal(v) for t, v in (policy.tier_multipliers or {}).items()}
    sample = _sample(scale)
    started = time.perf_counter()
    rows = []
    for customer in Customer.objects.filter(pk__in=sample).order_by("pk"):
        multiplier = multipliers.get(customer.tier, Decimal(1))
        awarded = []
        for rule in rules:
            points_e4 = int(rule.points * 10_000)
            if rule.kind == "balance":
                intervals = BalanceInterval.objects.filter(
                    Q(valid_to__isnull=True) | Q(valid_to__gt=day),
                    holding__customer=customer,
                    holding__product__category=rule.category,
                    valid_from__lte=day,
                ).exclude(holding__product_id__in=excluded[rule.pk])
                amount = intervals.aggregate(total=Sum("balance"))["total"] or 0
                base = amount * points_e4 // 1_000_000
            elif rule.kind == "spending":
                flows = Transaction.objects.filter(
                    customer=customer,
                    booked_on=day,
                    direction="out",
                    counterparty_kind="merchant",
                    holding__product__category=rule.category,
                ).exclude(holding__product_id__in=excluded[rule.pk])
                flows = flows.exclude(channel__in=rule.excluded_channels or [])
                amount = flows.aggregate(total=Sum("amount"))["total"] or 0
                base = amount * points_e4 // int(rule.unit_yuan * 100)
            else:
                count = BusinessEvent.objects.filter(
                    customer=customer, occurred_on=day, kind=rule.event_kind
                ).count()
                base = count * points_e4
            factor = multiplier if rule.kind != "event" else Decimal(1)
            points = base * int(factor * 100) // 1_000_000
            if points > 0:
                awarded.append((rule, points))
        if policy.monthly_cap is not None and awarded:
            before = (
                PointsEntry.objects.filter(
                    customer=customer,
                    kind=EntryKind.EARN,
                    rule__isnull=False,
                    occurred_on__gte=day.replace(day=1),
                    occurred_on__lt=day,
                ).aggregate(total=Sum("points"))["total"]
                or 0
            )
            room = max(policy.monthly_cap - before, 0)
            capped = []
            for rule, points in awarded:
                granted = min(points, room)
                room -= granted
                if granted > 0:
                    capped.append((rule, granted))
            awarded = capped
        rows += [(customer.pk, rule.code, points) for rule, points in awarded]
    seconds = time.perf_counter() - started
    customers = Customer.objects.filter(status="active").count()
    return Measured(
        rows=len(sample),
        result=_digest(rows),
        # Scaled from the sample to every customer, so that the ratio compares the same work.
        seconds=seconds * customers / max(1, len(sample)),
    )


@register_benchmark(
    "points.accrue",
    reference=_reference,
    description="计算一天的积分（批处理引擎）/ accrue a day's points for every customer",
)
def accrue_workload(scale: int) -> Measured:
    from kewei.points.models import PointsEntry
    from kewei.points.services import points_accrue

    day = _day_to_accrue(scale)
    started = time.perf_counter()
    result = points_accrue(day=day)
    seconds = time.perf_counter() - started
    sample = _sample(scale)
    # The sample's entries of the day, by the (customer, day) index.
    rows = list(
        PointsEntry.objects.filter(
            customer_id__in=sample, occurred_on=day, rule__isnull=False
        ).values_list("customer_id", "rule__code", "points")
    )
    return Measured(
        rows=result.entries,
        result=_digest(rows),
        seconds=seconds,
        figures={
            "points": result.points,
            "reference_sample": len(sample),
        },
    )


@register_benchmark("points.verify", description="核对全部积分账 / verify the whole points ledger")
def verify_workload(scale: int) -> Measured:
    from kewei.points.models import PointsAccount
    from kewei.points.services import points_verify

    violations = points_verify()
    if violations:
        raise AssertionError(f"{len(violations)} violations, first: {violations[0]}")
    return Measured(rows=PointsAccount.objects.count(), figures={"violations": 0})


REDEEMING_CLIENTS = 16


@register_benchmark(
    "points.redeem_concurrent",
    description="16 个并发柜台同时兑换（PostgreSQL）/ redemptions from 16 concurrent clients",
)
def redeem_workload(scale: int) -> Measured:
    """Sixteen counters redeeming at once, each a thread with its own connection: a
    tenth of the attempts go to customers another counter is serving at the same time.
    Afterwards (untimed) the whole ledger is verified."""
    import threading
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from kewei.customers.models import Customer
    from kewei.organisation.models import Department, DepartmentLevel
    from kewei.points.models import Gift, PointsAccount, StockKind
    from kewei.points.redemptions import (
        GiftData,
        RedemptionError,
        gift_create,
        gift_stock_move,
        points_redeem,
    )
    from kewei.points.services import points_verify

    if connection.vendor != "postgresql":
        return Measured(rows=0, figures={"skipped": "row locks need PostgreSQL"})
    gift = Gift.objects.filter(code="BENCH").first() or gift_create(
        actor=None, data=GiftData(code="BENCH", name="基准测试礼品", points_price=10)
    )
    attempts = max(REDEEMING_CLIENTS * 50, min(scale // 100, 8000))
    gift_stock_move(actor=None, gift=gift, kind=StockKind.RECEIPT, quantity=attempts, reason="")
    holders = list(
        PointsAccount.objects.filter(balance__gte=30)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:attempts]
    )
    outlet = Department.objects.filter(level=DepartmentLevel.OUTLET).first()
    people = {c.pk: c for c in Customer.objects.filter(pk__in=holders)}
    # Every tenth attempt goes to a customer also served by the attempt before it.
    plan = [holders[i - 1 if i % 10 == 0 and i else i] for i in range(len(holders))]
    outcomes = {"ok": 0, "refused": 0}
    lock = threading.Lock()
    start = threading.Barrier(REDEEMING_CLIENTS)

    def counter(index: int) -> None:
        start.wait()
        try:
            for customer_id in plan[index::REDEEMING_CLIENTS]:
                try:
                    points_redeem(
                        actor=None,
                        customer=people[customer_id],
                        gift=gift,
                        quantity=1,
                        outlet=outlet,
                        idempotency_key=uuid.uuid4().hex,
                    )
                    result = "ok"
                except RedemptionError:
                    result = "refused"
                with lock:
                    outcomes[result] += 1
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=REDEEMING_CLIENTS) as pool:
        list(pool.map(counter, range(REDEEMING_CLIENTS)))
    seconds = time.perf_counter() - started
    violations = points_verify()
    if violations:
        raise AssertionError(f"{len(violations)} violations, first: {violations[0]}")
    return Measured(
        rows=len(plan),
        seconds=seconds,
        figures={
            "clients": REDEEMING_CLIENTS,
            "per_second": round(len(plan) / seconds, 1),
            **outcomes,
            "violations": 0,
        },
    )
