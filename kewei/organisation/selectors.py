"""Reads of the organisation: data scope, the department tree, staff."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kewei.core.scope import DataScope
from kewei.organisation.models import Department, Staff
from kewei.organisation.roles import BOOK_SCOPE_ROLES, DEPARTMENT_SCOPE_ROLES, ORG_VIEW_ROLES, Role


def data_scope_for(staff: Staff) -> DataScope:
    """The data a staff member may see, from their roles and department.

    - customer manager: the customers assigned to them;
    - counter staff, lobby manager, supervisor, outlet head, retail banking department:
      the customers of their department and its descendants;
    - system administrator: every department and staff member, no customer data;
    - auditor: nothing but the audit trail (which is guarded by permission, not scope).
    Several roles add up.
    """
    if not staff.is_active:
        return DataScope.nothing()
    roles = staff.role_codes
    path = staff.department.path
    org_subtrees: tuple[str, ...] = ()
    if roles & ORG_VIEW_ROLES:
        org_subtrees = (path,)
    customer_subtrees: tuple[str, ...] = (path,) if roles & DEPARTMENT_SCOPE_ROLES else ()
    return DataScope(
        staff_id=staff.pk,
        department_id=staff.department_id,
        org_all=Role.SYSTEM_ADMIN in roles,
        org_subtrees=org_subtrees,
        customer_subtrees=customer_subtrees,
        customer_book=bool(roles & BOOK_SCOPE_ROLES),
    )


def department_headcount() -> dict[int, tuple[int, int]]:
    """``{department_id: (direct_staff, total_staff)}`` for every department, computed in
    the database by the batch engine (one query whatever the size of the tree)."""
    from kewei.engine import runner, schemas
    from kewei.engine.pipelines.organisation import headcount

    expr = headcount(schemas.table(Department), schemas.table(Staff))
    return {
        int(department_id): (int(direct), int(total))
        for department_id, direct, total in runner.fetch_all(expr)
    }


def department_tree() -> QuerySet[Department]:
    """Visible departments in tree order (by path), with their parent."""
    return Department.objects.select_related("parent").order_by("path")


def staff_list(
    *, department: Department | None = None, query: str = "", include_inactive: bool = False
) -> QuerySet[Staff]:
    staff = Staff.objects.select_related("department").prefetch_related("groups")
    if department is not None:
        staff = staff.filter(department__path__startswith=department.path)
    if query:
        staff = staff.filter(
            Q(full_name__icontains=query)
            | Q(username__icontains=query)
            | Q(employee_number__icontains=query)
        )
    if not include_inactive:
        staff = staff.filter(is_active=True)
    return staff


def staff_of_role_near(role: str, department: Department) -> list[Staff]:
    """Active staff of ``role`` in ``department``, else in the nearest department above
    it that has some (one query over the department's ancestors)."""
    ancestors = department.path.strip("/").split("/")
    found = list(
        Staff.objects.unrestricted()
        .filter(department__code__in=ancestors, is_active=True, groups__name=role)
        .select_related("department")
        .order_by("pk")
    )
    if not found:
        return []
    nearest = max(len(staff.department.path) for staff in found)
    return [staff for staff in found if len(staff.department.path) == nearest]
