"""Reads of the organisation: data scope, the department tree, staff."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kewei.core.scope import NOTHING, DataScope, subtree_q
from kewei.organisation.models import Department, Staff
from kewei.organisation.roles import BOOK_SCOPE_ROLES, DEPARTMENT_SCOPE_ROLES, ORG_VIEW_ROLES, Role

# Up to this many departments, a subtree is matched by the list of their ids; a larger
# one (a branch or the head office of a big bank) by a subquery on the path. See
# ``subtree_department_q``.
SUBTREE_ID_LIST_MAX = 200


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


def subtree_department_q(scope: DataScope, field: str, paths: tuple[str, ...]) -> Q:
    """Rows whose department (``field``, a department id column such as
    ``customer__department_id``) lies under any of ``paths``, looked up once per scope:
    the scope lives for one request or job, so every scoped query of a page reuses the
    first lookup (``DataScope.resolved``).

    A subtree of at most ``SUBTREE_ID_LIST_MAX`` departments becomes ``department_id IN
    (1, 2, 3)``: the database sees the actual ids, estimates each outlet's share of the
    rows and combines the department index with the other filters. A larger one becomes
    ``department_id IN (SELECT id FROM department WHERE path LIKE '/p/%')``, still no
    extra round trip (the database resolves it inside each query, by the path's prefix
    index): a list of thousands of ids would be sent and planned again with every query
    of the page, and would near the bound-parameter limit of SQLite (999 in Django); and
    a filter that keeps most of the bank gains nothing from exact ids.
    """
    if not paths:
        return NOTHING

    def resolve() -> tuple[int, ...] | None:
        ids = tuple(
            Department.objects.unrestricted()
            .filter(subtree_q("path", paths))
            .order_by("pk")
            .values_list("pk", flat=True)[: SUBTREE_ID_LIST_MAX + 1]
        )
        return ids if len(ids) <= SUBTREE_ID_LIST_MAX else None

    ids = scope.resolved(("subtree_department_ids", paths), resolve)
    if ids is None:
        subtree = Department.objects.unrestricted().filter(subtree_q("path", paths))
        return Q(**{f"{field}__in": subtree.values("pk")})
    return Q(**{f"{field}__in": ids})


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
    """The people of the organisation: the staff members that the integration API's
    service accounts act as (kewei.api.models.ServiceAccount) are systems, not staff,
    and are listed on the API access page instead."""
    staff = (
        Staff.objects.filter(service_account__isnull=True)
        .select_related("department")
        .prefetch_related("groups")
    )
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
