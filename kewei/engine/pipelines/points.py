"""Points earned on one day (积分计算). Pure: only Ibis.

A day's points come from three sources, each through the rule in force that day for
its category or event kind (at most one rule per category and per event kind):

- balance: the balance of every holding on the day, summed per customer and rule,
  earns ``points`` per 万元 (1,000,000 分);
- spending: the day's payments to merchants from holdings of the rule's category earn
  ``points`` per ``unit`` 分;
- events: each business event of the day earns ``points``.

Balance and spending points are multiplied by the customer's tier multiplier; event
points are fixed. Each (customer, rule) is rounded down to whole points once, after
multiplying. A monthly cap then limits what a customer earns in the month: the day's
rules are granted in rule order until the cap is reached.

Rates arrive as integers (points × 10⁴, multipliers × 100) and every division is an
integer division, so both engines give the same points; intermediate values stay below
2⁵³ for a customer's balance below about 45亿元 in one category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis

from kewei.core.money import FEN_PER_WAN
from kewei.engine.pipelines.common import choose

POINTS_SCALE = 10_000  # rule points are given × 10⁴
MULTIPLIER_SCALE = 100  # tier multipliers are given × 100


@dataclass(frozen=True)
class RuleSpec:
    """One earning rule as the pipeline needs it."""

    id: int
    kind: str  # "balance", "spending" or "event"
    points_e4: int  # points × 10⁴ (per 万元 per day, per unit spent, per event)
    category: str = ""
    event_kind: str = ""
    unit_fen: int = 0  # spending: the amount that earns ``points``
    excluded_products: tuple[int, ...] = ()
    excluded_channels: tuple[str, ...] = ()


def _idiv(numerator: ibis.Value, denominator: int) -> ibis.Value:
    """``numerator // denominator`` for non-negative integers, exactly: the division of
    an exact multiple is exact in floating point (Ibis divides in floating point)."""
    return ((numerator - numerator % denominator) / denominator).cast("int64")


def _rule_of(value: ibis.Value, rules: Sequence[RuleSpec], key: str) -> ibis.Value:
    """The id of the rule whose ``key`` (category or event kind) is ``value``; null for
    none."""
    return choose(((value == getattr(rule, key), rule.id) for rule in rules), ibis.null("int64"))


def _excluded(rule_id: ibis.Value, column: ibis.Value, rules: Sequence[RuleSpec], field: str):
    """True where the row's rule excludes the row's product (or channel)."""
    condition = ibis.literal(False)
    for rule in rules:
        values = getattr(rule, field)
        if values:
            condition = condition | ((rule_id == rule.id) & column.isin(list(values)))
    return condition


def _with_category_rule(
    rows: ibis.Table, held: ibis.Table, catalogue: ibis.Table, rules: Sequence[RuleSpec]
) -> ibis.Table:
    """``rows`` (with a ``holding_id``) with their holding's owner (``owner_id``) and
    product, and the rule of the product's category (``rule_id``); rows that no rule
    covers, or whose product the rule leaves out, are dropped."""
    joined = rows.join(held, rows.holding_id == held.holding_key).join(
        catalogue, held.product_key == catalogue.product_id
    )
    joined = joined.mutate(rule_id=_rule_of(joined.category, rules, "category"))
    return joined.filter(
        joined.rule_id.notnull(),
        ~_excluded(joined.rule_id, joined.product_id, rules, "excluded_products"),
    )


def day_points(
    *,
    intervals: ibis.Table,
    holdings: ibis.Table,
    products: ibis.Table,
    transactions: ibis.Table,
    events: ibis.Table,
    customers: ibis.Table,
    month_earned: ibis.Table,
    day: dt.date,
    month: dt.date,
    rules: Sequence[RuleSpec],
    multipliers: Mapping[str, int],
    monthly_cap: int | None,
    active_status: str,
    outgoing: str,
    merchant: str,
) -> ibis.Table:
    """Per customer and rule, the points earned on ``day``. Output columns:
    ``customer_id``, ``rule_id``, ``points`` (positive)."""
    on = ibis.literal(day)
    balance_rules = [r for r in rules if r.kind == "balance"]
    spending_rules = [r for r in rules if r.kind == "spending"]
    event_rules = [r for r in rules if r.kind == "event"]
    held = holdings.select(
        holding_key=holdings.id, owner_id=holdings.customer_id, product_key=holdings.product_id
    )
    catalogue = products.select(product_id=products.id, category=products.category)
    parts = []

    if balance_rules:
        columns = ("holding_id", "balance")
        # Open intervals, and those ending after the day: two index ranges (see assets).
        still_open = intervals.filter(intervals.valid_to.isnull(), intervals.valid_from <= on)
        ended = intervals.filter(intervals.valid_to > on, intervals.valid_from <= on)
        on_day = still_open.select(*columns).union(ended.select(*columns))
        joined = _with_category_rule(on_day, held, catalogue, balance_rules)
        parts.append(
            joined.group_by(customer_id=joined.owner_id, rule_id=joined.rule_id).aggregate(
                amount=joined.balance.sum()
            )
        )

    if spending_rules:
        flows = transactions.filter(
            transactions.booked_on == on,
            transactions.direction == outgoing,
            transactions.counterparty_kind == merchant,
        ).select("holding_id", "amount", "channel")
        joined = _with_category_rule(flows, held, catalogue, spending_rules)
        joined = joined.filter(
            ~_excluded(joined.rule_id, joined.channel, spending_rules, "excluded_channels")
        )
        parts.append(
            joined.group_by(customer_id=joined.owner_id, rule_id=joined.rule_id).aggregate(
                amount=joined.amount.sum()
            )
        )

    if event_rules:
        happened = events.filter(events.occurred_on == on)
        happened = happened.mutate(rule_id=_rule_of(happened.kind, event_rules, "event_kind"))
        happened = happened.filter(happened.rule_id.notnull())
        parts.append(
            happened.group_by(customer_id=happened.customer_id, rule_id=happened.rule_id).aggregate(
                amount=happened.count()
            )
        )

    if not parts:
        empty = customers.filter(ibis.literal(False))
        return empty.select(
            customer_id=empty.id,
            rule_id=ibis.literal(0, "int64"),
            points=ibis.literal(0, "int64"),
        )
    amounts = parts[0]
    for part in parts[1:]:
        amounts = amounts.union(part)

    # Points × 10⁴ before the multiplier, by the rule's kind.
    base = ibis.cases(
        *(
            (
                amounts.rule_id == rule.id,
                _idiv(amounts.amount * rule.points_e4, FEN_PER_WAN)
                if rule.kind == "balance"
                else _idiv(amounts.amount * rule.points_e4, rule.unit_fen)
                if rule.kind == "spending"
                else amounts.amount * rule.points_e4,
            )
            for rule in rules
        ),
        else_=ibis.literal(0, "int64"),
    )
    members = customers.filter(customers.status == active_status).select(
        member_id=customers.id, tier=customers.tier
    )
    scored = amounts.mutate(base=base).join(members, amounts.customer_id == members.member_id)
    tier_multiplier = choose(
        ((scored.tier == tier, value) for tier, value in multipliers.items()),
        ibis.literal(MULTIPLIER_SCALE, "int64"),
    )
    multiplied = scored.rule_id.isin([r.id for r in rules if r.kind != "event"])
    multiplier = ibis.ifelse(multiplied, tier_multiplier, ibis.literal(MULTIPLIER_SCALE, "int64"))
    points = scored.select(
        "customer_id",
        "rule_id",
        points=_idiv(scored.base * multiplier, POINTS_SCALE * MULTIPLIER_SCALE),
    )
    points = points.filter(points.points > 0)
    if monthly_cap is None:
        return points

    earned = month_earned.filter(month_earned.month == ibis.literal(month)).select(
        earner_id=month_earned.customer_id, earned=month_earned.points
    )
    capped = points.left_join(earned, points.customer_id == earned.earner_id)
    room = ibis.greatest(ibis.literal(monthly_cap, "int64") - capped.earned.fill_null(0), 0)
    window = ibis.window(group_by=capped.customer_id, order_by=capped.rule_id, rows=(None, 0))
    before = capped.points.sum().over(window) - capped.points
    granted = capped.select(
        "customer_id",
        "rule_id",
        points=ibis.least(capped.points, ibis.greatest(room - before, 0)),
    )
    return granted.filter(granted.points > 0)
