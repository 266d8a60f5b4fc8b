"""Writes to the organisation: departments and staff. Every write is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, snapshot
from kewei.core.scope import forget_resolved
from kewei.organisation.actions import OrganisationAction
from kewei.organisation.closure import closure_blockers
from kewei.organisation.errors import OrganisationError
from kewei.organisation.models import Department, DepartmentLevel, Staff
from kewei.organisation.roles import Role, role_conflicts

DEPARTMENT_FIELDS = ("code", "name", "level", "parent", "path", "is_active")
STAFF_FIELDS = (
    "username",
    "employee_number",
    "full_name",
    "department",
    "work_phone",
    "is_active",
)


def _check_parent(level: int, parent: Department | None) -> None:
    if level == DepartmentLevel.HEAD_OFFICE:
        if parent is not None:
            raise OrganisationError(_("总行不能有上级机构。"), code="head_office_parent")
        if Department.objects.unrestricted().filter(level=DepartmentLevel.HEAD_OFFICE).exists():
            raise OrganisationError(_("总行已存在，只能有一个总行。"), code="second_head_office")
        return
    if parent is None:
        raise OrganisationError(_("请选择上级机构。"), code="parent_required")
    if not parent.is_active:
        raise OrganisationError(
            _("上级机构 %(parent)s 已撤销。") % {"parent": parent}, code="parent_closed"
        )
    if parent.level >= level:
        raise OrganisationError(
            _("%(level)s不能隶属于%(parent_level)s%(parent)s。")
            % {
                "level": DepartmentLevel(level).label,
                "parent_level": DepartmentLevel(parent.level).label,
                "parent": parent,
            },
            code="level_order",
        )


@transaction.atomic
def department_create(
    *, actor: Staff | None, code: str, name: str, level: int, parent: Department | None
) -> Department:
    _check_parent(level, parent)
    if Department.objects.unrestricted().filter(code=code).exists():
        raise OrganisationError(
            _("机构代码 %(code)s 已被使用。") % {"code": code}, code="duplicate_code"
        )
    department = Department(
        code=code,
        name=name.strip(),
        level=level,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
    )
    department.full_clean()
    department.save(force_insert=True)
    forget_resolved()  # the active scope's subtrees may hold one more department
    audit_record(
        actor=actor,
        action=OrganisationAction.DEPARTMENT_CREATE,
        subject=department,
        after=snapshot(department, DEPARTMENT_FIELDS),
    )
    department.ensure_still_visible()
    return department


@transaction.atomic
def department_rename(*, actor: Staff | None, department: Department, name: str) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = snapshot(department, DEPARTMENT_FIELDS)
    department.name = name.strip()
    department.full_clean()
    department.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action=OrganisationAction.DEPARTMENT_RENAME,
        subject=department,
        before=before,
        after=snapshot(department, DEPARTMENT_FIELDS),
    )
    return department


@transaction.atomic
def department_move(
    *, actor: Staff | None, department: Department, new_parent: Department
) -> Department:
    """Put a department (with its whole subtree) under another parent."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    new_parent = Department.objects.get(pk=new_parent.pk)
    if new_parent.pk == department.pk or new_parent.path.startswith(department.path):
        raise OrganisationError(
            _("不能把 %(department)s 移到它自己或它的下级机构 %(parent)s 之下。")
            % {"department": department, "parent": new_parent},
            code="move_into_own_subtree",
        )
    if department.level == DepartmentLevel.HEAD_OFFICE:
        raise OrganisationError(_("总行不能调整上级机构。"), code="move_head_office")
    _check_parent(department.level, new_parent)
    before = snapshot(department, DEPARTMENT_FIELDS)
    old_path = department.path
    new_path = f"{new_parent.path}{department.code}/"
    # One statement re-roots the whole subtree, whatever its size.
    Department.objects.unrestricted().filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    Department.objects.unrestricted().filter(pk=department.pk).update(parent=new_parent)
    forget_resolved()  # the active scope's subtrees changed
    department.refresh_from_db()
    audit_record(
        actor=actor,
        action=OrganisationAction.DEPARTMENT_MOVE,
        subject=department,
        before=before,
        after=snapshot(department, DEPARTMENT_FIELDS),
    )
    department.ensure_still_visible()
    return department


