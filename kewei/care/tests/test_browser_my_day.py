"""我的今日 in a real browser: a customer manager clicks 已电话联系 on a row and sees the
row done and the call bar go up, in place (htmx), under the strict CSP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kewei.tests.test_browser import browser as browser  # the module's browser fixture
from kewei.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_my_day_quick_actions_call_a_customer_and_the_call_bar_goes_up(live_server, browser, bank):
    from kewei.care.models import CareRule, Contact, Task, TaskReason, TaskStatus

    # given: customer_a1's overdue follow-up and birthday today, on one row
    today = timezone.localdate()
    # (a transactional test starts empty: the default rule is made here)
    birthday = CareRule.objects.get_or_create(
        code="BIRTHDAY",
        defaults={"name": "客户生日", "trigger": "date", "source": "customer.birthday"},
    )[0]
    fields = {
        "customer": bank.customer_a1,
        "assignee": bank.manager_a1,
        "department": bank.outlet_a1,
        "created_on": today,
    }
    yesterday = today - dt.timedelta(days=1)
    tasks = [
        Task.objects.unrestricted().create(
            reason=TaskReason.MANUAL,
            title="回访理财到期",
            event_on=yesterday,
            due_on=yesterday,
            **fields,
        ),
        Task.objects.unrestricted().create(
            reason=TaskReason.RULE,
            rule=birthday,
            subject=f"{bank.customer_a1.pk}:{today}",
            event_on=today,
            due_on=today,
            **fields,
        ),
    ]
    page = browser.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    # when: the manager signs in (their start page is my day) and calls the customer
    sign_in(page, live_server, "manager_a1")
    assert page.locator("h1").inner_text() == "我的客户 · 今日"
    row = page.locator(f"#day-row-{bank.customer_a1.pk}")
    assert row.locator("[data-testid=day-task]").count() == 2
    assert page.locator("[data-testid=plan-calls]").inner_text() == "电话 0/20"
    url_before = page.url
    row.locator("[data-testid=called]").click()
    # then: the row says it is done and the call bar is one up, without leaving the page
    page.locator(f"#day-row-{bank.customer_a1.pk} [data-testid=row-done]").wait_for()
    assert page.locator("[data-testid=row-done]").inner_text() == "已完成 · 已记录电话联系"
    assert page.locator("[data-testid=plan-calls]").inner_text() == "电话 1/20"
    assert page.locator("#plan-calls").evaluate("bar => bar.value") == 1
    assert page.url == url_before
    assert refused == []
    assert [Task.objects.unrestricted().get(pk=task.pk).status for task in tasks] == [
        TaskStatus.DONE,
        TaskStatus.DONE,
    ]
    assert Contact.objects.unrestricted().filter(channel="phone").count() == 1
    # and a reload shows the day without them, the bar still one up
    page.reload()
    assert page.locator("[data-testid=day-row]").count() == 0
    assert page.locator("[data-testid=plan-calls]").inner_text() == "电话 1/20"
