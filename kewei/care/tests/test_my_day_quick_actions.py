"""我的今日 as a customer manager works it: a row per customer, however many of their
tasks are due; 已电话联系 on the row logs one call and completes them (with htmx in place,
without by POST and back); 发短信 only where messaging allows; labelled 5-20 bars; one
money unit in the list; nobody else's task; a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kewei.audit.models import AuditEvent
from kewei.care import selectors
from kewei.care.models import CareRule, Contact, Task, TaskReason, TaskStatus
from kewei.care.services import CareError, ContactData, tasks_complete
from kewei.customers.models import Customer, CustomerAssets
from kewei.customers.services import consent_record, sync_aum_wan
from kewei.messaging import services as messaging
from kewei.testing.factories import customer

pytestmark = pytest.mark.django_db

NO_CONSENT = "未同意该渠道的营销联系，或已退订"
HTMX = {"HX-Request": "true"}


def task_for(bank, person, code=None, *, due=None, assignee=None, **fields) -> Task:
    """An open task for ``person``: of rule ``code`` (else a manual one), due ``due``
    (today), for ``assignee`` (manager_a1)."""
    today = timezone.localdate()
    rule = CareRule.objects.get(code=code) if code else None
    return Task.objects.unrestricted().create(
        customer=person,
        reason=TaskReason.RULE if rule else TaskReason.MANUAL,
        rule=rule,
        subject=code or "",
        title=fields.pop("title", "" if rule else "电话问候"),
        event_on=due or today,
        due_on=due or today,
        assignee=assignee or bank.manager_a1,
        department=person.department,
        created_on=today,
        **fields,
    )


def two_tasks(bank):
    """customer_a1's overdue maturity and today's birthday: one person, two reasons."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return (
        task_for(bank, bank.customer_a1, "MATURITY", due=yesterday),
        task_for(bank, bank.customer_a1, "BIRTHDAY"),
    )


def called(client, lead: Task, *others: Task, headers=None):
    return client.post(
        reverse("care:task_called", args=[lead.pk]),
        {"task": [task.pk for task in others]},
        headers=headers or {},
    )


def status_of(*tasks: Task) -> list[str]:
    return [Task.objects.unrestricted().get(pk=task.pk).status for task in tasks]


# --- one row per customer -----------------------------------------------------------------


def test_two_tasks_for_one_customer_are_one_row_with_both_reasons(client, bank):
    # given
    maturity, birthday = two_tasks(bank)
    other = customer(department=bank.outlet_a1, manager=bank.manager_a1, name="李四")
    greeting = task_for(bank, other)
    # when
    day = selectors.day_rows(bank.manager_a1, timezone.localdate())
    # then: the most overdue customer first, each once, their tasks most urgent first
    assert [(row.customer.pk, row.tasks) for row in day.rows] == [
        (bank.customer_a1.pk, [maturity, birthday]),
        (other.pk, [greeting]),
    ]
    assert day.rows[0].other_task_ids == [birthday.pk]
    assert (day.reasons, day.tasks, day.overdue) == (
        [("产品到期", 1), ("客户生日", 1), ("手工任务", 1)],
        3,
        1,
    )


# --- 已电话联系 -------------------------------------------------------------------------------


