"""Reads of the analytics for the dashboards: always through the scoped managers, so a
customer manager sees their book, an outlet head the outlet, the retail banking
department its branch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from kewei.analytics.models import AnalyticsRun, CoverageChurn, CustomerMeasure, Segment
from kewei.core.money import yuan
from kewei.core.scope import subtree_q
from kewei.customers.models import customer_department_paths

AT_RISK = (Segment.AT_RISK, Segment.HIBERNATING, Segment.LOST)


def latest_day() -> dt.date | None:
    return AnalyticsRun.objects.order_by("-day").values_list("day", flat=True).first()


def run_days(limit: int = 24) -> list[dt.date]:
    return list(AnalyticsRun.objects.order_by("-day").values_list("day", flat=True)[:limit])


@dataclass(frozen=True)
class Overview:
    customers: int
    active: int  # with at least one active day
    at_risk: int
    aum: int  # 分
    contribution: int  # 分 a year

    @property
    def aum_yuan(self):
        return yuan(self.aum)

    @property
    def contribution_yuan(self):
        return yuan(self.contribution)


def overview(day: dt.date) -> Overview:
    rows = CustomerMeasure.objects.filter(day=day).aggregate(
        customers=Count("pk"),
        active=Count("pk", filter=Q(frequency__isnull=False)),
        at_risk=Count("pk", filter=Q(segment__in=AT_RISK)),
        aum=Sum("aum"),
        contribution=Sum("contribution"),
    )
    return Overview(
        customers=rows["customers"],
        active=rows["active"],
        at_risk=rows["at_risk"],
        aum=rows["aum"] or 0,
        contribution=rows["contribution"] or 0,
    )


def by_segment(day: dt.date) -> dict[str, tuple[int, int]]:
    """Customers and AUM (分) per segment."""
    rows = (
        CustomerMeasure.objects.filter(day=day)
        .values_list("segment")
        .annotate(n=Count("pk"), aum=Sum("aum"))
        .order_by()
    )
    return {segment: (n, aum or 0) for segment, n, aum in rows}


def by_class(day: dt.date) -> dict[str, tuple[int, int, int]]:
    """Customers, contribution and turnover (分) per A/B/C/D class."""
    rows = (
        CustomerMeasure.objects.filter(day=day)
        .values_list("value_class")
        .annotate(n=Count("pk"), contribution=Sum("contribution"), turnover=Sum("turnover"))
        .order_by()
    )
    return {cls: (n, c or 0, t or 0) for cls, n, c, t in rows}


def rf_grid(day: dt.date) -> list[list[int]]:
    """Customers by recency score (rows, 5 first) and frequency score (columns 1–5)."""
    grid = [[0] * 5 for _ in range(5)]
    rows = (
        CustomerMeasure.objects.filter(day=day, r_score__isnull=False)
        .values_list("r_score", "f_score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r, f, n in rows:
        grid[5 - r][f - 1] = n
    return grid


def coverage_churn(day: dt.date) -> list[tuple[int, int, int]]:
    """(coverage, customers, churned) over the departments whose customers the user
    looks after (a customer manager: their outlet's)."""
    rows = (
        CoverageChurn.objects.filter(day=day)
        .filter(subtree_q("department__path", customer_department_paths()))
        .values_list("coverage")
        .annotate(customers=Sum("customers"), churned=Sum("churned"))
        .order_by("coverage")
    )
    return list(rows)


def coverage_period(day: dt.date) -> tuple[dt.date, dt.date] | None:
    row = CoverageChurn.objects.filter(day=day).values_list("start", "end").first()
    return row


def churn_model(day: dt.date):
    from kewei.analytics.models import ChurnModelRun

    return ChurnModelRun.objects.filter(day=day).first()


def highest_risk(day: dt.date, limit: int = 20) -> list:
    """The customers at the highest churn risk in the user's scope, with reasons."""
    from kewei.analytics.churn import REASON_LABELS
    from kewei.analytics.models import ChurnRisk

    rows = list(
        ChurnRisk.objects.filter(day=day, score__gt=0)
        .select_related("customer", "manager")
        .order_by("-score", "-probability", "customer_id")[:limit]
    )
    for row in rows:
        row.reason_labels = [str(REASON_LABELS[code]) for code in row.reasons]
    return rows


# --- asset flows ------------------------------------------------------------------------


def flow_months(day: dt.date) -> list[tuple[dt.date, int, int]]:
    """(month, inflow, outflow) in 分 for the twelve months up to ``day``'s month."""
    from kewei.analytics.models import FlowMonth
    from kewei.core.calendar import add_months, month_start

    last = month_start(day)
    rows = (
        FlowMonth.objects.filter(month__gte=add_months(last, -11), month__lte=last)
        .values_list("month")
        .annotate(money_in=Sum("inflow"), money_out=Sum("outflow"))
        .order_by("month")
    )
    return list(rows)


def _recent_flows(day: dt.date, months: int = 3):
    from kewei.analytics.models import FlowMonth
    from kewei.core.calendar import add_months, month_start

    last = month_start(day)
    return FlowMonth.objects.filter(month__gte=add_months(last, -(months - 1)), month__lte=last)


def flows_by(day: dt.date, field: str) -> list[tuple[str, int, int]]:
    """(key, inflow, outflow) of the last three months by ``category`` or by the
    customer's outlet (``customer__department__name``), largest net outflow first."""
    rows = (
        _recent_flows(day)
        .values_list(field)
        .annotate(money_in=Sum("inflow"), money_out=Sum("outflow"))
        .order_by()
    )
    return sorted(rows, key=lambda row: row[1] - row[2])


def largest_net_outflows(day: dt.date, limit: int = 20) -> list[tuple]:
    """The customers with the largest net outflow over the last three months:
    (customer, inflow, outflow) in 分."""
    from kewei.customers.models import Customer

    rows = list(
        _recent_flows(day)
        .values("customer_id")
        .annotate(
            money_in=Sum("inflow"), money_out=Sum("outflow"), net=Sum("inflow") - Sum("outflow")
        )
        .filter(net__lt=0)
        .order_by("net", "customer_id")[:limit]
    )
    customers = Customer.objects.in_bulk([row["customer_id"] for row in rows])
    return [
        (customers[row["customer_id"]], row["money_in"], row["money_out"])
        for row in rows
        if row["customer_id"] in customers
    ]


# --- tier migration ---------------------------------------------------------------------


def tier_migration(day: dt.date) -> tuple[list[str], list[str], list[list[int]], dt.date | None]:
    """The tier changes of the latest evaluation at or before ``day``: codes of the
    tiers (old tiers as rows, new as columns, lowest first, "" for none), the counts,
    and the evaluation day."""
    from kewei.tiers.models import TierChange
    from kewei.tiers.selectors import tiers_in_force

    evaluated = (
        TierChange.objects.filter(evaluated_on__lte=day)
        .order_by("-evaluated_on")
        .values_list("evaluated_on", flat=True)
        .first()
    )
    codes = ["", *[t.code for t in sorted(tiers_in_force().values(), key=lambda t: t.rank)]]
    grid = [[0] * len(codes) for _ in codes]
    if evaluated is None:
        return codes, codes, grid, None
    rows = (
        TierChange.objects.filter(evaluated_on=evaluated)
        .values_list("old_tier", "new_tier")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for old, new, n in rows:
        if old in codes and new in codes:
            grid[codes.index(old)][codes.index(new)] = n
    return codes, codes, grid, evaluated


# --- manager performance ----------------------------------------------------------------

PERFORMANCE_DAYS = 30


@dataclass
class ManagerRow:
    staff: object
    book: int = 0
    aum: int = 0  # 分 on the day
    aum_before: int | None = None  # 分 on the previous evaluated day
    contacts: int = 0
    plan_days: int = 0  # days the 5-20 plan was met, of the working days
    working_days: int = 0
    overdue: int = 0
    complaints: int = 0
    products_sold: int = 0

    @property
    def aum_growth(self) -> float | None:
        if not self.aum_before:
            return None
        return (self.aum - self.aum_before) / self.aum_before

    @property
    def aum_yuan(self):
        return yuan(self.aum)


def managers_in_view(user) -> list:
    """The customer managers whose performance the user may see: themselves for a
    customer manager, those of their organisation scope for their supervisors."""
    from kewei.organisation.models import Staff
    from kewei.organisation.roles import Role

    if not user.has_perm("organisation.view_staff"):
        return [user] if Role.CUSTOMER_MANAGER in user.role_codes else []
    return list(
        Staff.objects.filter(is_active=True, groups__name=Role.CUSTOMER_MANAGER)
        .select_related("department")
        .order_by("department__path", "employee_number")
    )


def manager_performance(user, day: dt.date) -> tuple[dt.date | None, list[ManagerRow]]:
    """Per customer manager over the thirty days up to ``day``: book size and AUM (and
    its growth since the previous evaluated day), contacts and the days the 5-20 plan
    was met, tasks overdue, complaints of the book, products sold to the book."""
    from kewei.care.models import Task, TaskStatus
    from kewei.care.selectors import tally
    from kewei.complaints.models import Complaint
    from kewei.core.calendar import is_working_day
    from kewei.products.models import Holding

    managers = managers_in_view(user)
    ids = [m.pk for m in managers]
    rows = {m.pk: ManagerRow(staff=m) for m in managers}
    if not ids:
        return None, []
    start = day - dt.timedelta(days=PERFORMANCE_DAYS - 1)
    before = (
        AnalyticsRun.objects.filter(day__lt=day)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    books = CustomerMeasure.objects.unrestricted().filter(manager_id__in=ids)
    for manager_id, n, aum in (
        books.filter(day=day)
        .values_list("manager_id")
        .annotate(n=Count("pk"), aum=Sum("aum"))
        .order_by()
    ):
        rows[manager_id].book, rows[manager_id].aum = n, aum or 0
    if before is not None:
        for manager_id, aum in (
            books.filter(day=before).values_list("manager_id").annotate(aum=Sum("aum")).order_by()
        ):
            rows[manager_id].aum_before = aum or 0
    working = [
        start + dt.timedelta(days=n)
        for n in range(PERFORMANCE_DAYS)
        if is_working_day(start + dt.timedelta(days=n))
    ]
    for (staff_id, contacted_on), counted in tally(ids, start, day).items():
        row = rows[staff_id]
        row.contacts += counted.meetings + counted.calls + counted.others
        row.plan_days += int(counted.meets_plan and contacted_on in working)
    for row in rows.values():
        row.working_days = len(working)
    counted = {
        "overdue": Task.objects.unrestricted()
        .filter(assignee_id__in=ids, status=TaskStatus.OPEN, due_on__lt=day)
        .values_list("assignee_id"),
        "complaints": Complaint.objects.unrestricted()
        .filter(
            customer__responsible_manager_id__in=ids,
            received_at__date__gte=start,
            received_at__date__lte=day,
        )
        .values_list("customer__responsible_manager_id"),
        "products_sold": Holding.objects.unrestricted()
        .filter(customer__responsible_manager_id__in=ids, opened_on__gte=start, opened_on__lte=day)
        .values_list("customer__responsible_manager_id"),
    }
    # One grouped count per figure: (manager, n).
    for figure, per_manager in counted.items():
        for manager_id, n in per_manager.annotate(n=Count("pk")).order_by():
            setattr(rows[manager_id], figure, n)
    return before, list(rows.values())
