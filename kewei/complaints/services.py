"""Writes of complaints: recording (with the owner chosen at once and the deadlines set
by the severity), the workflow, reassignment, and the escalation of late complaints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.complaints.actions import ComplaintsAction
from kewei.complaints.models import (
    Action,
    Complaint,
    ComplaintStep,
    DeadlinePolicy,
    RoutingRule,
    Satisfaction,
    Status,
)
from kewei.core.calendar import add_working_days
from kewei.organisation.models import Department, Staff
from kewei.organisation.roles import Role
from kewei.organisation.selectors import staff_of_role_near

OPEN = (Status.RECEIVED, Status.IN_PROGRESS)


class ComplaintError(ValidationError):
    """A complaint action its rules refuse; the message says why."""


def deadlines(severity: str, received_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due): hours after receipt for the response; the
    end of the n-th working day after the day of receipt for the resolution."""
    policy = DeadlinePolicy.objects.get(severity=severity)
    response_due = received_at + dt.timedelta(hours=policy.response_hours)
    local = timezone.localtime(received_at)
    last_day = add_working_days(local.date(), policy.resolution_working_days)
    resolution_due = timezone.make_aware(dt.datetime.combine(last_day, dt.time(23, 59, 59)))
    return response_due, resolution_due


def owner_for(category: str, department: Department) -> Staff | None:
    """The owner of a new complaint: the category's role in the outlet (or above), the
    one with the fewest open complaints."""
    rule = RoutingRule.objects.filter(category=category).first()
    role = rule.role if rule else Role.CM_SUPERVISOR
    candidates = staff_of_role_near(role, department)
    if not candidates:
        candidates = staff_of_role_near(Role.OUTLET_HEAD, department)
    if not candidates:
        return None
    load = dict(
        Complaint.objects.unrestricted()
        .filter(owner__in=candidates, status__in=OPEN)
        .values("owner")
        .annotate(n=Count("pk"))
        .values_list("owner", "n")
    )
    return min(candidates, key=lambda staff: (load.get(staff.pk, 0), staff.pk))


@dataclass(frozen=True)
class ComplaintData:
    channel: str
    category: str
    severity: str
    description: str
    department: Department
    customer: object | None = None
    caller_name: str = ""
    caller_phone: str = ""


def _task_for(complaint: Complaint, staff: Staff, title: str, due: dt.datetime) -> None:
    """A care task for whoever must act on the complaint (their list of the day)."""
    if complaint.customer_id is None:
        return
    from kewei.care.services import task_for_complaint

    task_for_complaint(
        customer=complaint.customer,
        assignee=staff,
        title=title,
        subject=f"complaint:{complaint.pk}:{staff.pk}:{complaint.escalation_level}",
        due_on=timezone.localtime(due).date(),
    )


@transaction.atomic
def complaint_record(*, actor, data: ComplaintData, now: dt.datetime | None = None) -> Complaint:
    """Record a complaint (anyone at the counter, in under a minute): it gets its owner
    and its deadlines at once."""
    now = now or timezone.now()
    if data.customer is None and not data.caller_name.strip():
        raise ComplaintError(
            {"caller_name": _("未指定客户时，请填写来电人姓名。")}, code="no_complainant"
        )
    if not data.description.strip():
        raise ComplaintError({"description": _("请填写投诉内容。")}, code="no_description")
    response_due, resolution_due = deadlines(data.severity, now)
    complaint = Complaint(
        customer=data.customer,
        caller_name=data.caller_name.strip(),
        caller_phone=data.caller_phone.strip(),
        department=data.department,
        channel=data.channel,
        category=data.category,
        severity=data.severity,
        description=data.description.strip(),
        owner=owner_for(data.category, data.department),
        received_at=now,
        received_by=actor,
        response_due=response_due,
        resolution_due=resolution_due,
    )
    complaint.full_clean()
    complaint.save()
    # Kept in rows everyone reads: in the system's language, whatever the recorder's page.
    with translation.override(settings.LANGUAGE_CODE):
        note = _("分派给 %(owner)s") % {"owner": complaint.owner} if complaint.owner else ""
        title = _("处理客户投诉 %(n)s") % {"n": complaint.number}
    ComplaintStep.objects.create(
        complaint=complaint,
        at=now,
        actor=actor,
        action=Action.RECEIVE,
        to_status=Status.RECEIVED,
        note=note,
    )
    if complaint.owner is not None:
        _task_for(complaint, complaint.owner, title, response_due)
    audit_record(
        actor=actor,
        action=ComplaintsAction.RECORD,
        subject=complaint,
        after={"category": data.category, "severity": data.severity, "owner": complaint.owner_id},
    )
    complaint.ensure_still_visible()
    return complaint


