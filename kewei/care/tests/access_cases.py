import datetime as dt

from django.urls import reverse

from kewei.care.models import ActionPlan, CareRule, Contact, Task
from kewei.testing.access import AccessCase

MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
RETAIL_A, ADMIN = (lambda b: b.retail_a), (lambda b: b.admin)
SUPERVISOR_A1, HEAD_B1 = (lambda b: b.supervisor_a1), (lambda b: b.head_b1)
CONTACT = {"channel": "phone", "purpose": "care", "outcome": "reached", "summary": "问候"}


def _task(name):
    def url(bank):
        task = Task.objects.unrestricted().create(
            customer=bank.customer_a1,
            reason="manual",
            title="电话问候",
            event_on=dt.date(2026, 11, 26),
            due_on=dt.date(2026, 11, 26),
            assignee=bank.manager_a1,
            department=bank.outlet_a1,
            created_on=dt.date(2026, 11, 26),
        )
        return reverse(f"care:{name}", args=[task.pk])

    return url


def _customer(name):
    return lambda bank: reverse(f"care:{name}", args=[bank.customer_a1.pk])


def _comment(bank):
    contact = Contact.objects.unrestricted().create(
        customer=bank.customer_a1,
        staff=bank.manager_a1,
        channel="phone",
        purpose="care",
        outcome="reached",
        contacted_on=dt.date(2026, 11, 26),
    )
    return reverse("care:comment_add", args=[contact.pk])


CASES = [
    AccessCase(
        "care:my_day",
        lambda b: reverse("care:my_day"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    # A task of another outlet's customer is not found.
    AccessCase("care:task_detail", _task("task_detail"), allowed=MANAGER_A1, denied=MANAGER_B1),
    AccessCase(
        "care:task_cancel",
        _task("task_cancel"),
        method="post",
        data=lambda b: {"reason": "客户已销户"},
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    # 我的今日's 已电话联系 on another outlet's task: not found, nothing written.
    AccessCase(
        "care:task_called",
        _task("task_called"),
        method="post",
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "care:contact_create",
        _customer("contact_create"),
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "care:plan_start",
        _customer("plan_start"),
        method="post",
        data=lambda b: {"plan": 1},
        allowed=MANAGER_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "care:team",
        lambda b: reverse("care:team"),
        allowed=SUPERVISOR_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "care:comment_add",
        _comment,
        method="post",
        data=lambda b: {"text": "很好"},
        allowed=SUPERVISOR_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "care:rule_list",
        lambda b: reverse("care:rule_list"),
        allowed=SUPERVISOR_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "care:rule_create",
        lambda b: reverse("care:rule_create"),
        allowed=RETAIL_A,
        denied=SUPERVISOR_A1,
        denied_status=403,
    ),
    AccessCase(
        "care:plan_create",
        lambda b: reverse("care:plan_create"),
        allowed=RETAIL_A,
        denied=SUPERVISOR_A1,
        denied_status=403,
    ),
    AccessCase(
        "care:plan_update",
        lambda b: reverse("care:plan_update", args=[ActionPlan.objects.get(code="NEW_VIP").pk]),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "care:rule_update",
        lambda b: reverse("care:rule_update", args=[CareRule.objects.get(code="BIRTHDAY").pk]),
        allowed=RETAIL_A,
        denied=SUPERVISOR_A1,
        denied_status=403,
    ),
]
