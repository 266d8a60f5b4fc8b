"""Writes of customer care: the nightly reminders (set-based, one statement per rule),
the contact log, completing tasks, action plans and the rules themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.care.actions import CareAction
from kewei.care.models import (
    RESPONSIBLE,
    ActionPlan,
    ActionPlanStep,
    CareRule,
    Contact,
    ContactComment,
    ContactPurpose,
    PlanRun,
    Task,
    TaskReason,
    TaskStatus,
    Trigger,
)
from kewei.care.sources import DATE_SOURCES
from kewei.core.calendar import (
    anniversaries,
    working_day_on_or_after,
    working_day_on_or_before,
)
from kewei.core.statements import Statements
from kewei.customers.models import Customer, CustomerStatus
from kewei.customers.services import customer_contacted
from kewei.engine import runner
from kewei.engine.pipelines import care as pipeline
from kewei.engine.schemas import table as ibis_table
from kewei.organisation.roles import Role
from kewei.points.models import PointsLot
from kewei.products.models import BusinessEvent, EventKind, Product, Transaction
from kewei.tiers.models import Direction, TierChange
from kewei.tiers.selectors import tiers_in_force

_SQL = Statements({"task": Task, "run": PlanRun})
_run = _SQL.run

TASK_COLUMNS = [
    "customer_id",
    "subject",
    "event_on",
    "amount",
    "product_id",
    "note",
    "assignee_id",
    "role",
    "department_id",
]
EVENT_KINDS = {
    Trigger.LOAN_DISBURSED: EventKind.LOAN_DISBURSED,
    Trigger.TARGET_REACHED: EventKind.TARGET_REACHED,
    Trigger.ACCOUNT_OPENED: EventKind.ACCOUNT_OPENED,
}


class CareError(ValidationError):
    """A care action that cannot be done (the message says why)."""


def due_date(occasion: dt.date, due_days: int, first: dt.date) -> dt.date:
    """When a task is due: ``due_days`` after its occasion, brought forward to a working
    day (a Saturday maturity is prepared on Friday), but never before ``first``, the
    day the task appears (then the next working day)."""
    due = working_day_on_or_before(occasion + dt.timedelta(days=due_days))
    return due if due >= first else working_day_on_or_after(first)


def _window(first: dt.date, days: int) -> list[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range(days + 1)]


def occasions(rule: CareRule, day: dt.date) -> tuple[ibis.Table, list[dt.date]]:
    """The rule's occasions for the night of ``day`` and the dates they can fall on.

    Date rules look at the days from ``day + 1`` (the day staff next see their list)
    to ``lead_days`` after it; the other triggers at what happened on ``day``.
    """
    first = day + dt.timedelta(days=1)
    if rule.trigger == Trigger.DATE:
        source = DATE_SOURCES.get(rule.source)
        if source is None:
            raise CareError(
                _("关怀规则“%(rule)s”的日期字段 %(source)s 不存在。")
                % {"rule": rule, "source": rule.source},
                code="unknown_source",
            )
        window = _window(first, rule.lead_days)
        if source.annual:
            shifted = [d - dt.timedelta(days=rule.offset_days) for d in window]
            found = pipeline.annual_occasions(source.rows(), anniversaries(shifted))
            if rule.offset_days:
                # The anniversary plus the offset: map back to the occasion's date.
                found = found.mutate(
                    event_on=pipeline.date_case(
                        found.event_on, {d - dt.timedelta(days=rule.offset_days): d for d in window}
                    )
                )
            return found, window
        return (
            pipeline.dated_occasions(
                source.rows(),
                window,
                offset_days=rule.offset_days,
                repeat_days=rule.repeat_days,
                repeat_times=rule.repeat_times,
            ),
            window,
        )
    if rule.trigger == Trigger.LARGE_MOVEMENT:
        return pipeline.large_movements(ibis_table(Transaction), day), [day]
    if rule.trigger in EVENT_KINDS:
        found = pipeline.business_events(
            ibis_table(BusinessEvent), ibis_table(Product), day, EVENT_KINDS[rule.trigger]
        )
        return found, [day]
    if rule.trigger in (Trigger.TIER_UP, Trigger.TIER_DOWN):
        direction = Direction.UP if rule.trigger == Trigger.TIER_UP else Direction.DOWN
        return pipeline.tier_moves(ibis_table(TierChange), day, direction), [day]
    if rule.trigger == Trigger.POINTS_EXPIRING:
        found = pipeline.points_expiring(ibis_table(PointsLot), day, rule.window_days)
        return found, _window(day, rule.window_days)
    if rule.trigger == Trigger.NO_CONTACT:
        intervals = {
            code: tier.contact_interval_days
            for code, tier in tiers_in_force().items()
            if tier.contact_interval_days
        }
        return pipeline.not_contacted(ibis_table(Customer), day, intervals), [day]
    raise CareError(_("未知的触发类型：%(trigger)s") % {"trigger": rule.trigger})


def _routing() -> dict:
    """Where a task without a responsible manager goes: the role of the customer's tier,
    or, below every tier, the role of the lowest."""
    tiers = sorted(tiers_in_force().values(), key=lambda tier: tier.rank)
    return {
        "tier_roles": {tier.code: tier.responsible_role for tier in tiers},
        "fallback_role": tiers[0].responsible_role if tiers else Role.HIGH_COUNTER_TELLER,
        "responsible": RESPONSIBLE,
        "active_status": CustomerStatus.ACTIVE,
    }


def _insert_tasks(rows: ibis.Table, *, reason: str, rule_id, due: ibis.Value, first) -> int:
    expression = rows.mutate(
        reason=ibis.literal(reason),
        rule_id=ibis.literal(rule_id, "int64"),
        title=ibis.literal(""),
        due_on=due,
        status=ibis.literal(TaskStatus.OPEN),
        created_on=ibis.literal(first),
    )
    return runner.insert_into(
        Task._meta.db_table,
        [*TASK_COLUMNS, "reason", "rule_id", "title", "due_on", "status", "created_on"],
        expression,
    )


CARE_LOCK = 20261128  # PostgreSQL advisory lock of the care run and of plan starts


def _care_lock(*, shared: bool = False) -> None:
    """Hold the care lock until the transaction ends (PostgreSQL; SQLite has one writer
    at a time anyway). The night holds it alone; plans started by hand share it. So a
    hand start waits for the night and the night for it, and the night's plan runs
    after the last id it read are exactly its own (see :func:`_plan_tasks_since`)."""
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        _run(f"SELECT {function}({CARE_LOCK})")


@dataclass
class CareRunResult:
    day: dt.date
    tasks: dict[str, int] = field(default_factory=dict)
    plans: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.tasks.values())


def care_run(*, day: dt.date, actor=None) -> CareRunResult:
    """Turn the occasions of ``day`` into tasks, one set-based statement per enabled
    rule. An occasion that already has its task (open, done or cancelled) gets no
    second one, so running a day again creates nothing."""
    result = CareRunResult(day=day)
    first = day + dt.timedelta(days=1)
    routing = _routing()
    with transaction.atomic():
        _care_lock()  # one care run at a time, and no plan started by hand meanwhile
        rules = CareRule.objects.filter(enabled=True).select_related("action_plan")
        for rule in rules.order_by("code"):
            found, dates = occasions(rule, day)
            due = pipeline.date_case(
                ibis._.event_on, {d: due_date(d, rule.due_days, first) for d in dates}
            )
            if rule.action_plan_id:
                last = _start_plans_for(rule, found, first, routing)
                result.plans[rule.code] = PlanRun.objects.unrestricted().filter(id__gt=last).count()
                result.tasks[rule.code] = _plan_tasks_since(started_after=last)
                continue
            tasks = pipeline.tasks_for(
                found,
                ibis_table(Customer),
                ibis_table(Task),
                rule_id=rule.pk,
                tiers=rule.tiers or [],
                categories=rule.categories or [],
                assignee=rule.assignee,
                **routing,
            )
            result.tasks[rule.code] = _insert_tasks(
                tasks, reason=TaskReason.RULE, rule_id=rule.pk, due=due, first=first
            )
        audit_record(
            actor=actor,
            action=CareAction.RUN,
            after={"day": day.isoformat(), "tasks": result.tasks, "plans": result.plans},
        )
    return result


def _start_plans_for(rule: CareRule, found: ibis.Table, first: dt.date, routing) -> int:
    """Start the rule's action plan for each new occasion; returns the last plan run id
    before them (their tasks are made from the runs after it)."""
    last = PlanRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
    fresh = pipeline.tasks_for(
        found,
        ibis_table(Customer),
        ibis_table(PlanRun),
        rule_id=rule.pk,
        tiers=rule.tiers or [],
        categories=rule.categories or [],
        assignee=RESPONSIBLE,
        **routing,
    ).mutate(
        plan_id=ibis.literal(rule.action_plan_id, "int64"),
        started_on=ibis.literal(first),
        rule_id=ibis.literal(rule.pk, "int64"),
    )
    runner.insert_into(
        PlanRun._meta.db_table,
        ["plan_id", "customer_id", "started_on", "rule_id", "subject"],
        fresh,
    )
    return last


def _plan_tasks_since(*, started_after: int = 0, run_id: int | None = None) -> int:
    """The tasks of every step of the plan runs after id ``started_after`` (or of the
    run ``run_id`` alone); each due ``offset_days`` after its run's start (on a working
    day, never before it). A step makes one task per run: the care lock keeps the
    night and hand starts apart, and the constraint ``care_task_once_per_plan_step``
    refuses a second task should a path ever forget it."""
    routing = _routing()
    runs_table = ibis_table(PlanRun)
    created = 0
    pending = PlanRun.objects.unrestricted().filter(id__gt=started_after)
    chosen = runs_table.id > started_after
    if run_id is not None:
        pending = pending.filter(id=run_id)
        chosen = chosen & (runs_table.id == run_id)
    for plan_id, started_on in pending.values_list("plan_id", "started_on").distinct():
        plan = ActionPlan.objects.get(pk=plan_id)
        runs = runs_table.filter(
            chosen,
            runs_table.plan_id == plan_id,
            runs_table.started_on == started_on,
        )
        for step in plan.steps.all():
            step_occasions = runs.select(
                customer_id=runs.customer_id,
                subject=ibis.literal(f"step:{step.order}:") + runs.id.cast("string"),
                event_on=runs.started_on,
                amount=ibis.null("int64"),
                product_id=ibis.null("int64"),
                note=ibis.literal(""),
                tier_key=ibis.null("string"),
                category=ibis.null("string"),
                plan_run_id=runs.id,
            )
            rows = pipeline.tasks_for(
                step_occasions,
                ibis_table(Customer),
                None,
                rule_id=None,
                tiers=[],
                categories=[],
                assignee=step.assignee,
                extra=("plan_run_id",),
                **routing,
            ).mutate(title=ibis.literal(step.title))
            due = due_date(started_on, step.offset_days, started_on)
            columns = [*TASK_COLUMNS, "plan_run_id", "title"]
            created += runner.insert_into(
                Task._meta.db_table,
                [*columns, "reason", "due_on", "status", "created_on"],
                rows.mutate(
                    reason=ibis.literal(TaskReason.PLAN),
                    due_on=ibis.literal(due),
                    status=ibis.literal(TaskStatus.OPEN),
                    created_on=ibis.literal(started_on),
                ),
            )
    return created


@transaction.atomic
def plan_start(
    *, actor, customer: Customer, plan: ActionPlan, on: dt.date | None = None
) -> PlanRun:
    """Start an action plan for one customer by hand: its steps become tasks. It waits
    for a care run in progress (which starts plans too), never for another hand start."""
    if not plan.enabled:
        raise CareError(_("行动计划“%(plan)s”已停用。") % {"plan": plan}, code="plan_disabled")
    if not plan.steps.exists():
        raise CareError(_("行动计划“%(plan)s”没有步骤。") % {"plan": plan}, code="plan_empty")
    _care_lock(shared=True)
    run = PlanRun.objects.create(
        plan=plan, customer=customer, started_on=on or timezone.localdate(), started_by=actor
    )
    _plan_tasks_since(run_id=run.pk)
    audit_record(
        actor=actor, action=CareAction.PLAN_START, subject=customer, after={"plan": plan.code}
    )
    return run


@transaction.atomic
def task_for_reply(*, customer: Customer, text: str, on: dt.date) -> int:
    """A customer's reply to a message reaches whoever looks after them as a task."""
    return tasks_routed(
        customer_ids=[customer.pk],
        reason=TaskReason.REPLY,
        title=_("客户回复短信"),
        subject="",
        on=on,
        due_on=working_day_on_or_after(on),
        note=text[:200],
    )


