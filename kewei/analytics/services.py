"""The analytics' batch work, set-based: absorbing new transactions into the
incremental tables, and evaluating a day into the derived tables.

Transactions are absorbed once each, by id above a watermark, under the loads' lock
(so no load commits lower ids meanwhile): the latest day's RFM needs no rescan of
history. An earlier day is evaluated from the transactions up to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from kewei.analytics.actions import AnalyticsAction
from kewei.analytics.models import (
    ActivitySummary,
    AnalyticsRun,
    AnalyticsSettings,
    CoverageChurn,
    CustomerMeasure,
    FlowMonth,
    StagedActiveDay,
    StagedSummary,
    Watermark,
)
from kewei.audit.services import audit_record, snapshot
from kewei.core.calendar import add_months, month_start
from kewei.core.statements import Statements
from kewei.customers.models import Customer, CustomerStatus
from kewei.engine import runner
from kewei.engine.pipelines import analytics as pipeline
from kewei.engine.schemas import table
from kewei.products.feed.loading import wait_for_loads
from kewei.products.models import (
    AUM_CATEGORIES,
    CATEGORY_KIND,
    AssetKind,
    BalanceInterval,
    Holding,
    HoldingStatus,
    Product,
    Transaction,
)

EPOCH = dt.date(1970, 1, 1)
ACTIVITY = "activity"

# Default margins: the annual spread earned on a category's balances, and the fee on
# its purchases (a bank replaces them with its own on the settings page).
DEFAULT_MARGINS = {
    "demand_deposit": {"spread": 0.015, "fee": 0.0},
    "time_deposit": {"spread": 0.008, "fee": 0.0},
    "large_cd": {"spread": 0.006, "fee": 0.0},
    "wealth": {"spread": 0.004, "fee": 0.002},
    "fund": {"spread": 0.0, "fee": 0.012},
    "fund_plan": {"spread": 0.0, "fee": 0.01},
    "insurance": {"spread": 0.0, "fee": 0.02},
    "precious_metal": {"spread": 0.0, "fee": 0.008},
    "personal_loan": {"spread": 0.025, "fee": 0.0},
    "mortgage": {"spread": 0.012, "fee": 0.0},
    "credit_card": {"spread": 0.05, "fee": 0.0},
}

_SQL = Statements(
    {
        "transaction": Transaction,
        "holding": Holding,
        "product": Product,
        "summary": ActivitySummary,
        "flow": FlowMonth,
        "staged": StagedActiveDay,
        "staged_summary": StagedSummary,
    }
)


def epoch_day(day: dt.date) -> int:
    return (day - EPOCH).days


def _epoch_sql(column: str) -> str:
    """SQL for the days from 1970-01-01 to a date column."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS DATE)"
    return f"date({column}, 'start of month')"


def settings_in_force() -> AnalyticsSettings:
    found = AnalyticsSettings.objects.order_by("-pk").first()
    return found or AnalyticsSettings(margins=DEFAULT_MARGINS)


@transaction.atomic
def settings_save(*, actor, values: dict) -> AnalyticsSettings:
    """New settings (the previous ones stay as history); they apply from the next
    evaluated day."""
    before = settings_in_force()
    saved = AnalyticsSettings.objects.create(**values)
    audit_record(
        actor=actor,
        action=AnalyticsAction.SETTINGS,
        subject=saved,
        before=snapshot(before, values),
        after=snapshot(saved, values),
    )
    return saved


# --- absorbing transactions --------------------------------------------------------------


@dataclass(frozen=True)
class Absorbed:
    transactions: int
    customers: int


def _stage_days(where: str, params: dict) -> None:
    """The days of the transactions matching ``where`` per customer, with their value."""
    _SQL.run("DELETE FROM {staged}")
    _SQL.run(
        "INSERT INTO {staged} (customer_id, booked_on, day, value, is_new) "
        f"SELECT customer_id, booked_on, {_epoch_sql('booked_on')}, SUM(amount), %(yes)s "
        f"FROM {{transaction}} WHERE {where} GROUP BY customer_id, booked_on",
        {**params, "yes": True},
    )