def test_called_logs_one_phone_call_and_completes_every_task_of_the_row(client, bank):
    # given
    maturity, birthday = two_tasks(bank)
    client.force_login(bank.manager_a1)
    audits = AuditEvent.objects.filter(action="care.contact.log").count()
    # when: the plain form, without JavaScript
    response = called(client, maturity, birthday)
    # then: back to my day, with what was done
    assert response.status_code == 302 and response["Location"] == reverse("care:my_day")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已记录电话联系：张三，2 项任务已完成。"
    ]
    contact = Contact.objects.unrestricted().get()
    assert (
        contact.customer_id,
        contact.staff_id,
        contact.channel,
        contact.outcome,
        contact.purpose,
        contact.summary,
    ) == (
        bank.customer_a1.pk,
        bank.manager_a1.pk,
        "phone",
        "reached",
        "maturity",
        "电话联系：产品到期、客户生日",
    )
    done = Task.objects.unrestricted().filter(pk__in=[maturity.pk, birthday.pk]).order_by("pk")
    assert [(t.status, t.contact_id, t.done_by_id) for t in done] == [
        (TaskStatus.DONE, contact.pk, bank.manager_a1.pk),
        (TaskStatus.DONE, contact.pk, bank.manager_a1.pk),
    ]
    event = AuditEvent.objects.filter(action="care.contact.log").latest("pk")
    assert AuditEvent.objects.filter(action="care.contact.log").count() == audits + 1
    assert (event.actor_id, event.subject_id, event.changes["channel"]["after"]) == (
        bank.manager_a1.pk,
        str(bank.customer_a1.pk),
        "phone",
    )
    # one call in the 5-20 plan, and the day is empty
    page = client.get(reverse("care:my_day"))
    assert page.context["tally"].calls == 1
    assert page.context["day"].rows == []


def test_called_with_htmx_answers_the_row_done_and_the_call_bar_one_up(client, bank):
    # given
    maturity, birthday = two_tasks(bank)
    client.force_login(bank.manager_a1)
    before = client.get(reverse("care:my_day")).content.decode()
    assert 'data-testid="plan-calls">电话 0/20</label>' in before
    # when
    response = called(client, maturity, birthday, headers=HTMX)
    # then: the row says it is done and the 5-20 section is swapped out of band
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="day-row-{bank.customer_a1.pk}"' in html
    assert 'data-testid="row-done">已完成 · 已记录电话联系</span>' in html
    assert "产品到期、客户生日" in html
    assert 'id="plan520" hx-swap-oob="true"' in html
    assert 'data-testid="plan-calls">电话 1/20</label>' in html
    assert '<progress id="plan-calls" max="20" value="1">' in html
    assert status_of(maturity, birthday) == [TaskStatus.DONE, TaskStatus.DONE]
    assert not list(get_messages(response.wsgi_request))


def test_called_again_says_the_task_was_done_and_logs_no_second_call(client, bank):
    # given
    maturity, birthday = two_tasks(bank)
    client.force_login(bank.manager_a1)
    called(client, maturity, birthday)
    client.get(reverse("care:my_day"))  # where its message is read
    # when
    plain = called(client, maturity, birthday)
    in_place = called(client, maturity, birthday, headers=HTMX)
    # then
    assert plain.status_code == 302
    assert [str(m) for m in get_messages(plain.wsgi_request)] == ["该任务已处理。"]
    assert '<p class="error" role="alert">该任务已处理。</p>' in in_place.content.decode()
    assert Contact.objects.unrestricted().count() == 1


def test_a_task_done_meanwhile_is_left_and_the_rest_of_the_row_completed(client, bank):
    # given: the birthday was completed from the task page in another tab
    maturity, birthday = two_tasks(bank)
    client.force_login(bank.manager_a1)
    called(client, birthday)
    # when
    called(client, maturity, birthday)
    # then: two calls, each task completed by its own
    contacts = list(Contact.objects.unrestricted().order_by("pk").values_list("pk", "summary"))
    assert [summary for _pk, summary in contacts] == ["电话联系：客户生日", "电话联系：产品到期"]
    tasks = Task.objects.unrestricted().order_by("pk").values_list("contact_id", flat=True)
    assert list(tasks) == [contacts[1][0], contacts[0][0]]


def test_called_on_a_colleagues_task_is_not_found_and_changes_nothing(client, bank):
    # given: manager_a1's task; their supervisor sees the customer but the task is not theirs
    task = task_for(bank, bank.customer_a1)
    client.force_login(bank.supervisor_a1)
    audits = AuditEvent.objects.count()
    # when
    response = called(client, task)
    # then
    assert response.status_code == 404
    assert status_of(task) == [TaskStatus.OPEN]
    assert not Contact.objects.unrestricted().exists()
    assert AuditEvent.objects.count() == audits