@transaction.atomic
def task_for_complaint(
    *, customer: Customer, assignee, title: str, subject: str, due_on: dt.date
) -> Task:
    """A complaint to act on, in the list of the person who must (made once per
    subject)."""
    existing = Task.objects.unrestricted().filter(
        reason=TaskReason.COMPLAINT, customer=customer, subject=subject
    )
    if existing.exists():
        return existing.first()
    today = timezone.localdate()
    return Task.objects.create(
        customer=customer,
        reason=TaskReason.COMPLAINT,
        subject=subject,
        title=title,
        event_on=today,
        due_on=max(due_on, today),
        assignee=assignee,
        department_id=customer.department_id,
        created_on=today,
    )


def tasks_routed(
    *,
    customer_ids: list[int],
    reason: str,
    title: str,
    subject: str,
    on: dt.date,
    due_on: dt.date,
    note: str = "",
) -> int:
    """A task for each of ``customer_ids`` outside the nightly rules (a reply, an
    event's follow-up), routed as the nightly tasks are, in one statement."""
    if not customer_ids:
        return 0
    customers = ibis_table(Customer)
    chosen = customers.filter(customers.id.isin(list(customer_ids)))
    occasions = chosen.select(
        customer_id=chosen.id,
        subject=ibis.literal(subject),
        event_on=ibis.literal(on),
        amount=ibis.null("int64"),
        product_id=ibis.null("int64"),
        note=ibis.literal(note),
        tier_key=ibis.null("string"),
        category=ibis.null("string"),
    )
    rows = pipeline.tasks_for(
        occasions,
        customers,
        None,
        rule_id=None,
        tiers=[],
        categories=[],
        assignee=RESPONSIBLE,
        **_routing(),
    )
    return runner.insert_into(
        Task._meta.db_table,
        [*TASK_COLUMNS, "reason", "title", "due_on", "status", "created_on"],
        rows.mutate(
            reason=ibis.literal(reason),
            title=ibis.literal(title),
            due_on=ibis.literal(due_on),
            status=ibis.literal(TaskStatus.OPEN),
            created_on=ibis.literal(max(on, timezone.localdate())),
        ),
    )