def activity_absorb() -> Absorbed:
    """Add the transactions that arrived since the last absorption to the activity
    summary and the monthly flows. Running it again absorbs nothing twice."""
    with transaction.atomic():
        wait_for_loads()
        mark, _created = Watermark.objects.select_for_update().get_or_create(name=ACTIVITY)
        high = Transaction.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if high <= mark.last_id:
            return Absorbed(0, 0)
        span = {"low": mark.last_id, "high": high}
        count = Transaction.objects.filter(id__gt=mark.last_id, id__lte=high).count()
        _stage_days("id > %(low)s AND id <= %(high)s", span)
        # A day already active before (a transaction at or below the watermark) adds
        # value but not another active day.
        _SQL.run(
            "UPDATE {staged} SET is_new = %(no)s WHERE EXISTS (SELECT 1 FROM {transaction} t "
            "WHERE t.customer_id = {staged}.customer_id AND t.booked_on = {staged}.booked_on "
            "AND t.id <= %(low)s)",
            {**span, "no": False},
        )
        customers = _insert_summary_from_staged("{summary}", add=True)
        _insert_flows("t.id > %(low)s AND t.id <= %(high)s", span, add=True)
        _SQL.run("DELETE FROM {staged}")
        mark.last_id, mark.updated_at = high, timezone.now()
        mark.save(update_fields=["last_id", "updated_at"])
    return Absorbed(count, customers)


def activity_rebuild(customer_ids: list[int]) -> None:
    """Rebuild the incremental tables of ``customer_ids`` from their transactions (after
    a merge moved transactions between customers). Inside the caller's transaction."""
    wait_for_loads()
    mark = Watermark.objects.filter(name=ACTIVITY).values_list("last_id", flat=True).first()
    ids = {f"c{n}": pk for n, pk in enumerate(customer_ids)}
    listed = ", ".join(f"%({name})s" for name in ids)
    ids["high"] = mark or 0
    in_ids = f"customer_id IN ({listed}) AND id <= %(high)s"
    ActivitySummary.objects.unrestricted().filter(customer_id__in=customer_ids).delete()
    FlowMonth.objects.unrestricted().filter(customer_id__in=customer_ids).delete()
    if not mark:
        return
    _stage_days(in_ids, ids)
    _insert_summary_from_staged("{summary}")
    _insert_flows(f"t.customer_id IN ({listed}) AND t.id <= %(high)s", ids, add=False)
    _SQL.run("DELETE FROM {staged}")


def _insert_flows(where: str, params: dict, *, add: bool) -> None:
    """Money in and out per customer, month and category of the transactions matching
    ``where`` (aliased ``t``); ``add``: onto the months already there."""
    upsert = (
        """
        ON CONFLICT (customer_id, month, category) DO UPDATE SET
          inflow = {flow}.inflow + excluded.inflow,
          outflow = {flow}.outflow + excluded.outflow,
          transactions = {flow}.transactions + excluded.transactions
        """
        if add
        else ""
    )
    month = _month_sql("t.booked_on")
    _SQL.run(
        f"""
        INSERT INTO {{flow}} (customer_id, month, category, inflow, outflow, transactions)
        SELECT t.customer_id, {month}, p.category,
            SUM(CASE WHEN t.direction = 'in' THEN t.amount ELSE 0 END),
            SUM(CASE WHEN t.direction = 'out' THEN t.amount ELSE 0 END), COUNT(*)
        FROM {{transaction}} t JOIN {{holding}} h ON h.id = t.holding_id
        JOIN {{product}} p ON p.id = h.product_id
        WHERE {where}
        GROUP BY t.customer_id, {month}, p.category
        {upsert}
        """,
        params,
    )


