"""An action plan started by hand while the night starts plans on PostgreSQL: every step
of every plan run still has one task.

Each test pauses one path just before it makes its step tasks and lets the other path
run meanwhile; the paused path goes on once the other has finished or is waiting for a
lock (then waiting longer would wait for ever)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection
from django.db.models import Count

from kewei.care import services
from kewei.care.models import ActionPlan, ActionPlanStep, CareRule, PlanRun, Task
from kewei.testing.factories import customer, resident_id, small_bank

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NIGHT = dt.date(2026, 11, 27)  # the night before the birthdays of 28 November
PATIENCE = 30  # seconds: a path that neither finishes nor waits in this time is a bug


def _birthday_plan():
    """A plan of three steps that the birthday rule starts; the only enabled rule."""
    plan, _created = ActionPlan.objects.update_or_create(
        code="BIRTHDAY_CARE", defaults={"name": "生日关怀", "enabled": True}
    )
    plan.steps.all().delete()
    for order, title, offset in [(1, "电话祝福", 0), (2, "寄送贺卡", 3), (3, "上门拜访", 10)]:
        ActionPlanStep.objects.create(plan=plan, order=order, title=title, offset_days=offset)
    CareRule.objects.update_or_create(
        code="BIRTHDAY_PLAN",
        defaults={
            "name": "生日关怀计划",
            "trigger": "date",
            "source": "customer.birthday",
            "lead_days": 0,
            "tiers": [],
            "action_plan": plan,
            "enabled": True,
        },
    )
    CareRule.objects.exclude(code="BIRTHDAY_PLAN").update(enabled=False)
    return plan


def _waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid]
        )
        return cursor.fetchone()[0]


def _overlap(*, paused: str, monkeypatch, paths: dict):
    """Run the two ``paths`` (name → callable) in two threads; the one named ``paused``
    stops just before it makes its step tasks until the other has finished or waits for
    a lock. Returns each path's result (an exception is raised)."""
    at_the_pause = threading.Event()
    other_done = threading.Event()
    other_pid: list[int] = []  # the other path's database session, once it has one
    original = services._plan_tasks_since
    pausing_thread: list[threading.Thread] = []

    def pausing(**kwargs):
        if threading.current_thread() in pausing_thread:
            at_the_pause.set()
            deadline = time.monotonic() + PATIENCE
            while not other_done.is_set() and not (other_pid and _waiting_for_a_lock(other_pid[0])):
                assert time.monotonic() < deadline, "the other path neither ran nor waited"
                time.sleep(0.02)
        return original(**kwargs)

    monkeypatch.setattr(services, "_plan_tasks_since", pausing)
    (other,) = set(paths) - {paused}

    def run_paused():
        pausing_thread.append(threading.current_thread())
        try:
            return paths[paused]()
        finally:
            at_the_pause.set()  # a path refused before its pause must not hang the other
            connection.close()

    def run_other():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                other_pid.append(cursor.fetchone()[0])
            assert at_the_pause.wait(PATIENCE), "the paused path never reached its pause"
            return paths[other]()
        finally:
            other_done.set()
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(run_paused)
        second = pool.submit(run_other)
        return {paused: first.result(), other: second.result()}


def _tasks_per_step():
    """How many tasks each (plan run, step) has."""
    counted = (
        Task.objects.unrestricted()
        .filter(plan_run__isnull=False)
        .values_list("plan_run_id", "subject")
        .annotate(n=Count("id"))
        .order_by("plan_run_id", "subject")
    )
    return {(run, subject.split(":")[1]): n for run, subject, n in counted}


@pytest.mark.parametrize("paused", ["night", "hand"])
def test_a_plan_started_by_hand_during_the_night_gets_each_step_task_once(paused, monkeypatch):
    # given: two customers whose birthday starts the plan tonight; the manager starts
    # the same plan by hand for the first of them at the same moment
    bank = small_bank()
    plan = _birthday_plan()
    born = [
        customer(
            department=bank.outlet_a1,
            manager=bank.manager_a1,
            name=f"客户{number}",
            id_number=resident_id("19801128"),
        )
        for number in range(2)
    ]
    paths = {
        "night": lambda: services.care_run(day=NIGHT).plans,
        "hand": lambda: (
            services.plan_start(actor=bank.manager_a1, customer=born[0], plan=plan, on=NIGHT).pk
        ),
    }
    # when
    results = _overlap(paused=paused, monkeypatch=monkeypatch, paths=paths)
    # then: three plan runs (two by the night, one by hand), three tasks each, one a step
    runs = list(PlanRun.objects.unrestricted().order_by("pk").values_list("pk", flat=True))
    assert results["night"] == {"BIRTHDAY_PLAN": 2}
    assert results["hand"] in runs
    assert _tasks_per_step() == {(run, step): 1 for run in runs for step in ("1", "2", "3")}
    assert Task.objects.unrestricted().count() == 9


def test_without_the_lock_the_database_still_refuses_a_second_step_task(monkeypatch):
    # given: a path that forgot the care lock (here: both), the night paused while the
    # manager starts the plan by hand for a customer born today
    bank = small_bank()
    plan = _birthday_plan()
    born = customer(
        department=bank.outlet_a1,
        manager=bank.manager_a1,
        name="客户",
        id_number=resident_id("19801128"),
    )
    monkeypatch.setattr(services, "_care_lock", lambda **kwargs: None)

    def night():
        try:
            return services.care_run(day=NIGHT).plans
        except IntegrityError as refused:
            return refused.__cause__.diag.constraint_name

    paths = {
        "night": night,
        "hand": lambda: (
            services.plan_start(actor=bank.manager_a1, customer=born, plan=plan, on=NIGHT).pk
        ),
    }
    # when
    results = _overlap(paused="night", monkeypatch=monkeypatch, paths=paths)
    # then: the night, about to make the hand-started run's tasks again, was refused
    # and rolled back; the hand start stands, one task a step
    assert results["night"] == "care_task_once_per_plan_step"
    assert list(PlanRun.objects.unrestricted().values_list("pk", flat=True)) == [results["hand"]]
    assert _tasks_per_step() == {(results["hand"], step): 1 for step in ("1", "2", "3")}


def test_two_hand_starts_at_once_make_each_their_own_step_tasks(monkeypatch):
    # given: two managers start the plan at the same moment for two customers
    bank = small_bank()
    plan = _birthday_plan()
    people = [
        customer(department=bank.outlet_a1, manager=bank.manager_a1, name=f"客户{number}")
        for number in range(2)
    ]
    paths = {
        name: lambda person=person: (
            services.plan_start(actor=bank.manager_a1, customer=person, plan=plan, on=NIGHT).pk
        )
        for name, person in zip(["first", "second"], people, strict=True)
    }
    # when: the first pauses before its step tasks while the second starts and finishes
    results = _overlap(paused="first", monkeypatch=monkeypatch, paths=paths)
    # then
    runs = sorted(results.values())
    assert _tasks_per_step() == {(run, step): 1 for run in runs for step in ("1", "2", "3")}
