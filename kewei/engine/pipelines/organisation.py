"""Organisation pipelines. Pure: only Ibis, no Django, so they run on any backend."""

from __future__ import annotations

import ibis


def headcount(departments: ibis.Table, staff: ibis.Table) -> ibis.Table:
    """Active staff per department: in the department itself, and in its whole subtree.

    Output columns: ``department_id``, ``direct_staff``, ``total_staff``.
    """
    active = staff.filter(staff.is_active)
    direct = active.group_by(department_id=active.department_id).aggregate(
        direct_staff=active.count()
    )
    ancestors = departments.select(ancestor_id=departments.id, ancestor_path=departments.path)
    descendants = departments.select(descendant_id=departments.id, path=departments.path)
    pairs = ancestors.join(
        descendants, descendants.path.startswith(ancestors.ancestor_path)
    ).select("ancestor_id", "descendant_id")
    totals = (
        pairs.join(direct, pairs.descendant_id == direct.department_id)
        .group_by("ancestor_id")
        .aggregate(total_staff=ibis._.direct_staff.sum())
    )
    all_departments = departments.select(department_id=departments.id)
    with_direct = all_departments.left_join(
        direct, all_departments.department_id == direct.department_id
    ).select(all_departments.department_id, direct_staff=direct.direct_staff.fill_null(0))
    return with_direct.left_join(totals, with_direct.department_id == totals.ancestor_id).select(
        with_direct.department_id,
        with_direct.direct_staff,
        total_staff=totals.total_staff.fill_null(0),
    )
