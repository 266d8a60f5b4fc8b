"""Workloads of the platform. Later apps register theirs in their own ``bench.py``."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from kewei.bench.registry import Measured, register_benchmark


def _headcount_reference(scale: int) -> Measured:
    """The straightforward version: one ORM count per department and per subtree."""
    from kewei.organisation.models import Department, Staff

    result = {}
    for department in Department.objects.all():
        direct = Staff.objects.filter(department=department, is_active=True).count()
        total = Staff.objects.filter(
            department__path__startswith=department.path, is_active=True
        ).count()
        result[str(department.pk)] = [direct, total]
    return Measured(rows=len(result), result=result)


@register_benchmark(
    "organisation.headcount",
    reference=_headcount_reference,
    description="每个机构及其下级的在职员工数（批处理引擎） / staff per department subtree",
)
def headcount(scale: int) -> Measured:
    from kewei.organisation.selectors import department_headcount

    counts = department_headcount()
    result = {str(pk): [direct, total] for pk, (direct, total) in counts.items()}
    return Measured(rows=len(result), result=result)


# Days of feed history the bench bank starts with: the first load creates every
# holding; the workloads then load further days onto it.
BENCH_DAYS = 1


def seed_workload(scale: int) -> Measured:
    """Seeding itself is measured: the benchmarks (and the demo) depend on its speed."""
    from kewei.organisation.models import Department, Staff

    call_command(
        "seed_demo",
        customers=scale,
        days=BENCH_DAYS,
        seed=20261126,
        no_progress=True,
        stdout=StringIO(),
    )
    from kewei.customers.models import Customer

    return Measured(
        rows=Customer.objects.count() + Department.objects.count() + Staff.objects.count()
    )
