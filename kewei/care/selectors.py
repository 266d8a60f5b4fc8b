"""Reads of customer care: a member of staff's tasks, the week's birthdays and
maturities in their book, the 5-20 tally, and the supervisor's view of a team."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kewei.care.models import (
    ActionPlan,
    Contact,
    ContactChannel,
    Task,
    TaskStatus,
)
from kewei.core.calendar import anniversaries
from kewei.customers.models import Customer, CustomerStatus
from kewei.messaging import services as messaging
from kewei.messaging.models import MessageTemplate
from kewei.organisation.models import Staff
from kewei.organisation.roles import Role
from kewei.products.models import Holding, HoldingStatus

# The 5-20 plan (每天至少面谈5个, 电话20个): meetings are face-to-face contacts.
MEETING_CHANNELS = (ContactChannel.VISIT, ContactChannel.EVENT)
CALL_CHANNELS = (ContactChannel.PHONE,)


def targets() -> tuple[int, int]:
    """(meetings, calls) a customer manager is to reach each working day."""
    return settings.KEWEI_DAILY_MEETINGS, settings.KEWEI_DAILY_CALLS


def _mine(user) -> Q:
    """Tasks ``user`` works on: theirs, and those waiting for their role in their
    department."""
    waiting = Q(
        assignee__isnull=True, role__in=list(user.role_codes), department_id=user.department_id
    )
    return Q(assignee=user) | waiting


def tasks_of(user) -> QuerySet[Task]:
    """Open tasks for ``user``: theirs, and those waiting for their role in their
    department (within their data scope)."""
    return (
        Task.objects.filter(_mine(user), status=TaskStatus.OPEN)
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


def tasks_to_work_on(user) -> QuerySet[Task]:
    """The tasks ``user`` may act on, whatever their status (within their data scope):
    a quick action on anyone else's answers 404."""
    return Task.objects.filter(_mine(user)).select_related("customer", "rule").order_by("pk")


@dataclass
class CustomerRow:
    """One customer on my day (我的今日), however many of their tasks are due: the tasks,
    most urgent first."""

    customer: Customer
    tasks: list[Task] = field(default_factory=list)

    @property
    def first(self) -> Task:
        return self.tasks[0]

    @property
    def other_task_ids(self) -> list[int]:
        return [task.pk for task in self.tasks[1:]]


@dataclass
class Day:
    """My day: a row per customer (those with the most overdue task first), the count of
    tasks per reason, and the counts of tasks overdue and coming in the next seven days."""

    rows: list[CustomerRow]
    reasons: list[tuple[str, int]]
    tasks: int
    overdue: int
    coming: int


def day_rows(user, today: dt.date) -> Day:
    """Today's and overdue tasks, one row per customer: two tasks for the same person (a
    birthday and a maturity) are one call to make, not two lines to read."""
    due = list(tasks_of(user).filter(due_on__lte=today))
    rows: dict[int, CustomerRow] = {}
    reasons: dict[str, int] = {}
    for task in due:  # by due date: each customer's row sits where their first task is
        rows.setdefault(task.customer_id, CustomerRow(task.customer)).tasks.append(task)
        reasons[task.group] = reasons.get(task.group, 0) + 1
    overdue = sum(1 for task in due if task.due_on < today)
    coming = tasks_of(user).filter(due_on__gt=today, due_on__lte=today + dt.timedelta(7)).count()
    return Day(list(rows.values()), list(reasons.items()), len(due), overdue, coming)


def message_refusals(tasks: list[Task]) -> dict[int, str]:
    """Why each task's customer may not receive the task's message now, by task id (""
    when they may): :func:`kewei.messaging.services.refusal` for a whole list, with one
    query per template rather than one per task."""
    templates: dict[int | None, MessageTemplate | None] = {}
    for task in tasks:
        if task.rule_id not in templates:
            templates[task.rule_id] = messaging.template_for_task(task)
    wanted: dict[tuple[str, bool], set[int]] = {}
    for task in tasks:
        template = templates[task.rule_id]
        if template is not None and template.enabled:
            wanted.setdefault((template.channel, template.marketing), set()).add(task.customer_id)
    now = timezone.now()
    exclusions: dict[tuple[str, bool], dict[int, str]] = {}
    for (channel, marketing), ids in wanted.items():
        exclusions[channel, marketing] = dict(
            messaging.with_exclusion(
                Customer.objects.unrestricted().filter(pk__in=ids),
                channel=channel,
                marketing=marketing,
                now=now,
            ).values_list("pk", "exclusion")
        )
    refusals = {}
    for task in tasks:
        template = templates[task.rule_id]
        if template is None or not template.enabled:
            # refusal() says so from the template alone, without a query.
            refusals[task.pk] = messaging.refusal(task.customer, template)
            continue
        reason = exclusions[template.channel, template.marketing][task.customer_id]
        refusals[task.pk] = str(messaging.EXCLUSIONS[reason]) if reason else ""
    return refusals


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