@transaction.atomic
def department_close(*, actor: Staff | None, department: Department) -> Department:
    """Close a department that no longer has active sub-units, staff or customers."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    if not department.is_active:
        raise OrganisationError(_("该机构已撤销。"), code="already_closed")
    reasons = []
    children = Department.objects.unrestricted().filter(parent=department, is_active=True).count()
    if children:
        reasons.append(_("仍有 %(count)d 个下级机构") % {"count": children})
    staff = Staff.objects.unrestricted().filter(department=department, is_active=True).count()
    if staff:
        reasons.append(_("仍有 %(count)d 名在职员工") % {"count": staff})
    for blocker in closure_blockers():
        reason = blocker(department)
        if reason:
            reasons.append(reason)
    if reasons:
        raise OrganisationError(
            _("%(department)s 不能撤销：%(reasons)s。请先迁移后再撤销。")
            % {"department": department, "reasons": "；".join(str(r) for r in reasons)},
            code="department_not_empty",
        )
    before = snapshot(department, DEPARTMENT_FIELDS)
    department.is_active = False
    department.closed_at = timezone.now()
    department.save(update_fields=["is_active", "closed_at"])
    audit_record(
        actor=actor,
        action=OrganisationAction.DEPARTMENT_CLOSE,
        subject=department,
        before=before,
        after=snapshot(department, DEPARTMENT_FIELDS),
    )
    return department


def _role_groups(roles: Iterable[str]) -> list[Group]:
    """The groups of a staff member's roles: at least one, all known, and no set that
    separation of duties forbids (``KEWEI_INCOMPATIBLE_ROLES``)."""
    codes = sorted(set(roles))
    unknown = set(codes) - set(Role.values)
    if unknown:
        raise OrganisationError(
            _("未知角色：%(roles)s") % {"roles": "、".join(sorted(unknown))}, code="unknown_role"
        )
    if not codes:
        raise OrganisationError(
            {"roles": OrganisationError(_("请至少选择一个角色。"), code="no_role")}
        )
    conflicts = role_conflicts(set(codes))
    if conflicts:
        raise OrganisationError(
            {
                "roles": [
                    OrganisationError(
                        _("职责分离：%(roles)s 不能由同一人兼任。")
                        % {
                            "roles": "、".join(
                                str(Role(code).label)
                                for code in sorted(chosen, key=Role.values.index)
                            )
                        },
                        code="incompatible_roles",
                    )
                    for chosen in conflicts
                ]
            }
        )
    groups = list(Group.objects.filter(name__in=codes))
    if len(groups) != len(codes):
        raise OrganisationError(_("角色尚未初始化，请先执行 kewei migrate。"), code="roles_missing")
    return groups


def _staff_snapshot(staff: Staff) -> dict:
    values = snapshot(staff, STAFF_FIELDS)
    values["roles"] = sorted(staff.groups.values_list("name", flat=True))
    return values


@transaction.atomic
def staff_create(
    *,
    actor: Staff | None,
    username: str,
    employee_number: str,
    full_name: str,
    department: Department,
    roles: Iterable[str],
    password: str,
    work_phone: str = "",
) -> Staff:
    if Staff.objects.unrestricted().filter(username=username).exists():
        raise OrganisationError(
            _("登录名 %(username)s 已被使用。") % {"username": username}, code="duplicate_username"
        )
    if Staff.objects.unrestricted().filter(employee_number=employee_number).exists():
        raise OrganisationError(
            _("员工号 %(number)s 已被使用。") % {"number": employee_number},
            code="duplicate_employee_number",
        )
    if not department.is_active:
        raise OrganisationError(_("不能把员工分配到已撤销的机构。"), code="department_closed")
    groups = _role_groups(roles)
    staff = Staff(
        username=username,
        employee_number=employee_number,
        full_name=full_name.strip(),
        department=department,
        work_phone=work_phone,
    )
    validate_password(password, staff)
    staff.set_password(password)
    staff.full_clean()
    staff.save(force_insert=True)
    staff.groups.set(groups)
    audit_record(
        actor=actor,
        action=OrganisationAction.STAFF_CREATE,
        subject=staff,
        after=_staff_snapshot(staff),
    )
    staff.ensure_still_visible()
    return staff


@transaction.atomic
def staff_update(
    *,
    actor: Staff | None,
    staff: Staff,
    full_name: str,
    department: Department,
    roles: Iterable[str],
    is_active: bool,
    work_phone: str = "",
) -> Staff:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    before = _staff_snapshot(staff)
    if department.pk != staff.department_id and not department.is_active:
        raise OrganisationError(_("不能把员工分配到已撤销的机构。"), code="department_closed")
    if actor is not None and actor.pk == staff.pk and not is_active:
        raise OrganisationError(_("不能停用自己的账户。"), code="deactivate_self")
    groups = _role_groups(roles)
    staff.full_name = full_name.strip()
    staff.department = department
    staff.work_phone = work_phone
    staff.is_active = is_active
    staff.full_clean()
    staff.save()
    staff.groups.set(groups)
    audit_record(
        actor=actor,
        action=OrganisationAction.STAFF_UPDATE,
        subject=staff,
        before=before,
        after=_staff_snapshot(staff),
    )
    staff.ensure_still_visible()
    return staff


@transaction.atomic
def staff_set_password(
    *, actor: Staff | None, staff: Staff, password: str, own: bool = False
) -> Staff:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    validate_password(password, staff)
    staff.set_password(password)
    staff.save(update_fields=["password"])
    action = (
        OrganisationAction.STAFF_CHANGE_OWN_PASSWORD
        if own
        else OrganisationAction.STAFF_SET_PASSWORD
    )
    audit_record(actor=actor, action=action, subject=staff)
    return staff


@transaction.atomic
def staff_unlock(*, actor: Staff | None, staff: Staff) -> Staff:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    before = {
        "failed_login_count": staff.failed_login_count,
        "locked_until": snapshot(staff, ["locked_until"])["locked_until"],
    }
    staff.failed_login_count = 0
    staff.locked_until = None
    staff.save(update_fields=["failed_login_count", "locked_until"])
    audit_record(
        actor=actor,
        action=OrganisationAction.STAFF_UNLOCK,
        subject=staff,
        before=before,
        after={"failed_login_count": 0, "locked_until": None},
    )
    return staff


def staff_login_attempt(*, staff: Staff) -> bool:
    """Reserve one sign-in attempt, before the password is checked; False when the
    account is locked and no password may be checked.

    The attempt is counted as a failure at once, by one conditional ``UPDATE`` (which
    PostgreSQL re-evaluates on the row as committed by any attempt it waited for): so of
    a burst of attempts at the same moment at most ``KEWEI_LOGIN_FAILURE_LIMIT`` get a
    slot, however slow the Argon2 check of each. A lock that has run out gives one
    more attempt; a failure then locks the account again. A right password resets the
    count (:func:`staff_login_succeeded`)."""
    now = timezone.now()
    limit = settings.KEWEI_LOGIN_FAILURE_LIMIT
    reserved = (
        Staff.objects.unrestricted()
        .filter(pk=staff.pk)
        .filter(
            Q(locked_until__isnull=True, failed_login_count__lt=limit) | Q(locked_until__lte=now)
        )
        .update(failed_login_count=F("failed_login_count") + 1, locked_until=None)
    )
    if not reserved:
        # Every slot is taken by attempts still being checked: lock now, so the page
        # says so (the failure that reaches the limit finds it locked already).
        _staff_lock(staff_pk=staff.pk)
    return bool(reserved)


def _staff_lock(*, staff_pk: int) -> bool:
    """Lock an account that has reached the failure limit and is not locked yet; the
    lock is audited once, by whichever attempt set it."""
    locked_until = timezone.now() + dt.timedelta(minutes=settings.KEWEI_LOGIN_LOCK_MINUTES)
    locked = (
        Staff.objects.unrestricted()
        .filter(
            pk=staff_pk,
            locked_until__isnull=True,
            failed_login_count__gte=settings.KEWEI_LOGIN_FAILURE_LIMIT,
        )
        .update(locked_until=locked_until)
    )
    if locked:
        staff = Staff.objects.unrestricted().get(pk=staff_pk)
        audit_record(
            actor=None,
            action=OrganisationAction.AUTH_LOCKED,
            subject=staff,
            after={
                "failed_login_count": staff.failed_login_count,
                "locked_until": staff.locked_until.isoformat(),
            },
        )
    return bool(locked)


@transaction.atomic
def staff_login_failed(*, staff: Staff) -> bool:
    """Record a failed sign-in (already counted by :func:`staff_login_attempt`); lock
    the account at the limit. Returns whether it is locked."""
    audit_record(
        actor=None,
        actor_label=staff.username,
        action=OrganisationAction.AUTH_LOGIN_FAILED,
        subject=staff,
    )
    _staff_lock(staff_pk=staff.pk)
    return Staff.objects.unrestricted().get(pk=staff.pk).is_locked()


def staff_login_succeeded(*, staff: Staff) -> None:
    """The right password: the attempt reserved for it and any earlier failures are
    forgotten, and a lock that had run out is lifted."""
    Staff.objects.unrestricted().filter(pk=staff.pk).update(failed_login_count=0, locked_until=None)
    staff.failed_login_count, staff.locked_until = 0, None