def tasks_after_event(
    *, customer_ids: list[int], title: str, subject: str, on: dt.date, due_days: int
) -> int:
    """A follow-up task for each customer who came to an event."""
    return tasks_routed(
        customer_ids=customer_ids,
        reason=TaskReason.EVENT,
        title=title,
        subject=subject,
        on=on,
        due_on=due_date(on, due_days, max(on, timezone.localdate())),
    )


def tasks_done_for(*, subject_prefix: str, actor) -> int:
    """Close the open complaint tasks of a subject once the complaint was acted on."""
    return (
        Task.objects.unrestricted()
        .filter(
            reason=TaskReason.COMPLAINT, subject__startswith=subject_prefix, status=TaskStatus.OPEN
        )
        .update(status=TaskStatus.DONE, done_at=timezone.now(), done_by=actor)
    )


@dataclass(frozen=True)
class ContactData:
    """What a member of staff enters for one contact."""

    channel: str
    purpose: str
    outcome: str
    summary: str = ""
    contacted_at: dt.datetime | None = None
    next_follow_up: dt.date | None = None


def _follow_up(contact: Contact, actor) -> Task | None:
    if contact.next_follow_up is None:
        return None
    customer = contact.customer
    # A stored title is in the installation's language, whichever the writer's page shows.
    with translation.override(settings.LANGUAGE_CODE):
        title = (
            _("跟进：%(summary)s") % {"summary": contact.summary[:60]} if contact.summary else ""
        )
    return Task.objects.create(
        customer=customer,
        reason=TaskReason.FOLLOW_UP,
        title=title,
        event_on=contact.next_follow_up,
        due_on=contact.next_follow_up,
        assignee=actor,
        department_id=customer.department_id,
        created_on=timezone.localdate(),
        created_by=actor,
    )