def test_a_colleagues_task_slipped_into_the_row_is_not_found_and_changes_nothing(client, bank):
    # given: the manager's own task, and the supervisor's for the same customer
    mine = task_for(bank, bank.customer_a1)
    theirs = task_for(bank, bank.customer_a1, assignee=bank.supervisor_a1, title="主管致电")
    client.force_login(bank.manager_a1)
    # when
    response = called(client, mine, theirs)
    # then
    assert response.status_code == 404
    assert status_of(mine, theirs) == [TaskStatus.OPEN, TaskStatus.OPEN]
    assert not Contact.objects.unrestricted().exists()


def test_a_task_of_another_customer_slipped_into_the_row_is_not_found(client, bank):
    # given
    mine = task_for(bank, bank.customer_a1)
    other = customer(department=bank.outlet_a1, manager=bank.manager_a1, name="李四")
    elsewhere = task_for(bank, other)
    client.force_login(bank.manager_a1)
    # when
    response = called(client, mine, elsewhere)
    # then
    assert response.status_code == 404
    assert status_of(mine, elsewhere) == [TaskStatus.OPEN, TaskStatus.OPEN]


def test_a_task_id_that_is_not_a_number_is_a_bad_request(client, bank):
    task = task_for(bank, bank.customer_a1)
    client.force_login(bank.manager_a1)
    response = client.post(reverse("care:task_called", args=[task.pk]), {"task": "abc"})
    assert response.status_code == 400
    assert status_of(task) == [TaskStatus.OPEN]


def test_tasks_complete_refuses_tasks_of_two_customers_or_of_someone_else(bank):
    # given
    mine = task_for(bank, bank.customer_a1)
    other = customer(department=bank.outlet_a1, manager=bank.manager_a1, name="李四")
    call = ContactData(channel="phone", purpose="care", outcome="reached")
    # when / then
    with pytest.raises(CareError) as refused:
        tasks_complete(actor=bank.manager_a1, tasks=[mine, task_for(bank, other)], data=call)
    assert refused.value.messages == ["联系记录与任务不是同一客户。"]
    with pytest.raises(PermissionDenied):
        tasks_complete(actor=bank.supervisor_a1, tasks=[mine], data=call)
    assert not Contact.objects.unrestricted().exists()
    assert status_of(mine) == [TaskStatus.OPEN]


# --- 发短信 and 完成… ------------------------------------------------------------------------


def test_sms_is_offered_only_to_a_customer_who_may_receive_one(client, bank):
    # given: customer_a1 agreed to SMS; 李四 never did
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    allowed = task_for(bank, bank.customer_a1, "BIRTHDAY")
    other = customer(department=bank.outlet_a1, manager=bank.manager_a1, name="李四")
    refused = task_for(bank, other, "BIRTHDAY")
    client.force_login(bank.manager_a1)
    # when
    html = client.get(reverse("care:my_day")).content.decode()
    # then: the same answers as the rule messaging enforces
    template = messaging.template_for_task(allowed)
    assert messaging.refusal(bank.customer_a1, template) == ""
    assert messaging.refusal(other, template) == NO_CONSENT
    compose = reverse("messaging:compose", args=[bank.customer_a1.pk])
    assert f'href="{compose}?task={allowed.pk}" data-testid="sms">发短信</a>' in html
    assert reverse("messaging:compose", args=[other.pk]) not in html
    assert (
        f'<span class="muted" title="{NO_CONSENT}" data-testid="sms-refused">'
        f"不能发短信：{NO_CONSENT}</span>"
    ) in html
    assert html.count('data-testid="sms-refused"') == 1
    # 完成… opens the task page's form: a task is completed by the contact that did it
    assert f'href="{allowed.get_absolute_url()}#complete"' in html
    assert f'href="{refused.get_absolute_url()}#complete"' in html  # by another channel
    assert 'id="complete"' in client.get(allowed.get_absolute_url()).content.decode()