def _insert_summary_from_staged(target: str, *, add: bool = False) -> int:
    """The summary of every customer in the staged days; ``add``: onto the summary there
    (a staged day already active before adds value but not another active day). Returns
    the customers written."""
    upsert = (
        """
        ON CONFLICT (customer_id) DO UPDATE SET
          first_value = CASE
            WHEN excluded.first_active < {summary}.first_active THEN excluded.first_value
            WHEN excluded.first_active = {summary}.first_active
              THEN {summary}.first_value + excluded.first_value
            ELSE {summary}.first_value END,
          first_active = CASE WHEN excluded.first_active < {summary}.first_active
            THEN excluded.first_active ELSE {summary}.first_active END,
          last_active = CASE WHEN excluded.last_active > {summary}.last_active
            THEN excluded.last_active ELSE {summary}.last_active END,
          active_days = {summary}.active_days + excluded.active_days,
          total_value = {summary}.total_value + excluded.total_value
        """
        if add
        else ""
    )
    # "WHERE 1 = 1": SQLite reads ON CONFLICT after a join only behind a WHERE.
    return _SQL.run(
        f"""
        INSERT INTO {target} (customer_id, first_active, first_value, last_active,
            active_days, total_value)
        SELECT s.customer_id, s.first_active, f.value, s.last_active, s.new_days, s.total
        FROM (SELECT customer_id, MIN(day) AS first_active, MAX(day) AS last_active,
                SUM(CASE WHEN is_new THEN 1 ELSE 0 END) AS new_days, SUM(value) AS total
              FROM {{staged}} GROUP BY customer_id) s
        JOIN {{staged}} f ON f.customer_id = s.customer_id AND f.day = s.first_active
        WHERE 1 = 1
        {upsert}
        """
    )


def summary_as_of(day: dt.date) -> ibis.Table:
    """The activity summary at ``day``: the incremental table when it holds nothing
    after ``day``, else rebuilt from the transactions up to ``day`` (StagedSummary)."""
    latest = ActivitySummary.objects.unrestricted().order_by("-last_active")
    last = latest.values_list("last_active", flat=True).first()
    if last is None or last <= epoch_day(day):
        return table(ActivitySummary)
    _SQL.run("DELETE FROM {staged_summary}")
    _stage_days("booked_on <= %(day)s", {"day": day})
    _insert_summary_from_staged("{staged_summary}")
    _SQL.run("DELETE FROM {staged}")
    return table(StagedSummary)


def clear_staged_summary() -> None:
    _SQL.run("DELETE FROM {staged_summary}")


def earliest_activity() -> dt.date | None:
    """The first day any customer was active (from the incremental summary)."""
    first = (
        ActivitySummary.objects.unrestricted()
        .order_by("first_active")
        .values_list("first_active", flat=True)
        .first()
    )
    return None if first is None else EPOCH + dt.timedelta(days=first)


# --- evaluating a day --------------------------------------------------------------------