# action: (from statuses, to status)
TRANSITIONS = {
    Action.RESPOND: ((Status.RECEIVED,), Status.IN_PROGRESS),
    Action.RESOLVE: ((Status.IN_PROGRESS,), Status.RESOLVED),
    Action.CHECK: ((Status.RESOLVED,), Status.CHECKED),
    Action.CLOSE: ((Status.CHECKED,), Status.CLOSED),
    Action.REOPEN: ((Status.RESOLVED, Status.CHECKED, Status.CLOSED), Status.IN_PROGRESS),
    Action.NOTE: (tuple(Status.values), None),
}


def may_handle(actor, complaint: Complaint) -> bool:
    """The owner, whoever it was escalated to, and supervisors with the permission."""
    return actor.pk in (complaint.owner_id, complaint.escalated_to_id) or actor.has_perm(
        "complaints.handle_complaint"
    )


@transaction.atomic
def complaint_act(
    *,
    actor,
    complaint: Complaint,
    action: str,
    told_customer: str = "",
    note: str = "",
    resolution: str = "",
    refusal: str = "",
    satisfaction: str = "",
    now: dt.datetime | None = None,
) -> Complaint:
    """One step of the workflow: received → in progress (first response) → resolved →
    satisfaction checked → closed; reopened from resolved, checked or closed."""
    now = now or timezone.now()
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not may_handle(actor, complaint):
        raise PermissionDenied(_("您不是该投诉的处理人。"))
    if action not in TRANSITIONS:
        raise ComplaintError(_("未知的操作。"), code="unknown_action")
    sources, target = TRANSITIONS[action]
    if complaint.status not in sources:
        raise ComplaintError(
            _("投诉当前为“%(status)s”，不能执行“%(action)s”。")
            % {"status": complaint.get_status_display(), "action": Action(action).label},
            code="invalid_transition",
        )
    problems = {}
    if action == Action.RESPOND and not told_customer.strip():
        problems["told_customer"] = _("请记录首次响应时告知客户的内容。")
    if action == Action.RESOLVE and not resolution.strip():
        problems["resolution"] = _("请填写处理结果。")
    if action == Action.CHECK and satisfaction not in Satisfaction.values:
        problems["satisfaction"] = _("请选择客户满意度。")
    if action in (Action.REOPEN, Action.NOTE) and not note.strip():
        problems["note"] = _("请说明原因。")
    if problems:
        raise ComplaintError(problems, code="missing")
    before = complaint.status
    if action == Action.RESPOND:
        complaint.responded_at = now
    elif action == Action.RESOLVE:
        complaint.resolved_at = now
        complaint.resolution, complaint.refusal = resolution.strip(), refusal.strip()
    elif action == Action.CHECK:
        complaint.satisfaction = satisfaction
    elif action == Action.CLOSE:
        complaint.closed_at = now
    elif action == Action.REOPEN:
        complaint.reopened += 1
        complaint.resolved_at = complaint.closed_at = None
        complaint.satisfaction = ""
        complaint.resolution_due = deadlines(complaint.severity, now)[1]
    if target is not None:
        complaint.status = target
    complaint.save()
    ComplaintStep.objects.create(
        complaint=complaint,
        at=now,
        actor=actor,
        action=action,
        from_status=before,
        to_status=complaint.status,
        told_customer=told_customer.strip(),
        note="\n".join(
            part for part in (note.strip(), resolution.strip(), refusal.strip()) if part
        ),
    )
    if action == Action.RESPOND and complaint.customer_id:
        from kewei.care.services import tasks_done_for

        tasks_done_for(subject_prefix=f"complaint:{complaint.pk}:", actor=actor)
    audit_record(
        actor=actor,
        action=ComplaintsAction(f"complaints.{action}"),
        subject=complaint,
        before={"status": before},
        after={"status": complaint.status},
    )
    return complaint