@transaction.atomic
def contact_log(
    *, actor, customer: Customer, data: ContactData, task: Task | None = None
) -> Contact:
    """Log a contact (客户工作日志); a next follow-up date becomes a task of the person
    who logged it; ``task``: the task this contact completes."""
    contacted_at = data.contacted_at or timezone.now()
    if contacted_at > timezone.now() + dt.timedelta(minutes=5):
        raise CareError({"contacted_at": _("联系时间不能晚于现在。")}, code="future")
    contacted_on = timezone.localtime(contacted_at).date()
    if data.next_follow_up is not None and data.next_follow_up < contacted_on:
        raise CareError({"next_follow_up": _("下次跟进日期不能早于联系日期。")}, code="past")
    contact = Contact(
        customer=customer,
        staff=actor,
        channel=data.channel,
        purpose=data.purpose,
        outcome=data.outcome,
        summary=data.summary,
        contacted_at=contacted_at,
        contacted_on=contacted_on,
        next_follow_up=data.next_follow_up,
    )
    contact.full_clean()
    contact.save()
    customer_contacted(customer_id=customer.pk, day=contacted_on)
    _follow_up(contact, actor)
    if task is not None:
        _complete(task, actor, contact)
    audit_record(
        actor=actor,
        action=CareAction.CONTACT_LOG,
        subject=customer,
        after={"channel": data.channel, "purpose": data.purpose, "outcome": data.outcome},
    )
    contact.ensure_still_visible()
    return contact


