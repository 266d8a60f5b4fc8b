"""A step of a started action plan makes one task: the database refuses a second, and the
migration that brought the rule in folded the twins made before it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kewei.care.models import ActionPlan, ActionPlanStep, PlanRun, Task, TaskStatus
from kewei.care.services import plan_start
from kewei.messaging.models import Message
from kewei.testing.factories import small_bank

BEFORE = [("care", "0005_alter_task_reason")]


def _plan() -> ActionPlan:
    plan = ActionPlan.objects.create(code="WELCOME", name="欢迎计划")
    ActionPlanStep.objects.create(plan=plan, order=1, title="电话问候", offset_days=1)
    ActionPlanStep.objects.create(plan=plan, order=2, title="上门拜访", offset_days=7)
    return plan


def _twin(task: Task, **changes) -> Task:
    """A second task for the same step as ``task``."""
    fields = {
        name: getattr(task, name)
        for name in [
            "customer_id",
            "reason",
            "plan_run_id",
            "subject",
            "title",
            "event_on",
            "due_on",
            "assignee_id",
            "role",
            "department_id",
            "created_on",
        ]
    }
    return Task.objects.unrestricted().create(**{**fields, **changes})


@pytest.mark.django_db
def test_a_second_task_for_a_step_of_a_started_plan_is_refused(bank):
    # given: a plan started by hand (two steps, two tasks)
    run = plan_start(
        actor=bank.manager_a1, customer=bank.customer_a1, plan=_plan(), on=dt.date(2026, 11, 30)
    )
    first = Task.objects.unrestricted().filter(plan_run=run).order_by("subject").first()
    # when / then: a path that forgot the lock would insert the step's task again
    with pytest.raises(IntegrityError), transaction.atomic():
        _twin(first)
    assert Task.objects.unrestricted().filter(plan_run=run).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_one_task_per_plan_step_and_moves_its_messages():
    # given: the database before the constraint, with a plan started by hand whose
    # steps got their tasks twice (the race of a hand start and the night) ...
    bank = small_bank()
    run = plan_start(
        actor=bank.manager_a1, customer=bank.customer_a1, plan=_plan(), on=dt.date(2026, 11, 30)
    )
    call, visit = Task.objects.unrestricted().filter(plan_run=run).order_by("subject")
    executor = MigrationExecutor(connection)
    latest = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "care"]
    executor.migrate(BEFORE)
    try:
        # ... the call done on its twin, and a message sent for that twin; the visit
        # tripled, one twin cancelled as the duplicate
        call_twin = _twin(call, status=TaskStatus.DONE, done_at=timezone.now())
        message = Message.objects.unrestricted().create(
            customer=bank.customer_a1,
            channel="sms",
            body="祝您生活愉快",
            marketing=False,
            send_after=timezone.now(),
            task=call_twin,
        )
        _twin(visit, status=TaskStatus.CANCELLED)
        _twin(visit)
    finally:
        # when
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    # then: one task a step: the done twin of the call, the first open visit
    kept = Task.objects.unrestricted().filter(plan_run=run).order_by("subject")
    assert [(task.pk, task.status) for task in kept] == [
        (call_twin.pk, TaskStatus.DONE),
        (visit.pk, TaskStatus.OPEN),
    ]
    assert Message.objects.unrestricted().get(pk=message.pk).task_id == call_twin.pk
    assert PlanRun.objects.unrestricted().count() == 1
