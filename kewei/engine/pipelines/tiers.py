"""Tier evaluation (客户分级). Pure: only Ibis.

A customer's measure is their assets in the evaluated period (a month's average, or the
day's closing AUM), or their household's when the scheme tiers households. Their tier
is the highest whose lower bound the measure reaches; below the lowest tier they have
none (rank 0).

Upgrades take effect at once. The grace rule holds a downgrade back: a customer leaves
their tier only when the measure was below it in the period and in each of the history
months given, and then goes to the tier that the best of those months supports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis


@dataclass(frozen=True)
class TierSpec:
    code: str
    rank: int  # 1 is the lowest tier
    min_fen: int  # lower bound of the measure, in 分


def _rank_of(value: ibis.Value, tiers: Sequence[TierSpec]) -> ibis.Value:
    """The rank of the highest tier whose bound ``value`` reaches; 0 below them all."""
    highest_first = sorted(tiers, key=lambda tier: tier.rank, reverse=True)
    return ibis.cases(
        *((value >= tier.min_fen, tier.rank) for tier in highest_first),
        else_=ibis.literal(0, "int64"),
    )


def _per_key(values: ibis.Table, members: ibis.Table, *extra: str) -> ibis.Table:
    """Values summed per evaluation key (the household, or the customer alone)."""
    joined = values.join(members, values.customer_id == members.member_id)
    return joined.group_by(["key", *extra]).aggregate(value=joined.value.sum())


def tier_changes(
    *,
    customers: ibis.Table,
    period: ibis.Table,
    history: ibis.Table,
    tiers: Sequence[TierSpec],
    households: bool,
    active_status: str,
) -> ibis.Table:
    """The active customers whose tier changes.

    ``period``: (``customer_id``, ``value``) in 分, the measure of the evaluated period;
    ``history``: (``customer_id``, ``month``, ``value``), the same measure in the months
    before it that the grace rule looks at. Customers absent from a table had nothing.

    Output columns: ``customer_id``, ``old_tier``, ``new_tier``, ``direction`` (``up``
    or ``down``), ``measure`` (the period's value, of the household when tiering
    households).
    """
    active = customers.filter(customers.status == active_status)
    own_key = -active.id  # customer ids and household ids must not meet
    key = active.household_id.fill_null(own_key) if households else own_key
    members = active.select(member_id=active.id, key=key, tier=active.tier)

    now = _per_key(period.select("customer_id", "value"), members)
    monthly = _per_key(history.select("customer_id", "month", "value"), members, "month")
    best_before = monthly.group_by("key").aggregate(best=monthly.value.max())

    rows = (
        members.left_join(now, members.key == now.key)
        .select(members.member_id, members.key, members.tier, value=now.value)
        .mutate(value=ibis._.value.fill_null(0))
    )
    rows = rows.left_join(best_before, rows.key == best_before.key).select(
        rows.member_id, rows.tier, rows.value, best=best_before.best.fill_null(0)
    )
    rank_now = _rank_of(rows.value, tiers)
    rank_best = _rank_of(ibis.greatest(rows.value, rows.best), tiers)
    known = rows.tier.isin([tier.code for tier in tiers])
    old_rank = ibis.cases(
        *((rows.tier == tier.code, tier.rank) for tier in tiers), else_=ibis.literal(0, "int64")
    )
    new_rank = ibis.cases(
        (~known | (rank_now >= old_rank), rank_now),
        else_=ibis.least(old_rank, rank_best),
    )
    ranked = rows.select(
        customer_id=rows.member_id,
        old_tier=rows.tier,
        old_rank=old_rank,
        new_rank=new_rank,
        measure=rows.value,
    )
    new_tier = ibis.cases(
        *((ranked.new_rank == tier.rank, tier.code) for tier in tiers),
        else_=ibis.literal(""),
    )
    changed = ranked.mutate(new_tier=new_tier).filter(lambda t: t.new_tier != t.old_tier)
    return changed.select(
        "customer_id",
        "old_tier",
        "new_tier",
        direction=ibis.ifelse(changed.new_rank > changed.old_rank, "up", "down"),
        measure=changed.measure.cast("int64"),
    )
