"""Customer analytics (客户分析) on an evaluated day. Pure: only Ibis.

Days are integers (days since 1970-01-01) in the activity summary, so the BG/NBD
figures are integer arithmetic in any dialect.

- RFM with exactly the definitions of the BG/NBD summary (the ``lifetimes`` package's
  ``summary_data_from_transaction_data`` with daily frequency): ``frequency`` is the
  number of active days after the first, ``recency`` the days between the first and the
  last active day, ``t`` the days from the first active day to the evaluated day, and
  ``monetary`` the mean value of the active days after the first (0 without any).
- Scores 1–5 by quintile (5 best: latest, most frequent, highest value) and segments
  from the recency and frequency scores.
- Contribution: the year's spread on the balances held on the day plus the fees on the
  last twelve months' purchases, by the margins configured per product category;
  turnover: money in and out in the last twelve months. A/B/C/D by the two thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis

from kewei.engine.pipelines.common import choose

# (segment, condition on r and f), first match wins; customers with no active day are
# "inactive".
SEGMENTS = (
    ("champions", lambda r, f: (r >= 4) & (f >= 4) & ((r == 5) | (f == 5))),
    ("loyal", lambda r, f: (r >= 3) & (f >= 4)),
    ("new", lambda r, f: (r >= 4) & (f == 1)),
    ("potential", lambda r, f: (r >= 4) & (f >= 2)),
    ("attention", lambda r, f: r == 3),
    ("at_risk", lambda r, f: (r <= 2) & (f >= 4)),
    ("hibernating", lambda r, f: (r == 2) | (f >= 3)),
    ("lost", lambda r, f: ibis.literal(True)),
)


def rfm(summary: ibis.Table, end: int) -> ibis.Table:
    """The BG/NBD summary at day ``end`` from ``summary`` (``customer_id``,
    ``first_active``, ``first_value``, ``last_active``, ``active_days``,
    ``total_value``), which must hold only activity up to ``end``."""
    repeats = summary.active_days - 1
    return summary.select(
        customer_id=summary.customer_id,
        frequency=repeats,
        recency=summary.last_active - summary.first_active,
        t=ibis.literal(end, "int64") - summary.first_active,
        monetary=ibis.ifelse(
            repeats > 0,
            (summary.total_value - summary.first_value).cast("float64") / repeats,
            ibis.literal(0.0),
        ),
    )


def scored(rows: ibis.Table) -> ibis.Table:
    """Quintile scores 1–5 (ties broken by customer id, so a run is reproducible) and
    the segment."""
    since_last = rows.t - rows.recency  # days since the last active day

    def quintile(*order) -> ibis.Value:
        return (ibis.ntile(5).over(order_by=[*order, rows.customer_id]) + 1).cast("int16")

    rows = rows.mutate(
        r_score=quintile(ibis.desc(since_last)),
        f_score=quintile(rows.frequency),
        m_score=quintile(rows.monetary),
    )
    segment = ibis.cases(
        *((test(rows.r_score, rows.f_score), name) for name, test in SEGMENTS[:-1]),
        else_=ibis.literal(SEGMENTS[-1][0]),
    )
    return rows.mutate(segment=segment)


def balances_at(
    intervals: ibis.Table, holdings: ibis.Table, products: ibis.Table, day
) -> ibis.Table:
    """Each holding's balance on ``day`` with its customer and category."""
    covering = intervals.filter(
        intervals.valid_from <= day, intervals.valid_to.isnull() | (intervals.valid_to > day)
    )
    joined = covering.join(holdings, covering.holding_id == holdings.id).join(
        products, holdings.product_id == products.id
    )
    return joined.select(
        customer_id=holdings.customer_id,
        category=products.category,
        balance=covering.balance,
    )


