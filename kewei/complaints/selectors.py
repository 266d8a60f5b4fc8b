"""Reads of complaints: lists, the customer's complaints, and the statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kewei.complaints.models import Complaint, Status
from kewei.organisation.roles import Role

OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS)
# Who answers for the complaints of a whole outlet (or of the branches below the
# department): their list opens on those still open, not on their own.
DEPARTMENT_VIEW_ROLES = frozenset({Role.OUTLET_HEAD, Role.CM_SUPERVISOR, Role.RETAIL_BANKING})
LIST_VIEWS = ("mine", "department", "overdue", "all")


def default_list_view(user) -> str:
    """The complaint list a user sees first: an outlet head, a supervisor and the retail
    banking department their department's open complaints (``department``), everyone
    else the complaints they handle (``mine``)."""
    return "department" if user.role_codes & DEPARTMENT_VIEW_ROLES else "mine"


def _overdue_q(now: dt.datetime) -> Q:
    return Q(status__in=OPEN_STATUSES) & (
        Q(responded_at__isnull=True, response_due__lt=now) | Q(resolution_due__lt=now)
    )


def complaints_of(customer) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(customer=customer).select_related("owner").order_by("-received_at")
    )


def complaint_list(
    *,
    status: str = "",
    mine_for=None,
    overdue: bool = False,
    open_in_department=None,
    now: dt.datetime | None = None,
) -> QuerySet[Complaint]:
    """Complaints in the data scope, newest first; each row knows whether it is
    ``is_overdue``. ``open_in_department``: only the open complaints of that department
    and the departments below it, the overdue ones first, then by resolution deadline."""
    now = now or timezone.now()
    rows = Complaint.objects.select_related(
        "customer", "owner", "department", "escalated_to"
    ).annotate(
        is_overdue=Case(
            When(_overdue_q(now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if status:
        rows = rows.filter(status=status)
    if mine_for is not None:
        rows = rows.filter(Q(owner=mine_for) | Q(escalated_to=mine_for))
    if overdue:
        rows = rows.filter(_overdue_q(now))
    if open_in_department is not None:
        rows = rows.filter(
            status__in=OPEN_STATUSES, department__path__startswith=open_in_department.path
        )
        return rows.order_by("-is_overdue", "resolution_due", "pk")
    return rows.order_by("-received_at", "-pk")


@dataclass(frozen=True)
class StatRow:
    key: object
    label: str
    received: int
    resolved: int
    open: int
    response_hours: float | None
    resolution_hours: float | None


def _hours(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 3600, 1)
    return round(float(value) / 3_600_000_000, 1)  # microseconds (SQLite)


def statistics(*, by: str, start: dt.date, end: dt.date) -> list[StatRow]:
    """Complaints received in ``[start, end]`` grouped by category, outlet, owner or
    month: how many, how many resolved and still open, and the average hours to the
    first response and to the resolution. One grouped query."""
    keys = {
        "category": ("category", None),
        "department": ("department", "department__name"),
        "owner": ("owner", "owner__full_name"),
        "month": ("month", None),
    }
    key, label = keys[by]
    rows = Complaint.objects.filter(received_at__date__gte=start, received_at__date__lte=end)
    if by == "month":
        rows = rows.annotate(month=TruncMonth("received_at"))
    to_response = ExpressionWrapper(
        F("responded_at") - F("received_at"), output_field=DurationField()
    )
    to_resolution = ExpressionWrapper(
        F("resolved_at") - F("received_at"), output_field=DurationField()
    )
    values = [key, label] if label else [key]
    grouped = (
        rows.values(*values)
        .annotate(
            received=Count("pk"),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            still_open=Count("pk", filter=Q(status__in=[Status.RECEIVED, Status.IN_PROGRESS])),
            response=Avg(to_response),
            resolution=Avg(to_resolution),
        )
        .order_by(key)
    )
    names = {}
    if by == "category":
        from kewei.complaints.models import Category

        names = dict(Category.choices)
    result = []
    for row in grouped:
        value = row[key]
        if by == "month" and value is not None:
            text = f"{timezone.localtime(value) if timezone.is_aware(value) else value:%Y-%m}"
        elif label:
            text = row[label] or "—"
        else:
            text = str(names.get(value, value))
        result.append(
            StatRow(
                key=value,
                label=text,
                received=row["received"],
                resolved=row["resolved"],
                open=row["still_open"],
                response_hours=_hours(row["response"]),
                resolution_hours=_hours(row["resolution"]),
            )
        )
    return result
