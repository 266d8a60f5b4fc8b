"""Test factories for the organisation: a small bank with staff in every role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from kewei.organisation.models import Department, DepartmentLevel, Staff
from kewei.organisation.roles import Role, sync_roles

PASSWORD = "Kewei@Test2026"  # noqa: S105
_counter = itertools.count(1)
_password_hash: str | None = None


def department(
    *,
    code: str,
    name: str | None = None,
    parent: Department | None = None,
    level: int | None = None,
) -> Department:
    if level is None:
        level = DepartmentLevel.HEAD_OFFICE if parent is None else min(parent.level + 1, 4)
    return Department.objects.create(
        code=code,
        name=name or f"机构{code}",
        level=level,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
    )


def staff(
    *,
    department: Department,
    roles: tuple[str, ...] = (),
    username: str | None = None,
    full_name: str | None = None,
    is_active: bool = True,
) -> Staff:
    global _password_hash
    if _password_hash is None:
        _password_hash = make_password(PASSWORD)
    number = next(_counter)
    member = Staff.objects.create(
        username=username or f"user{number}",
        employee_number=f"T{number:05d}",
        full_name=full_name or f"员工{number}",
        department=department,
        password=_password_hash,
        is_active=is_active,
    )
    if roles:
        from django.contrib.auth.models import Group

        sync_roles()
        member.groups.set(Group.objects.filter(name__in=roles))
    return member


@dataclass
class SmallBank:
    head_office: Department
    branch_a: Department
    branch_b: Department
    sub_branch_a: Department
    outlet_a1: Department
    outlet_a2: Department
    outlet_b1: Department
    admin: Staff
    auditor: Staff
    retail_a: Staff
    head_a1: Staff
    supervisor_a1: Staff
    manager_a1: Staff
    teller_a1: Staff
    head_b1: Staff
    manager_b1: Staff


def small_bank() -> SmallBank:
    """总行 → 分行A → 支行A → 网点A1, A2; 总行 → 分行B → 网点B1 (level skip allowed)."""
    sync_roles()
    head = department(code="000000", name="总行")
    branch_a = department(code="110000", name="北京分行", parent=head)
    branch_b = department(code="310000", name="上海分行", parent=head)
    sub_a = department(code="110100", name="海淀支行", parent=branch_a)
    outlet_a1 = department(code="110101", name="中关村网点", parent=sub_a)
    outlet_a2 = department(code="110102", name="五道口网点", parent=sub_a)
    outlet_b1 = department(
        code="310101", name="陆家嘴网点", parent=branch_b, level=DepartmentLevel.OUTLET
    )
    return SmallBank(
        head_office=head,
        branch_a=branch_a,
        branch_b=branch_b,
        sub_branch_a=sub_a,
        outlet_a1=outlet_a1,
        outlet_a2=outlet_a2,
        outlet_b1=outlet_b1,
        admin=staff(department=head, roles=(Role.SYSTEM_ADMIN,), username="admin"),
        auditor=staff(department=head, roles=(Role.AUDITOR,), username="auditor"),
        retail_a=staff(department=branch_a, roles=(Role.RETAIL_BANKING,), username="retail_a"),
        head_a1=staff(department=outlet_a1, roles=(Role.OUTLET_HEAD,), username="head_a1"),
        supervisor_a1=staff(
            department=outlet_a1, roles=(Role.CM_SUPERVISOR,), username="supervisor_a1"
        ),
        manager_a1=staff(
            department=outlet_a1, roles=(Role.CUSTOMER_MANAGER,), username="manager_a1"
        ),
        teller_a1=staff(
            department=outlet_a1, roles=(Role.HIGH_COUNTER_TELLER,), username="teller_a1"
        ),
        head_b1=staff(department=outlet_b1, roles=(Role.OUTLET_HEAD,), username="head_b1"),
        manager_b1=staff(
            department=outlet_b1, roles=(Role.CUSTOMER_MANAGER,), username="manager_b1"
        ),
    )
