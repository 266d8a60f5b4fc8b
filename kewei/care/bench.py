"""Benchmarks of customer care (registered with ``kewei bench``): the nightly reminders
over every customer, and a customer manager's "my day" page with a book of 500.

``care.run`` takes the latest loaded day (its large movements, the tier changes of its
evaluation when ``tiers.evaluate`` ran first, birthdays, maturities, post-sale dates,
points expiring, contact intervals), then runs the same night again: it must create
nothing.
"""

from __future__ import annotations

import random
import time

from kewei.bench.registry import Measured, register_benchmark

BOOK = 500


@register_benchmark(
    "care.run", description="生成一晚的关怀任务（全部客户）/ a night's care tasks for everyone"
)
def run_workload(scale: int) -> Measured:
    from kewei.care.models import Task
    from kewei.care.services import care_run
    from kewei.products.selectors import latest_feed_day

    day = latest_feed_day()
    before = Task.objects.unrestricted().count()
    started = time.perf_counter()
    result = care_run(day=day)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = care_run(day=day)
    again_seconds = time.perf_counter() - started
    assert again.total == 0, again.tasks
    assert Task.objects.unrestricted().count() == before + result.total
    return Measured(
        rows=result.total,
        seconds=seconds,
        figures={
            **{f"tasks_{code.lower()}": n for code, n in result.tasks.items() if n},
            "same_night_again_s": round(again_seconds, 2),
        },
    )


def _manager_with_book() -> object:
    """A customer manager with a book of 500 customers and a realistic task list: the
    night's tasks of those customers plus 60 more due today or overdue (untimed)."""
    import datetime as dt

    from django.utils import timezone

    from kewei.care.models import Task, TaskReason
    from kewei.customers.models import Customer
    from kewei.organisation.models import Department, Staff
    from kewei.organisation.roles import Role
    from kewei.testing.factories import staff

    outlet = Department.objects.unrestricted().filter(level=4).order_by("pk").first()
    manager = Staff.objects.unrestricted().filter(username="bench_cm").first()
    if manager is None:
        manager = staff(department=outlet, roles=(Role.CUSTOMER_MANAGER,), username="bench_cm")
    book = list(
        Customer.objects.unrestricted()
        .filter(department=outlet, status="active")
        .order_by("-aum_wan", "pk")
        .values_list("pk", flat=True)[:BOOK]
    )
    Customer.objects.unrestricted().filter(pk__in=book).update(responsible_manager=manager)
    Task.objects.unrestricted().filter(customer_id__in=book).update(assignee=manager)
    today = timezone.localdate()
    rng = random.Random(5)
    Task.objects.bulk_create(
        Task(
            customer_id=rng.choice(book),
            reason=TaskReason.MANUAL,
            title="电话回访",
            event_on=today,
            due_on=today - dt.timedelta(days=rng.randint(0, 5)),
            assignee=manager,
            department=outlet,
            created_on=today,
        )
        for _ in range(60)
    )
    return manager


@register_benchmark(
    "care.my_day", description="客户经理“我的今日”页面（管户 500）/ my day with a book of 500"
)
def my_day_workload(scale: int) -> Measured:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from kewei.care.selectors import tasks_of
    from kewei.customers.bench import _percentiles

    manager = _manager_with_book()
    shown = tasks_of(manager).count()
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    timings = []
    with override_settings(ALLOWED_HOSTS=["testserver"], STORAGES=storages):
        client = Client()
        client.force_login(manager)
        client.get(reverse("care:my_day"))  # warm up
        for _ in range(40):
            started = time.perf_counter()
            response = client.get(reverse("care:my_day"))
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    return Measured(
        rows=len(timings),
        seconds=sum(timings) / 1000,
        figures={**_percentiles(timings), "open_tasks": shown, "book": BOOK},
    )