def _flows_window(day: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve months up to ``day``'s month (month starts, inclusive)."""
    last = month_start(day)
    return add_months(last, -11), last


def measures_expression(day: dt.date, summary: ibis.Table) -> ibis.Table:
    config = settings_in_force()
    margins = config.margins or DEFAULT_MARGINS
    spreads = {c: float(m.get("spread", 0)) for c, m in margins.items() if m.get("spread")}
    fees = {c: float(m.get("fee", 0)) for c, m in margins.items() if m.get("fee")}
    assets = assets_at(day, spreads)
    first, last = _flows_window(day)
    flows = table(FlowMonth)
    flows = flows.filter(flows.month >= first, flows.month <= last)
    activity = pipeline.scored(pipeline.rfm(summary, epoch_day(day)))
    return pipeline.measures(
        customers=table(Customer),
        activity=activity,
        assets=assets,
        flows=pipeline.per_customer_flows(flows, fees),
        day=day,
        active_status=CustomerStatus.ACTIVE,
        contribution_threshold=config.contribution_threshold,
        turnover_threshold=config.turnover_threshold,
    )


MEASURE_COLUMNS = [
    "day",
    "customer_id",
    "department_id",
    "manager_id",
    "frequency",
    "recency",
    "t",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "segment",
    "contribution",
    "turnover",
    "value_class",
    "coverage",
    "aum",
]


@dataclass(frozen=True)
class RefreshResult:
    day: dt.date
    absorbed: Absorbed
    customers: int
    segments: dict[str, int]
    classes: dict[str, int]


def _counts(rows, column: str) -> dict[str, int]:
    return dict(rows.values_list(column).annotate(n=Count("pk")).order_by(column))


def analytics_refresh(*, day: dt.date) -> RefreshResult:
    """Evaluate ``day``: absorb new transactions, then rebuild the day's measures and
    its coverage/churn table. Running a day again gives the same rows."""
    absorbed = activity_absorb()
    with transaction.atomic():
        wait_for_loads()
        CustomerMeasure.objects.unrestricted().filter(day=day).delete()
        summary = summary_as_of(day)
        runner.insert_into(
            CustomerMeasure._meta.db_table, MEASURE_COLUMNS, measures_expression(day, summary)
        )
        if summary.get_name() == StagedSummary._meta.db_table:
            _SQL.run("DELETE FROM {staged_summary}")
        coverage_churn_refresh(day=day)
        measured = CustomerMeasure.objects.unrestricted().filter(day=day)
        segments, classes = _counts(measured, "segment"), _counts(measured, "value_class")
        customers = sum(segments.values())
        AnalyticsRun.objects.update_or_create(
            day=day,
            defaults={
                "ran_at": timezone.now(),
                "customers": customers,
                "counts": {"segments": segments, "classes": classes},
            },
        )
    return RefreshResult(day, absorbed, customers, segments, classes)


def assets_at(day: dt.date, spreads=None) -> ibis.Table:
    products, holdings = table(Product), table(Holding)
    balances = pipeline.balances_at(table(BalanceInterval), holdings, products, day)
    service_categories = [c for c, kind in CATEGORY_KIND.items() if kind == AssetKind.SERVICE]
    services = holdings.join(products, holdings.product_id == products.id)
    services = services.filter(
        products.category.isin(service_categories),
        holdings.status == HoldingStatus.OPEN,
        holdings.opened_on <= day,
    ).select(customer_id=holdings.customer_id, category=products.category)
    return pipeline.per_customer_assets(balances, services, AUM_CATEGORIES, spreads or {})


def churn_period(start: dt.date, end: dt.date) -> tuple[ibis.Table, ibis.Table]:
    """The assets per customer at ``start``, and the customers with assets then who had
    churned by ``end`` by the configured rule: the one rule of the coverage/churn table
    and of the churn model's labels."""
    config = settings_in_force()
    flows = table(FlowMonth)
    idle_from = add_months(month_start(end), -(config.churn_idle_months - 1))
    active = (
        flows.filter(flows.month >= idle_from, flows.month <= month_start(end))
        .select("customer_id")
        .distinct()
    )
    start_assets = assets_at(start)
    lost = pipeline.churned(
        start_assets=start_assets,
        end_assets=assets_at(end),
        active=active,
        drop=config.churn_drop,
    )
    return start_assets, lost


def coverage_churn_expression(start: dt.date, end: dt.date) -> ibis.Table:
    start_assets, lost = churn_period(start, end)
    return pipeline.coverage_churn(
        customers=table(Customer),
        start_assets=start_assets,
        lost=lost,
        active_status=CustomerStatus.ACTIVE,
    )


COVERAGE_COLUMNS = ["department_id", "coverage", "customers", "churned"]


def coverage_churn_refresh(*, day: dt.date, start: dt.date | None = None) -> None:
    """The churn by product coverage over the year up to ``day`` (or from ``start``),
    stored per department for the dashboards. Inside the caller's transaction."""
    start = start or day - dt.timedelta(days=365)
    CoverageChurn.objects.filter(day=day).delete()
    expression = coverage_churn_expression(start, day).mutate(
        day=ibis.literal(day, "date"),
        start=ibis.literal(start, "date"),
        end=ibis.literal(day, "date"),
    )
    runner.insert_into(
        CoverageChurn._meta.db_table, ["day", "start", "end", *COVERAGE_COLUMNS], expression
    )
