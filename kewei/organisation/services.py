"""Writes to the organisation: departments and staff. Every write is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, snapshot
from kewei.organisation.closure import closure_blockers
from kewei.organisation.errors import OrganisationError
from kewei.organisation.models import Department, DepartmentLevel, Staff
from kewei.organisation.roles import Role

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
    audit_record(
        actor=actor,
        action="organisation.department.create",
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
        action="organisation.department.rename",
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
    department.refresh_from_db()
    audit_record(
        actor=actor,
        action="organisation.department.move",
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
        action="organisation.department.close",
        subject=department,
        before=before,
        after=snapshot(department, DEPARTMENT_FIELDS),
    )
    return department


def _role_groups(roles: Iterable[str]) -> list[Group]:
    codes = sorted(set(roles))
    unknown = set(codes) - set(Role.values)
    if unknown:
        raise OrganisationError(
            _("未知角色：%(roles)s") % {"roles": "、".join(sorted(unknown))}, code="unknown_role"
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
    staff.groups.set(_role_groups(roles))
    audit_record(
        actor=actor,
        action="organisation.staff.create",
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
    staff.full_name = full_name.strip()
    staff.department = department
    staff.work_phone = work_phone
    staff.is_active = is_active
    staff.full_clean()
    staff.save()
    staff.groups.set(_role_groups(roles))
    audit_record(
        actor=actor,
        action="organisation.staff.update",
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
    action = "organisation.staff.change_own_password" if own else "organisation.staff.set_password"
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
        action="organisation.staff.unlock",
        subject=staff,
        before=before,
        after={"failed_login_count": 0, "locked_until": None},
    )
    return staff


@transaction.atomic
def staff_login_failed(*, staff: Staff) -> bool:
    """Count a failed sign-in; lock the account at the limit. Returns whether it is locked."""
    Staff.objects.unrestricted().filter(pk=staff.pk).update(
        failed_login_count=F("failed_login_count") + 1
    )
    staff = Staff.objects.unrestricted().select_for_update().get(pk=staff.pk)
    audit_record(actor=None, actor_label=staff.username, action="auth.login_failed", subject=staff)
    if staff.failed_login_count >= settings.KEWEI_LOGIN_FAILURE_LIMIT and not staff.is_locked():
        staff.locked_until = timezone.now() + dt.timedelta(
            minutes=settings.KEWEI_LOGIN_LOCK_MINUTES
        )
        staff.save(update_fields=["locked_until"])
        audit_record(
            actor=None,
            action="auth.locked",
            subject=staff,
            after={
                "failed_login_count": staff.failed_login_count,
                "locked_until": staff.locked_until.isoformat(),
            },
        )
    return staff.is_locked()


def staff_login_succeeded(*, staff: Staff) -> None:
    if staff.failed_login_count or staff.locked_until:
        Staff.objects.unrestricted().filter(pk=staff.pk).update(
            failed_login_count=0, locked_until=None
        )
