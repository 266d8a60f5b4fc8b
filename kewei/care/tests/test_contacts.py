"""The contact log (客户工作日志), completing tasks, action plans by hand, my day, the
supervisor's view and the 5-20 tally."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kewei.care import selectors
from kewei.care.models import (
    ActionPlan,
    CareRule,
    Contact,
    ContactComment,
    Task,
    TaskReason,
    TaskStatus,
)
from kewei.care.services import CareError, ContactData, contact_log, plan_start, task_complete
from kewei.core.scope import scope_activated
from kewei.customers.models import Customer
from kewei.customers.selectors import CustomerQuery, customer_search
from kewei.customers.services import customer_merge
from kewei.organisation.selectors import data_scope_for
from kewei.testing.factories import customer, small_bank

pytestmark = pytest.mark.django_db

CALL = ContactData(channel="phone", purpose="care", outcome="reached", summary="问候近况")


@pytest.fixture
def bank():
    return small_bank()


def task_for(bank, person=None, *, due=None, assignee="manager", **fields) -> Task:
    person = person or bank.customer_a1
    today = timezone.localdate()
    return Task.objects.unrestricted().create(
        customer=person,
        reason=fields.pop("reason", TaskReason.MANUAL),
        title=fields.pop("title", "电话问候"),
        event_on=due or today,
        due_on=due or today,
        assignee=bank.manager_a1 if assignee == "manager" else None,
        department=person.department,
        created_on=today,
        **fields,
    )


def test_a_contact_with_a_follow_up_date_becomes_a_task_and_dates_the_customer(bank):
    # given
    follow = timezone.localdate() + dt.timedelta(days=3)
    # when
    contact = contact_log(
        actor=bank.manager_a1,
        customer=bank.customer_a1,
        data=ContactData(**{**CALL.__dict__, "next_follow_up": follow}),
    )
    # then
    (task,) = Task.objects.unrestricted().filter(reason=TaskReason.FOLLOW_UP)
    assert (task.assignee_id, task.due_on, task.customer_id) == (
        bank.manager_a1.pk,
        follow,
        bank.customer_a1.pk,
    )
    assert Customer.objects.unrestricted().get(pk=bank.customer_a1.pk).last_contacted_on == (
        contact.contacted_on
    )


def test_a_follow_up_before_the_contact_is_refused_and_nothing_is_written(bank):
    with pytest.raises(CareError) as refused:
        contact_log(
            actor=bank.manager_a1,
            customer=bank.customer_a1,
            data=ContactData(**{**CALL.__dict__, "next_follow_up": dt.date(2020, 1, 1)}),
        )
    assert "next_follow_up" in refused.value.message_dict
    assert not Contact.objects.unrestricted().exists()
    assert Customer.objects.unrestricted().get(pk=bank.customer_a1.pk).last_contacted_on is None


def test_completing_a_task_records_its_contact(bank):
    task = task_for(bank)
    done = task_complete(actor=bank.manager_a1, task=task, data=CALL)
    assert done.status == TaskStatus.DONE
    assert done.contact.summary == "问候近况"
    assert done.done_by_id == bank.manager_a1.pk
    with pytest.raises(CareError):
        task_complete(actor=bank.manager_a1, task=task, data=CALL)
    assert Contact.objects.unrestricted().count() == 1


def test_only_the_assignee_completes_a_task(bank):
    task = task_for(bank)
    with pytest.raises(PermissionDenied):
        task_complete(actor=bank.supervisor_a1, task=task, data=CALL)
    assert Task.objects.unrestricted().get(pk=task.pk).status == TaskStatus.OPEN
    assert not Contact.objects.unrestricted().exists()


def test_a_task_waiting_for_a_role_is_in_the_list_of_that_roles_staff(bank):
    waiting = task_for(bank, bank.customer_a1_free, assignee=None, role="high_counter_teller")
    assert list(selectors.tasks_of(bank.teller_a1)) == [waiting]
    assert list(selectors.tasks_of(bank.manager_a1)) == []
    done = task_complete(actor=bank.teller_a1, task=waiting, data=CALL)
    assert done.status == TaskStatus.DONE


def test_an_action_plan_started_by_hand(bank):
    plan = ActionPlan.objects.get(code="NEW_VIP")
    monday = dt.date(2026, 11, 30)
    plan_start(actor=bank.manager_a1, customer=bank.customer_a1, plan=plan, on=monday)
    made = Task.objects.unrestricted().filter(reason=TaskReason.PLAN).order_by("due_on")
    assert [(t.due_on, t.assignee_id) for t in made] == [
        (dt.date(2026, 12, 3), bank.manager_a1.pk),
        (dt.date(2026, 12, 14), bank.manager_a1.pk),
        (dt.date(2026, 12, 30), bank.manager_a1.pk),
    ]


def test_the_520_tally_counts_meetings_and_calls_per_day(bank):
    for channel in ["visit"] * 5 + ["phone"] * 19 + ["sms"]:
        contact_log(
            actor=bank.manager_a1,
            customer=bank.customer_a1,
            data=ContactData(channel=channel, purpose="care", outcome="reached"),
        )
    today = timezone.localdate()
    tally = selectors.tally([bank.manager_a1.pk], today, today)[(bank.manager_a1.pk, today)]
    assert (tally.meetings, tally.calls, tally.others, tally.meets_plan) == (5, 19, 1, False)
    contact_log(actor=bank.manager_a1, customer=bank.customer_a1, data=CALL)
    tally = selectors.tally([bank.manager_a1.pk], today, today)[(bank.manager_a1.pk, today)]
    assert tally.meets_plan


def test_a_customer_manager_starts_on_my_day_with_a_customers_tasks_on_one_row(client, bank):
    # given: an overdue maturity task and today's birthday task, for the same customer
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for code, due in [("MATURITY", yesterday), ("BIRTHDAY", None)]:
        rule = CareRule.objects.get(code=code)
        task_for(bank, title="", due=due, rule=rule, reason=TaskReason.RULE, subject=code)
    task_for(bank, bank.customer_b1, title="别人的客户")  # out of scope: not shown
    client.force_login(bank.manager_a1)
    # when
    start = client.get(reverse("home"))
    page = client.get(reverse("care:my_day"))
    # then
    assert start.status_code == 302 and start["Location"] == reverse("care:my_day")
    html = page.content.decode()
    day = page.context["day"]
    assert [(row.customer.pk, [t.label for t in row.tasks]) for row in day.rows] == [
        (bank.customer_a1.pk, ["产品到期", "客户生日"])
    ]
    assert (day.reasons, day.tasks, day.overdue) == ([("产品到期", 1), ("客户生日", 1)], 2, 1)
    assert html.count('data-testid="day-row"') == 1
    assert "别人的客户" not in html
    assert bank.customer_a1.masked_mobile in html
    assert bank.customer_a1.mobile not in html


def test_my_day_queries_do_not_grow_with_the_tasks(client, bank):
    client.force_login(bank.manager_a1)
    task_for(bank)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("care:my_day"))
    for number in range(15):
        person = customer(department=bank.outlet_a1, manager=bank.manager_a1, name=f"客户{number}")
        task_for(bank, person)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("care:my_day"))
    assert len(many) == len(few)


def test_the_supervisor_sees_the_week_and_comments_on_a_log_entry(client, bank):
    contact = contact_log(actor=bank.manager_a1, customer=bank.customer_a1, data=CALL)
    client.force_login(bank.supervisor_a1)
    page = client.get(reverse("care:team"))
    rows = {row.staff.pk: row for row in page.context["rows"]}
    assert rows[bank.manager_a1.pk].contacts == 1
    assert bank.manager_b1.pk not in rows  # another branch
    response = client.post(
        reverse("care:comment_add", args=[contact.pk]),
        {"text": "继续跟进", "next": "https://elsewhere.example/phish"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("care:team")
    comment = ContactComment.objects.unrestricted().get()
    assert (comment.author_id, comment.text) == (bank.supervisor_a1.pk, "继续跟进")
    html = client.get(bank.customer_a1.get_absolute_url()).content.decode()
    assert "继续跟进" in html


def test_the_search_finds_customers_not_contacted_for_n_days(bank):
    contact_log(actor=bank.manager_a1, customer=bank.customer_a1, data=CALL)
    with scope_activated(data_scope_for(bank.head_a1)):
        found = set(
            customer_search(CustomerQuery(not_contacted_days=30)).values_list("pk", flat=True)
        )
    assert found == {bank.customer_a1_free.pk}


def test_a_merge_moves_tasks_and_contacts(bank):
    duplicate = customer(department=bank.outlet_a1, manager=bank.manager_a1, name="张三")
    task_for(bank, duplicate)
    contact_log(actor=bank.manager_a1, customer=duplicate, data=CALL)
    customer_merge(actor=bank.head_a1, keep=bank.customer_a1, duplicate=duplicate)
    assert Task.objects.unrestricted().get().customer_id == bank.customer_a1.pk
    assert Contact.objects.unrestricted().get().customer_id == bank.customer_a1.pk
    kept = Customer.objects.unrestricted().get(pk=bank.customer_a1.pk)
    assert kept.last_contacted_on == timezone.localdate()


def test_the_department_defines_an_action_plan_and_a_rule_starts_it(client, bank):
    # given: a plan of two steps entered on the page (in any order)
    client.force_login(bank.retail_a)
    form = {
        "code": "DOWNGRADE_CARE",
        "name": "降级客户挽留",
        "enabled": "on",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-0-title": "上门拜访了解原因",
        "steps-0-offset_days": "10",
        "steps-0-assignee": "responsible",
        "steps-1-title": "主管电话致意",
        "steps-1-offset_days": "2",
        "steps-1-channel": "phone",
        "steps-1-assignee": "cm_supervisor",
    }
    response = client.post(reverse("care:plan_create"), form)
    assert response.status_code == 302
    plan = ActionPlan.objects.get(code="DOWNGRADE_CARE")
    assert [(s.order, s.title, s.assignee) for s in plan.steps.all()] == [
        (1, "主管电话致意", "cm_supervisor"),
        (2, "上门拜访了解原因", "responsible"),
    ]
    # when: started for a customer
    plan_start(
        actor=bank.manager_a1, customer=bank.customer_a1, plan=plan, on=dt.date(2026, 11, 30)
    )
    # then: the supervisor's step waits for the role in the customer's outlet
    made = Task.objects.unrestricted().filter(plan_run__plan=plan).order_by("due_on")
    assert [(t.assignee_id, t.role, t.due_on) for t in made] == [
        (None, "cm_supervisor", dt.date(2026, 12, 2)),
        (bank.manager_a1.pk, "", dt.date(2026, 12, 10)),
    ]


def test_a_plan_without_steps_is_refused(client, bank):
    client.force_login(bank.retail_a)
    form = {"code": "EMPTY", "name": "空计划", "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0"}
    response = client.post(reverse("care:plan_create"), form)
    assert response.status_code == 200
    assert "至少要有一个步骤" in response.content.decode()
    assert not ActionPlan.objects.filter(code="EMPTY").exists()