@transaction.atomic
def complaint_reassign(*, actor, complaint: Complaint, owner: Staff, note: str) -> Complaint:
    """Hand a complaint to another owner (a supervisor's decision)."""
    if not actor.has_perm("complaints.handle_complaint"):
        raise PermissionDenied(_("您没有转派投诉的权限。"))
    if not note.strip():
        raise ComplaintError({"note": _("请说明转派原因。")}, code="missing")
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    previous = complaint.owner_id
    complaint.owner = owner
    complaint.save(update_fields=["owner"])
    ComplaintStep.objects.create(
        complaint=complaint, actor=actor, action=Action.REASSIGN, note=note.strip()
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("处理客户投诉 %(n)s") % {"n": complaint.number}
    _task_for(complaint, owner, title, complaint.resolution_due)
    audit_record(
        actor=actor,
        action=ComplaintsAction.REASSIGN,
        subject=complaint,
        before={"owner": previous},
        after={"owner": owner.pk},
        note=note,
    )
    return complaint


ESCALATION_CHAIN = (Role.CM_SUPERVISOR, Role.OUTLET_HEAD)


def _escalation_target(complaint: Complaint, level: int) -> Staff | None:
    """Level 1: the owner's supervisor (客户经理主管); level 2: the outlet head. Roles the
    owner holds are skipped (a supervisor's late complaint goes to the outlet head)."""
    held = complaint.owner.role_codes if complaint.owner_id else set()
    chain = [role for role in ESCALATION_CHAIN if role not in held] or [Role.OUTLET_HEAD]
    role = chain[min(level, len(chain)) - 1]
    staff = [
        s for s in staff_of_role_near(role, complaint.department) if s.pk != complaint.owner_id
    ]
    return staff[0] if staff else None


def _late(now: dt.datetime) -> Q:
    return Q(status__in=OPEN) & (
        Q(responded_at__isnull=True, response_due__lt=now) | Q(resolution_due__lt=now)
    )


@transaction.atomic
def complaints_escalate(*, now: dt.datetime | None = None) -> dict[int, int]:
    """Escalate late complaints: first to the owner's supervisor (客户经理主管), then,
    when still late ``second_escalation_hours`` after that, to the outlet head. Returns
    {level: complaints escalated to it}. Running it again at the same moment does
    nothing more."""
    now = now or timezone.now()
    late = Complaint.objects.unrestricted().filter(_late(now)).select_related("department", "owner")
    still_late = Q()
    for severity, hours in DeadlinePolicy.objects.values_list(
        "severity", "second_escalation_hours"
    ):
        still_late |= Q(severity=severity, escalated_at__lt=now - dt.timedelta(hours=hours))
    first = list(late.filter(escalation_level=0))
    second = list(late.filter(still_late, escalation_level=1)) if still_late else []
    counts = {1: 0, 2: 0}
    for level, complaints in ((1, first), (2, second)):
        targets: dict[tuple[int, int | None], Staff | None] = {}
        for complaint in complaints:
            key = (complaint.department_id, complaint.owner_id)
            if key not in targets:
                targets[key] = _escalation_target(complaint, level)
        for key, target in targets.items():
            ids = [c.pk for c in complaints if (c.department_id, c.owner_id) == key]
            Complaint.objects.unrestricted().filter(pk__in=ids).update(
                escalation_level=level, escalated_to=target, escalated_at=now
            )
            counts[level] += len(ids)
        ComplaintStep.objects.bulk_create(
            ComplaintStep(
                complaint=complaint,
                at=now,
                action=Action.ESCALATE,
                note=_("逾期未处理，升级至 %(target)s")
                % {
                    "target": targets[(complaint.department_id, complaint.owner_id)]
                    or _("（无人）")
                },
            )
            for complaint in complaints
        )
        for complaint in complaints:
            target = targets[(complaint.department_id, complaint.owner_id)]
            if target is not None:
                complaint.escalation_level = level
                _task_for(
                    complaint,
                    target,
                    _("逾期投诉 %(n)s 已升级，请督办") % {"n": complaint.number},
                    now,
                )
    if counts[1] or counts[2]:
        audit_record(actor=None, action=ComplaintsAction.ESCALATE, after={"levels": counts})
    return counts


def move_on_merge(keep, duplicate, *, actor=None) -> int:
    return Complaint.objects.unrestricted().filter(customer=duplicate).update(customer=keep)


@transaction.atomic
def settings_save(*, actor, policies: dict[str, dict], routing: dict[str, str]) -> None:
    """Deadlines per severity ({severity: {response_hours, resolution_working_days,
    second_escalation_hours}}) and the owning role per category. New complaints use
    them; those already received keep their deadlines."""
    before = {
        "policies": {
            p.severity: [p.response_hours, p.resolution_working_days, p.second_escalation_hours]
            for p in DeadlinePolicy.objects.all()
        },
        "routing": dict(RoutingRule.objects.values_list("category", "role")),
    }
    for severity, values in policies.items():
        policy = DeadlinePolicy.objects.get(severity=severity)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.full_clean()
        policy.save()
    for category, role in routing.items():
        if role not in Role.values:
            raise ComplaintError({"routing": _("处理岗位不正确。")}, code="role")
        RoutingRule.objects.update_or_create(category=category, defaults={"role": role})
    audit_record(
        actor=actor,
        action=ComplaintsAction.SETTINGS,
        before=before,
        after={"policies": policies, "routing": routing},
    )