def _may_work_on(task: Task, actor) -> bool:
    if task.assignee_id is not None:
        return task.assignee_id == actor.pk
    return task.role in actor.role_codes and task.department_id == actor.department_id


def _complete(task: Task, actor, contact: Contact | None) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise CareError(_("该任务已处理。"), code="not_open")
    if contact is not None and contact.customer_id != task.customer_id:
        raise CareError(_("联系记录与任务不是同一客户。"), code="other_customer")
    task.status = TaskStatus.DONE
    task.done_at = timezone.now()
    task.done_by = actor
    task.contact = contact
    task.save(update_fields=["status", "done_at", "done_by", "contact"])
    return task


@transaction.atomic
def task_complete(*, actor, task: Task, data: ContactData) -> Task:
    """Complete a task by logging the contact that did it."""
    if not _may_work_on(task, actor):
        raise PermissionDenied(_("该任务不是您的任务。"))
    contact = contact_log(actor=actor, customer=task.customer, data=data, task=task)
    task.refresh_from_db()
    assert task.contact_id == contact.pk
    return task


@transaction.atomic
def tasks_complete(*, actor, tasks: list[Task], data: ContactData) -> Contact:
    """Complete several tasks of one customer by the one contact that did them all: a
    call about a birthday and a maturity is one call, logged and counted in the 5-20
    plan once. The same checks as :func:`task_complete`, for every task."""
    if not tasks:
        raise CareError(_("没有要完成的任务。"), code="no_tasks")
    if len({task.customer_id for task in tasks}) != 1:
        raise CareError(_("联系记录与任务不是同一客户。"), code="other_customer")
    if not all(_may_work_on(task, actor) for task in tasks):
        raise PermissionDenied(_("该任务不是您的任务。"))
    first, *others = sorted(tasks, key=lambda task: task.pk)  # locks in one order
    contact = contact_log(actor=actor, customer=first.customer, data=data, task=first)
    for task in others:
        _complete(task, actor, contact)
    return contact


# What a call about a task is for (the contact's 目的), by the task's message occasion
# or how the task was made; anything else is care (关怀问候).
_OCCASION_PURPOSES = {
    "maturity": ContactPurpose.MATURITY,
    "renewal": ContactPurpose.MATURITY,
    "thanks": ContactPurpose.FOLLOW_UP,
    "follow_up": ContactPurpose.FOLLOW_UP,
}
_REASON_PURPOSES = {
    TaskReason.COMPLAINT: ContactPurpose.COMPLAINT,
    TaskReason.FOLLOW_UP: ContactPurpose.FOLLOW_UP,
    TaskReason.EVENT: ContactPurpose.FOLLOW_UP,
}


def purpose_for(task: Task) -> str:
    """The purpose of a contact made for ``task``."""
    if task.rule_id and task.rule.occasion in _OCCASION_PURPOSES:
        return _OCCASION_PURPOSES[task.rule.occasion]
    return _REASON_PURPOSES.get(task.reason, ContactPurpose.CARE)


@transaction.atomic
def task_cancel(*, actor, task: Task, reason: str) -> Task:
    """Close a task that needs no contact (the customer moved away, the product was
    renewed at the counter ...); the reason is kept."""
    if not _may_work_on(task, actor):
        raise PermissionDenied(_("该任务不是您的任务。"))
    if not reason.strip():
        raise CareError({"reason": _("请说明取消原因。")}, code="no_reason")
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise CareError(_("该任务已处理。"), code="not_open")
    task.status = TaskStatus.CANCELLED
    task.done_at = timezone.now()
    task.done_by = actor
    task.note = reason[:200]
    task.save(update_fields=["status", "done_at", "done_by", "note"])
    audit_record(actor=actor, action=CareAction.TASK_CANCEL, subject=task.customer, note=reason)
    return task


