"""Reads of customer care: a member of staff's tasks, the week's birthdays and
maturities in their book, the 5-20 tally, and the supervisor's view of a team."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from kewei.care.models import (
    ActionPlan,
    Contact,
    ContactChannel,
    Task,
    TaskStatus,
)
from kewei.core.calendar import anniversaries
from kewei.customers.models import Customer, CustomerStatus
from kewei.organisation.models import Staff
from kewei.organisation.roles import Role
from kewei.products.models import Holding, HoldingStatus

# The 5-20 plan (每天至少面谈5个, 电话20个): meetings are face-to-face contacts.
MEETING_CHANNELS = (ContactChannel.VISIT, ContactChannel.EVENT)
CALL_CHANNELS = (ContactChannel.PHONE,)


def targets() -> tuple[int, int]:
    """(meetings, calls) a customer manager is to reach each working day."""
    return settings.KEWEI_DAILY_MEETINGS, settings.KEWEI_DAILY_CALLS


def tasks_of(user) -> QuerySet[Task]:
    """Open tasks for ``user``: theirs, and those waiting for their role in their
    department (within their data scope)."""
    waiting = Q(
        assignee__isnull=True, role__in=list(user.role_codes), department_id=user.department_id
    )
    return (
        Task.objects.filter(Q(assignee=user) | waiting, status=TaskStatus.OPEN)
        .select_related(
            "customer",
            "customer__assets",
            "customer__responsible_manager",
            "customer__points_account",
            "rule",
            "product",
            "plan_run__plan",
        )
        .order_by("due_on", "pk")
    )


@dataclass
class TaskGroup:
    name: str
    tasks: list[Task] = field(default_factory=list)


def day_groups(user, today: dt.date) -> tuple[list[TaskGroup], int, int]:
    """Today's and overdue tasks grouped by reason; with the counts of overdue tasks
    and of those coming up in the next seven days."""
    due = list(tasks_of(user).filter(due_on__lte=today))
    groups: dict[str, TaskGroup] = {}
    for task in due:
        groups.setdefault(task.group, TaskGroup(task.group)).tasks.append(task)
    overdue = sum(1 for task in due if task.due_on < today)
    coming = tasks_of(user).filter(due_on__gt=today, due_on__lte=today + dt.timedelta(7)).count()
    return list(groups.values()), overdue, coming


@dataclass(frozen=True)
class Tally:
    meetings: int
    calls: int
    others: int

    @property
    def meets_plan(self) -> bool:
        meetings, calls = targets()
        return self.meetings >= meetings and self.calls >= calls


def tally(staff_ids: list[int], start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], Tally]:
    """Contacts per (staff, day) in ``[start, end]``: meetings, calls and the rest."""
    rows = (
        Contact.objects.unrestricted()
        .filter(staff_id__in=staff_ids, contacted_on__gte=start, contacted_on__lte=end)
        .values("staff_id", "contacted_on")
        .annotate(
            meetings=Count("pk", filter=Q(channel__in=MEETING_CHANNELS)),
            calls=Count("pk", filter=Q(channel__in=CALL_CHANNELS)),
            total=Count("pk"),
        )
    )
    return {
        (row["staff_id"], row["contacted_on"]): Tally(
            row["meetings"], row["calls"], row["total"] - row["meetings"] - row["calls"]
        )
        for row in rows
    }


def week_ahead(user, today: dt.date) -> tuple[list[Customer], list[Holding]]:
    """Birthdays and maturities of the coming seven days among the user's customers
    (their book for a customer manager)."""
    days = [today + dt.timedelta(days=n) for n in range(7)]
    order = {pair: days.index(on) for pair, on in anniversaries(days).items()}
    birthday = Q()
    for month, day_of in order:
        birthday |= Q(birth_month=month, birth_day=day_of)
    mine = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    if Role.CUSTOMER_MANAGER in user.role_codes:
        mine = mine.filter(responsible_manager=user)
    birthdays = sorted(
        mine.filter(birthday).select_related("assets")[:50],
        key=lambda c: (order[(c.birth_month, c.birth_day)], c.pk),
    )
    maturities = list(
        Holding.objects.filter(
            customer__in=mine,
            status=HoldingStatus.OPEN,
            matures_on__gte=today,
            matures_on__lte=days[-1],
        )
        .select_related("customer", "product")
        .order_by("matures_on", "pk")[:50]
    )
    return birthdays, maturities


def contact_history(customer: Customer) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(customer=customer)
        .select_related("staff")
        .prefetch_related("comments__author")
        .order_by("-contacted_at", "-pk")
    )


def open_tasks_of(customer: Customer) -> QuerySet[Task]:
    return (
        Task.objects.filter(customer=customer, status=TaskStatus.OPEN)
        .select_related("rule", "assignee", "plan_run__plan")
        .order_by("due_on", "pk")
    )


def plans_to_start() -> QuerySet[ActionPlan]:
    return ActionPlan.objects.filter(enabled=True).order_by("code")


@dataclass
class TeamRow:
    staff: Staff
    days: list[Tally | None]
    contacts: int
    done: int
    overdue: int

    @property
    def compliant_days(self) -> int:
        return sum(1 for tally_ in self.days if tally_ is not None and tally_.meets_plan)


def team(user, week_start: dt.date, today: dt.date) -> tuple[list[dt.date], list[TeamRow]]:
    """Each customer manager in the user's organisation scope, for the week from
    ``week_start``: the 5-20 tally per working day, contacts, tasks done, tasks overdue."""
    days = [week_start + dt.timedelta(days=n) for n in range(5)]
    managers = list(
        Staff.objects.filter(is_active=True, groups__name=Role.CUSTOMER_MANAGER)
        .select_related("department")
        .order_by("department__path", "employee_number")
    )
    ids = [m.pk for m in managers]
    counts = tally(ids, days[0], days[-1] + dt.timedelta(days=2))
    week_end = week_start + dt.timedelta(days=7)
    done = dict(
        Task.objects.unrestricted()
        .filter(done_by_id__in=ids, status=TaskStatus.DONE)
        .filter(done_at__date__gte=week_start, done_at__date__lt=week_end)
        .values("done_by_id")
        .annotate(n=Count("pk"))
        .values_list("done_by_id", "n")
    )
    overdue = dict(
        Task.objects.unrestricted()
        .filter(assignee_id__in=ids, status=TaskStatus.OPEN, due_on__lt=today)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    contacts_of: dict[int, int] = {}
    for (staff_id, _day), day_tally in counts.items():
        total = day_tally.meetings + day_tally.calls + day_tally.others
        contacts_of[staff_id] = contacts_of.get(staff_id, 0) + total
    rows = []
    for manager in managers:
        week = [counts.get((manager.pk, day)) for day in days]
        contacts = contacts_of.get(manager.pk, 0)
        rows.append(
            TeamRow(
                staff=manager,
                days=week,
                contacts=contacts,
                done=done.get(manager.pk, 0),
                overdue=overdue.get(manager.pk, 0),
            )
        )
    return days, rows


def team_log(user, start: dt.date, end: dt.date) -> QuerySet[Contact]:
    """The log entries of the user's scope in ``[start, end]``, latest first."""
    return (
        Contact.objects.filter(contacted_on__gte=start, contacted_on__lte=end)
        .select_related("customer", "staff")
        .prefetch_related("comments__author")
        .order_by("-contacted_at", "-pk")
    )
