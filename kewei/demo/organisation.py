"""Demo organisation: head office, 2 branches, 4 sub-branches, 8 outlets, staff in every role."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from kewei.core.progress import Progress
from kewei.demo.names import person_name
from kewei.demo.seeders import SeedContext, register_seeder
from kewei.organisation.models import Department, DepartmentLevel, Staff
from kewei.organisation.roles import Role, sync_roles

DEMO_PASSWORD = "Kewei@2026"  # noqa: S105  (published demo password)

# (code, name, level, parent code)
DEPARTMENTS = [
    ("000000", "客维示范银行总行", DepartmentLevel.HEAD_OFFICE, None),
    ("110000", "北京分行", DepartmentLevel.BRANCH, "000000"),
    ("310000", "上海分行", DepartmentLevel.BRANCH, "000000"),
    ("110100", "海淀支行", DepartmentLevel.SUB_BRANCH, "110000"),
    ("110200", "朝阳支行", DepartmentLevel.SUB_BRANCH, "110000"),
    ("310100", "浦东支行", DepartmentLevel.SUB_BRANCH, "310000"),
    ("310200", "黄浦支行", DepartmentLevel.SUB_BRANCH, "310000"),
    ("110101", "中关村网点", DepartmentLevel.OUTLET, "110100"),
    ("110102", "五道口网点", DepartmentLevel.OUTLET, "110100"),
    ("110201", "望京网点", DepartmentLevel.OUTLET, "110200"),
    ("110202", "国贸网点", DepartmentLevel.OUTLET, "110200"),
    ("310101", "陆家嘴网点", DepartmentLevel.OUTLET, "310100"),
    ("310102", "张江网点", DepartmentLevel.OUTLET, "310100"),
    ("310201", "外滩网点", DepartmentLevel.OUTLET, "310200"),
    ("310202", "南京东路网点", DepartmentLevel.OUTLET, "310200"),
]

# The accounts the README lists, one per role: (username, department code, role).
NAMED_ACCOUNTS = [
    ("admin", "000000", Role.SYSTEM_ADMIN),
    ("auditor", "000000", Role.AUDITOR),
    ("gejin", "110000", Role.RETAIL_BANKING),
    ("wangdian", "110101", Role.OUTLET_HEAD),
    ("zhuguan", "110101", Role.CM_SUPERVISOR),
    ("kehujingli", "110101", Role.CUSTOMER_MANAGER),
    ("dating", "110101", Role.LOBBY_MANAGER),
    ("gaogui", "110101", Role.HIGH_COUNTER_TELLER),
    ("digui", "110101", Role.COUNTER_STAFF),
]

# Staff of every outlet: role and head count.
OUTLET_STAFFING = [
    (Role.OUTLET_HEAD, 1),
    (Role.CM_SUPERVISOR, 1),
    (Role.CUSTOMER_MANAGER, 4),
    (Role.LOBBY_MANAGER, 1),
    (Role.HIGH_COUNTER_TELLER, 2),
    (Role.COUNTER_STAFF, 2),
]


def _planned_staff() -> list[tuple[str, str, str]]:
    """(username, department code, role) for every demo staff member, in a fixed order."""
    planned = list(NAMED_ACCOUNTS)
    taken = {(code, role) for _, code, role in NAMED_ACCOUNTS}
    for code, _, level, _ in DEPARTMENTS:
        if level == DepartmentLevel.BRANCH and (code, Role.RETAIL_BANKING) not in taken:
            planned.append((f"gj{code}", code, Role.RETAIL_BANKING))
        if level != DepartmentLevel.OUTLET:
            continue
        for role, count in OUTLET_STAFFING:
            already = sum(1 for _, c, r in NAMED_ACCOUNTS if c == code and r == role)
            for index in range(already, count):
                planned.append((f"{role.value[:2]}{code}{index + 1:02d}", code, role))
    return planned


@register_seeder("organisation", order=10)
def seed_organisation(context: SeedContext, progress: Progress) -> dict[str, int]:
    rng = context.rng("organisation")
    planned = _planned_staff()
    progress.start(len(DEPARTMENTS) + len(planned), "机构与员工")
    created_departments = created_staff = 0
    with transaction.atomic():
        sync_roles()
        by_code: dict[str, Department] = {}
        for code, name, level, parent_code in DEPARTMENTS:
            parent = by_code.get(parent_code) if parent_code else None
            path = f"{parent.path if parent else '/'}{code}/"
            department, created = Department.objects.unrestricted().update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "level": level,
                    "parent": parent,
                    "path": path,
                    "is_active": True,
                    "closed_at": None,
                },
            )
            created_departments += created
            by_code[code] = department
            progress.advance()

        password = make_password(DEMO_PASSWORD)
        groups = {group.name: group for group in Group.objects.all()}
        existing = set(Staff.objects.unrestricted().values_list("username", flat=True))
        new_staff = []
        for number, (username, code, _role) in enumerate(planned, start=1):
            # Drawn for every planned row, so names stay the same on re-runs.
            name = person_name(rng)
            phone = f"010-6{rng.randrange(1000000, 9999999)}"
            if username in existing:
                continue
            new_staff.append(
                Staff(
                    username=username,
                    employee_number=f"E{number:05d}",
                    full_name=name,
                    department=by_code[code],
                    password=password,
                    work_phone=phone,
                )
            )
        Staff.objects.bulk_create(new_staff)
        created_staff = len(new_staff)
        staff_ids = dict(Staff.objects.unrestricted().values_list("username", "pk"))
        links = [
            Staff.groups.through(staff_id=staff_ids[username], group_id=groups[role.value].pk)
            for username, _, role in planned
        ]
        Staff.groups.through.objects.bulk_create(links, ignore_conflicts=True)
        progress.advance(len(planned))
    context.shared["departments"] = by_code
    return {
        "departments": len(DEPARTMENTS),
        "departments_created": created_departments,
        "staff": len(planned),
        "staff_created": created_staff,
    }