def test_message_refusals_agree_with_the_messaging_rule_for_each_task(bank):
    # given: a customer who agreed to SMS, one who did not, and a task without a rule
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    tasks = [
        task_for(bank, bank.customer_a1, "BIRTHDAY"),
        task_for(bank, bank.customer_a1_free, "BIRTHDAY", assignee=bank.manager_a1),
        task_for(bank, bank.customer_a1),
    ]
    # when
    refusals = selectors.message_refusals(tasks)
    # then
    assert refusals == {
        task.pk: messaging.refusal(task.customer, messaging.template_for_task(task))
        for task in tasks
    }
    assert refusals == {tasks[0].pk: "", tasks[1].pk: NO_CONSENT, tasks[2].pk: ""}


# --- the 5-20 bars and the money unit ----------------------------------------------------


def test_the_520_bars_say_what_they_measure(client, bank):
    # given: two visits and three calls today
    from kewei.care.services import contact_log

    for channel in ["visit", "visit", "phone", "phone", "phone"]:
        contact_log(
            actor=bank.manager_a1,
            customer=bank.customer_a1,
            data=ContactData(channel=channel, purpose="care", outcome="reached"),
        )
    client.force_login(bank.manager_a1)
    # when
    html = client.get(reverse("care:my_day")).content.decode()
    # then: each bar has its visible label, which names it for a screen reader too
    assert '<label for="plan-meetings" data-testid="plan-meetings">面谈 2/5</label>' in html
    assert '<progress id="plan-meetings" max="5" value="2">' in html
    assert '<label for="plan-calls" data-testid="plan-calls">电话 3/20</label>' in html
    assert '<progress id="plan-calls" max="20" value="3">' in html
    assert " style=" not in html


def test_every_amount_in_my_day_is_in_wanyuan(client, bank):
    # given: a small customer (5,000 元) and a large one (1,234,567 元) with an amount
    small = customer(department=bank.outlet_a1, manager=bank.manager_a1, name="李四", aum="5000")
    CustomerAssets.objects.unrestricted().filter(customer=bank.customer_a1).update(aum=1234567)
    sync_aum_wan([bank.customer_a1.pk])
    task_for(bank, small)
    task_for(bank, bank.customer_a1, title="大额资金异动", amount=25_000_000)  # 分
    client.force_login(bank.manager_a1)
    # when
    html = client.get(reverse("care:my_day")).content.decode()
    # then
    assert "0.50 万元" in html
    assert "123.46 万元" in html
    assert "25.00 万元" in html
    assert " 元<" not in html and " 元 " not in html


# --- queries -------------------------------------------------------------------------------


def test_my_day_with_twenty_tasks_asks_as_many_queries_as_with_two(client, bank):
    # given: customers with a birthday and a maturity each; SMS allowed for some
    client.force_login(bank.manager_a1)
    two_tasks(bank)
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    # each row names the customer's tier: the tier names are read once for the page
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="vip")
    with CaptureQueriesContext(connection) as few:
        first = client.get(reverse("care:my_day"))
    for number in range(9):
        person = customer(department=bank.outlet_a1, manager=bank.manager_a1, name=f"客户{number}")
        Customer.objects.unrestricted().filter(pk=person.pk).update(tier="vip")
        if number % 2:
            consent_record(actor=None, customer=person, channel="sms", granted=True)
        task_for(bank, person, "MATURITY", due=timezone.localdate() - dt.timedelta(days=1))
        task_for(bank, person, "BIRTHDAY")
    # when
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("care:my_day"))
    # then
    assert (len(first.context["day"].rows), page.context["day"].tasks) == (1, 20)
    assert page.content.decode().count('data-testid="day-row"') == 10
    assert len(many) == len(few)