@transaction.atomic
def comment_add(*, actor, contact: Contact, text: str) -> ContactComment:
    """A supervisor's comment on a log entry."""
    if not text.strip():
        raise CareError({"text": _("请填写点评内容。")}, code="empty")
    comment = ContactComment.objects.create(contact=contact, author=actor, text=text.strip())
    audit_record(actor=actor, action=CareAction.CONTACT_COMMENT, subject=contact.customer)
    return comment


RULE_FIELDS = [
    "name",
    "enabled",
    "source",
    "offset_days",
    "repeat_days",
    "repeat_times",
    "lead_days",
    "due_days",
    "window_days",
    "assignee",
    "tiers",
    "categories",
    "action_plan",
    "occasion",
]


def _check_rule(rule: CareRule) -> None:
    rule.full_clean()
    if rule.trigger == Trigger.DATE and rule.source not in DATE_SOURCES:
        raise CareError({"source": _("请选择日期字段。")}, code="unknown_source")
    if rule.trigger != Trigger.DATE and rule.source:
        raise CareError({"source": _("只有日期提醒规则才有日期字段。")}, code="source")
    valid = {RESPONSIBLE, *Role.values}
    if rule.assignee not in valid:
        raise CareError({"assignee": _("负责人不正确。")}, code="assignee")


@transaction.atomic
def rule_save(*, actor, rule: CareRule, values: dict) -> CareRule:
    """Create a rule (``rule`` unsaved) or tune one; new rules are date rules or any
    trigger the code knows."""
    before = {name: str(getattr(rule, name, "")) for name in RULE_FIELDS} if rule.pk else {}
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_at = timezone.now()
    _check_rule(rule)
    rule.save()
    audit_record(
        actor=actor,
        action=CareAction.RULE_SAVE,
        subject=rule,
        before=before,
        after={name: str(getattr(rule, name)) for name in RULE_FIELDS},
    )
    return rule


@dataclass(frozen=True)
class StepData:
    title: str
    offset_days: int
    channel: str = ""
    assignee: str = RESPONSIBLE


@transaction.atomic
def plan_save(
    *,
    actor,
    plan: ActionPlan,
    name: str,
    description: str,
    enabled: bool,
    steps: list[StepData],
) -> ActionPlan:
    """Create a plan (``plan`` unsaved) or change one; its steps are replaced, in the
    order of their offsets. Plans already started keep the tasks they made."""
    if not steps:
        raise CareError(_("行动计划至少要有一个步骤。"), code="no_steps")
    valid = {RESPONSIBLE, *Role.values}
    if any(step.assignee not in valid for step in steps):
        raise CareError(_("负责人不正确。"), code="assignee")
    before = [s.title for s in plan.steps.all()] if plan.pk else []
    plan.name, plan.description, plan.enabled = name, description, enabled
    plan.full_clean()
    plan.save()
    plan.steps.all().delete()
    ordered = sorted(steps, key=lambda step: step.offset_days)
    for order, step in enumerate(ordered, start=1):
        ActionPlanStep.objects.create(plan=plan, order=order, **step.__dict__)
    audit_record(
        actor=actor,
        action=CareAction.PLAN_SAVE,
        subject=plan,
        before={"steps": before},
        after={"steps": [step.title for step in ordered]},
    )
    return plan


def move_on_merge(keep: Customer, duplicate: Customer, *, actor=None) -> int:
    """A merge moves the duplicate's tasks, contacts and plan runs to the kept record.
    An occasion the kept record already has stays with the merged record; its open
    task is cancelled."""
    moved = 0
    for model in (Task, PlanRun):
        rows = model.objects.unrestricted().filter(customer=duplicate)
        twin = model.objects.unrestricted().filter(
            customer=keep, rule_id=OuterRef("rule_id"), subject=OuterRef("subject")
        )
        clashing = Q(rule_id__isnull=False) & Exists(twin)
        if model is Task:
            rows.filter(clashing, status=TaskStatus.OPEN).update(
                status=TaskStatus.CANCELLED, done_at=timezone.now(), note=_("客户合并：重复的任务")
            )
        moved += rows.exclude(clashing).update(customer=keep)
    moved += Contact.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    return moved
