"""The messaging pages: writing to a customer from a task, and a batch's preview."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kewei.care.models import CareRule, Task, TaskReason, TaskStatus
from kewei.customers.models import SavedSearch
from kewei.customers.services import consent_record
from kewei.messaging.models import Message, MessageTemplate
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    return small_bank()


def test_from_a_maturity_task_the_template_is_filled_in_and_sending_completes_it(client, bank):
    # given: a maturity task for a customer who agreed to SMS
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    today = timezone.localdate()
    task = Task.objects.unrestricted().create(
        customer=bank.customer_a1,
        reason=TaskReason.RULE,
        rule=CareRule.objects.get(code="MATURITY"),
        subject="x",
        event_on=today,
        due_on=today,
        assignee=bank.manager_a1,
        department=bank.outlet_a1,
        created_on=today,
    )
    client.force_login(bank.manager_a1)
    url = reverse("messaging:compose", args=[bank.customer_a1.pk]) + f"?task={task.pk}"
    # when
    page = client.get(url)
    # then: the maturity template, for 张女士
    assert page.context["form"].initial["template"].code == "SMS_MATURITY"
    assert "【" in page.context["signed"] and "张女士" in page.context["signed"]
    # when: sent
    template = MessageTemplate.objects.get(code="SMS_MATURITY")
    sent = client.post(url, {"template": template.pk, "task": task.pk, "send": "1"})
    # then
    assert sent.status_code == 302
    assert Message.objects.unrestricted().get().task_id == task.pk
    assert Task.objects.unrestricted().get(pk=task.pk).status == TaskStatus.DONE


def test_without_consent_the_page_says_why_and_sends_nothing(client, bank):
    client.force_login(bank.manager_a1)
    url = reverse("messaging:compose", args=[bank.customer_a1.pk])
    page = client.get(url).content.decode()
    assert "未同意该渠道的营销联系" in page
    template = MessageTemplate.objects.get(code="SMS_GREETING")
    refused = client.post(url, {"template": template.pk, "send": "1"})
    assert refused.status_code == 200
    assert not Message.objects.unrestricted().exists()


def test_the_batch_page_previews_before_sending(client, bank):
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    search = SavedSearch.objects.create(
        name="中关村", owner=bank.head_a1, department=bank.outlet_a1, params={}
    )
    client.force_login(bank.head_a1)
    form = {"search": search.pk, "template": MessageTemplate.objects.get(code="SMS_FESTIVAL").pk}
    preview = client.post(reverse("messaging:batch_create"), form)
    assert preview.context["preview"].sendable == 1
    assert not Message.objects.unrestricted().exists()
    done = client.post(reverse("messaging:batch_create"), {**form, "confirm": "1"})
    assert done.status_code == 302
    assert Message.objects.unrestricted().count() == 1