def per_customer_assets(
    balances: ibis.Table,
    services: ibis.Table,
    aum_categories: tuple[str, ...],
    spreads: Mapping[str, float],
) -> ibis.Table:
    """AUM, product coverage and the year's spread income per customer on the day.

    ``services``: (``customer_id``, ``category``) of the open service products (cards,
    e-banking) opened by the day, which count towards coverage without a balance.
    """
    spread = choose(
        [(balances.category == category, rate) for category, rate in spreads.items()], 0.0
    )
    held = balances.filter(balances.balance > 0)
    money = held.group_by("customer_id").aggregate(
        aum=ibis.ifelse(held.category.isin(aum_categories), held.balance, 0).sum(),
        spread_income=(held.balance.cast("float64") * spread).sum(),
    )
    categories = (
        held.select("customer_id", "category")
        .union(services.select("customer_id", "category"))
        .distinct()
    )
    coverage = categories.group_by("customer_id").aggregate(coverage=categories.count())
    # Every customer with a balance has a category: a left join covers them all.
    both = coverage.left_join(money, coverage.customer_id == money.customer_id)
    return both.select(
        customer_id=coverage.customer_id,
        coverage=coverage.coverage,
        aum=money.aum.fill_null(0),
        spread_income=money.spread_income.fill_null(0.0),
    )


def per_customer_flows(flows: ibis.Table, fees: Mapping[str, float]) -> ibis.Table:
    """Turnover (money in and out) and fee income per customer over ``flows``' months."""
    fee = choose([(flows.category == category, rate) for category, rate in fees.items()], 0.0)
    return flows.group_by("customer_id").aggregate(
        turnover=(flows.inflow + flows.outflow).sum(),
        fee_income=(flows.inflow.cast("float64") * fee).sum(),
    )


def measures(
    *,
    customers: ibis.Table,
    activity: ibis.Table,
    assets: ibis.Table,
    flows: ibis.Table,
    day,
    active_status: str,
    contribution_threshold: int,
    turnover_threshold: int,
) -> ibis.Table:
    """One row per active customer: the columns of ``CustomerMeasure``.

    ``activity``: :func:`scored` rows; ``assets``: :func:`per_customer_assets`;
    ``flows``: :func:`per_customer_flows`.
    """
    people = customers.filter(customers.status == active_status)
    rows = (
        people.left_join(activity, people.id == activity.customer_id)
        .left_join(assets, people.id == assets.customer_id)
        .left_join(flows, people.id == flows.customer_id)
    )
    contribution = (
        (assets.spread_income.fill_null(0.0) + flows.fee_income.fill_null(0.0))
        .round()
        .cast("int64")
    )
    turnover = flows.turnover.fill_null(0)
    high_c = contribution >= contribution_threshold
    high_t = turnover >= turnover_threshold
    value_class = ibis.cases(
        (high_c & high_t, "A"), (high_c, "B"), (high_t, "C"), else_=ibis.literal("D")
    )
    return rows.select(
        day=ibis.literal(day, "date"),
        customer_id=people.id,
        department_id=people.department_id,
        manager_id=people.responsible_manager_id,
        frequency=activity.frequency,
        recency=activity.recency,
        t=activity.t,
        monetary=activity.monetary,
        r_score=activity.r_score,
        f_score=activity.f_score,
        m_score=activity.m_score,
        segment=activity.segment.fill_null("inactive"),
        contribution=contribution,
        turnover=turnover,
        value_class=value_class,
        coverage=assets.coverage.fill_null(0).cast("int16"),
        aum=assets.aum.fill_null(0),
    )


def coverage_churn(
    *,
    customers: ibis.Table,
    start_assets: ibis.Table,
    lost: ibis.Table,
    active_status: str,
) -> ibis.Table:
    """Churn by product coverage over a period, per department and coverage (5 means
    five or more): the customers with assets at the start, and how many of them are in
    ``lost`` (:func:`churned`).

    Output: ``department_id``, ``coverage``, ``customers``, ``churned``.
    """
    people = customers.filter(customers.status == active_status)
    base = start_assets.filter(start_assets.aum > 0)
    gone = lost.select(lost_id=lost.customer_id)
    rows = people.join(base, people.id == base.customer_id).left_join(
        gone, people.id == gone.lost_id
    )
    rows = rows.select(
        department_id=people.department_id,
        coverage=ibis.least(base.coverage, 5).cast("int16"),
        churned=ibis.ifelse(gone.lost_id.notnull(), 1, 0),
    )
    return rows.group_by(["department_id", "coverage"]).aggregate(
        customers=rows.count(), churned=rows.churned.sum()
    )


