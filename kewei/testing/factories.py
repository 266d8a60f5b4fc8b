"""Test factories for the organisation: a small bank with staff in every role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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


def resident_id(
    birthday: str = "19800101", sequence: int | None = None, male: bool = True, area: str = "110105"
) -> str:
    """A valid 18-digit resident ID number."""
    from kewei.customers.identity import check_character

    if sequence is None:
        sequence = next(_counter) % 500 * 2 + (1 if male else 0)
    first17 = f"{area}{birthday}{sequence % 1000:03d}"
    return first17 + check_character(first17)


def customer_data(**overrides):
    """Validated basic information for a customer (services take this)."""
    import datetime as dt

    from kewei.customers.identity import parse_resident_id
    from kewei.customers.validation import CustomerData

    number = overrides.pop("id_number", None) or resident_id()
    parsed = parse_resident_id(number)
    values = dict(
        name="张三",
        gender=parsed.gender,
        id_type="resident_id",
        id_number=parsed.number,
        birthday=parsed.birthday,
        mobile=f"138{next(_counter):08d}",
        address="北京市海淀区中关村大街1号",
        department=None,
        responsible_manager=None,
        vip_flag=False,
    )
    values.update(overrides)
    assert isinstance(values["birthday"], dt.date)
    return CustomerData(**values)


def customer_data_of(existing, **overrides):
    """The basic information ``existing`` already has, as services take it."""
    values = dict(
        id_number=existing.id_number,
        name=existing.name,
        mobile=existing.mobile,
        address=existing.address,
        email=existing.email,
        department=existing.department,
        responsible_manager=existing.responsible_manager,
        source=existing.source,
    )
    values.update(overrides)
    return customer_data(**values)


def customer(
    *,
    department: Department,
    manager: Staff | None = None,
    actor=None,
    aum="10000.00",
    **overrides,
):
    """A customer created through the service; ``aum`` (元) stands for the assets that a
    loaded feed would have computed (None: none, as a new customer has)."""
    from kewei.customers.models import CustomerAssets
    from kewei.customers.services import customer_create, sync_aum_wan

    created = customer_create(
        actor=actor,
        data=customer_data(department=department, responsible_manager=manager, **overrides),
    )
    if aum is not None:
        CustomerAssets.objects.unrestricted().filter(customer=created).update(aum=Decimal(aum))
        sync_aum_wan([created.pk])
        created.refresh_from_db()
    return created


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
    customer_a1: Any = None  # 中关村, in manager_a1's book
    customer_a1_free: Any = None  # 中关村, no manager
    customer_b1: Any = None  # 陆家嘴, in manager_b1's book


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
    bank = SmallBank(
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
    bank.customer_a1 = customer(
        department=outlet_a1, manager=bank.manager_a1, name="张三", id_number="11010519491231002X"
    )
    bank.customer_a1_free = customer(
        department=outlet_a1, name="李四", id_number=resident_id("19900315", 12)
    )
    bank.customer_b1 = customer(
        department=outlet_b1,
        manager=bank.manager_b1,
        name="王五",
        id_number=resident_id("19751120", 33, area="310115"),
    )
    return bank


def product(code: str, category: str, **overrides):
    """A catalogue product; investment categories get a risk level unless given."""
    from kewei.products.models import RISK_RATED_CATEGORIES
    from kewei.products.services import ProductData, product_create

    values = {
        "code": code,
        "name": overrides.pop("name", f"产品{code}"),
        "category": category,
        "risk_level": "R2" if category in RISK_RATED_CATEGORIES else "",
    }
    values.update(overrides)
    return product_create(actor=None, data=ProductData(**values))