# Churn risk: the features of the rule score and the model, per customer on a day.
FEATURES = (
    "aum_change",  # change of the month-average AUM over three months (share, −1..)
    "idle_ratio",  # days since the last active day ÷ the customer's usual gap
    "single_product",  # 1 when the customer holds one product category or none
    "complaint_open",  # 1 with a complaint open on the day
    "contact_gap",  # days since the last contact (999: never)
    "frequency",
    "monetary",
    "coverage",
    "aum",
)


def churn_features(
    *,
    customers: ibis.Table,
    activity: ibis.Table,
    assets: ibis.Table,
    months: ibis.Table,
    month_now,
    month_before,
    complaints: ibis.Table,
    contacts: ibis.Table,
    day,
    active_status: str,
    open_statuses: tuple[str, ...],
) -> ibis.Table:
    """One row per active customer: ``customer_id``, ``department_id``, ``manager_id``,
    :data:`FEATURES` but ``contact_gap``, and ``last_contact`` (the day of the last
    contact, from which the caller counts the gap). ``activity``: :func:`rfm` rows on
    the day; ``assets``: :func:`per_customer_assets`; ``months``: month-average AUM per
    customer and month."""
    people = customers.filter(customers.status == active_status)
    now = months.filter(months.month == month_now).select(
        customer_id=months.customer_id, now=months.aum_average
    )
    before = months.filter(months.month == month_before).select(
        customer_id=months.customer_id, before=months.aum_average
    )
    open_complaints = (
        complaints.filter(
            complaints.customer_id.notnull(),
            complaints.received_at.date() <= day,
            complaints.status.isin(open_statuses) | (complaints.resolved_at.date() > day),
        )
        .select("customer_id")
        .distinct()
        .mutate(open=ibis.literal(1))
    )
    contacted = (
        contacts.filter(contacts.contacted_on <= day)
        .group_by("customer_id")
        .aggregate(last=contacts.contacted_on.max())
    )
    rows = (
        people.left_join(activity, people.id == activity.customer_id)
        .left_join(assets, people.id == assets.customer_id)
        .left_join(now, people.id == now.customer_id)
        .left_join(before, people.id == before.customer_id)
        .left_join(open_complaints, people.id == open_complaints.customer_id)
        .left_join(contacted, people.id == contacted.customer_id)
    )
    base = before.before.fill_null(0).cast("float64")
    gap = ibis.ifelse(
        activity.frequency > 0,
        activity.recency.cast("float64") / activity.frequency,
        ibis.literal(None, "float64"),
    )
    since_last = (activity.t - activity.recency).cast("float64")
    coverage = assets.coverage.fill_null(0)
    return rows.select(
        customer_id=people.id,
        department_id=people.department_id,
        manager_id=people.responsible_manager_id,
        aum_change=ibis.ifelse(base > 0, (now.now.fill_null(0).cast("float64") - base) / base, 0.0),
        idle_ratio=ibis.ifelse(gap > 0, since_last / gap, since_last.fill_null(999.0) / 30.0),
        single_product=ibis.ifelse(coverage <= 1, 1, 0),
        complaint_open=open_complaints.open.fill_null(0),
        frequency=activity.frequency.fill_null(0),
        monetary=activity.monetary.fill_null(0.0),
        coverage=coverage,
        aum=assets.aum.fill_null(0),
        last_contact=contacted["last"],
    )


def churned(
    *, start_assets: ibis.Table, end_assets: ibis.Table, active: ibis.Table, drop: float
) -> ibis.Table:
    """``customer_id`` of the customers with assets at the start who churned by the end:
    their assets fell by more than ``drop`` (a share), or they had no activity in the
    idle window (``active``: the ``customer_id`` of customers with activity in it)."""
    base = start_assets.filter(start_assets.aum > 0)
    after = end_assets.select(end_id=end_assets.customer_id, end_aum=end_assets.aum)
    seen = active.select(active_id=active.customer_id)
    rows = base.left_join(after, base.customer_id == after.end_id).left_join(
        seen, base.customer_id == seen.active_id
    )
    lost = (
        rows.end_aum.fill_null(0).cast("float64") < rows.aum.cast("float64") * (1 - drop)
    ) | rows.active_id.isnull()
    return rows.filter(lost).select(customer_id=rows.customer_id)
