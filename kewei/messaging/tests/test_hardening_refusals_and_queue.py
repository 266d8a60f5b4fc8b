"""Messages as staff meet them: a task offers 发送短信并完成 only for a customer the rules
let us write to (else it says why), a refusal is said once, a batch says what it queued
and when it goes, and a batch's preview shows the text."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from kewei.care.models import CareRule, Task, TaskReason, TaskStatus
from kewei.customers.models import SavedSearch
from kewei.customers.services import consent_record
from kewei.messaging import services
from kewei.messaging.models import Message, MessageStatus, MessageTemplate
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NO_CONSENT = "未同意该渠道的营销联系，或已退订"


@pytest.fixture
def bank():
    return small_bank()


def _task(bank, customer):
    today = timezone.localdate()
    return Task.objects.unrestricted().create(
        customer=customer,
        reason=TaskReason.RULE,
        rule=CareRule.objects.get(code="MATURITY"),
        subject="x",
        event_on=today,
        due_on=today,
        assignee=bank.manager_a1,
        department=bank.outlet_a1,
        created_on=today,
    )


def _at(monkeypatch, moment: dt.datetime) -> None:
    """Messaging's clock at ``moment`` (the rest of the system keeps the real one)."""
    monkeypatch.setattr(
        services,
        "timezone",
        SimpleNamespace(
            now=lambda: moment,
            localtime=timezone.localtime,
            localdate=lambda value=None: timezone.localtime(value or moment).date(),
        ),
    )


# --- the task page ----------------------------------------------------------------------


def test_the_task_page_does_not_offer_a_message_to_a_customer_who_has_not_consented(client, bank):
    # given: a task for a customer who never agreed to SMS
    task = _task(bank, bank.customer_a1)
    client.force_login(bank.manager_a1)
    # when
    page = client.get(reverse("care:task_detail", args=[task.pk]))
    # then: no 发送短信并完成, and the reason instead
    html = page.content.decode()
    assert "发送短信并完成" not in html
    assert page.context["message_refusal"] == NO_CONSENT
    assert f"不能发送短信：{NO_CONSENT}" in html


def test_the_task_page_offers_the_message_once_the_customer_consents(client, bank):
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    task = _task(bank, bank.customer_a1)
    client.force_login(bank.manager_a1)
    page = client.get(reverse("care:task_detail", args=[task.pk]))
    html = page.content.decode()
    assert "发送短信并完成" in html
    assert page.context["message_refusal"] == ""


def test_the_task_page_follows_the_monthly_cap_of_a_marketing_template(client, bank, settings):
    # given: a consenting customer who has had this month's marketing message, and a
    # task whose occasion's template is a marketing one
    settings.KEWEI_MARKETING_MONTHLY_CAP = 1
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    services.message_send(
        actor=None,
        customer=bank.customer_a1,
        template=MessageTemplate.objects.get(code="SMS_MARKETING"),
    )
    task = _task(bank, bank.customer_a1)
    CareRule.objects.filter(pk=task.rule_id).update(occasion="points")  # SMS_POINTS
    client.force_login(bank.manager_a1)
    # when
    page = client.get(reverse("care:task_detail", args=[task.pk]))
    # then
    assert page.context["message_refusal"] == "本月营销消息已达上限"
    assert "发送短信并完成" not in page.content.decode()


# --- the refusal, once ------------------------------------------------------------------


def test_a_refused_send_says_why_once(client, bank):
    # given
    client.force_login(bank.manager_a1)
    url = reverse("messaging:compose", args=[bank.customer_a1.pk])
    template = MessageTemplate.objects.get(code="SMS_GREETING")
    # when
    refused = client.post(url, {"template": template.pk, "send": "1"})
    # then
    html = refused.content.decode()
    assert refused.status_code == 200
    assert html.count(NO_CONSENT) == 1
    assert refused.context["form"].non_field_errors() == [f"不能发送：{NO_CONSENT}。"]
    assert not Message.objects.unrestricted().exists()
    # and: the preview (before any send) says it once too, and the send button is off
    preview = client.get(url).content.decode()
    assert preview.count(NO_CONSENT) == 1
    assert 'name="send" value="1" class="primary" disabled' in preview


# --- what a batch did -------------------------------------------------------------------


def _batch_form(bank):
    search = SavedSearch.objects.create(
        name="中关村", owner=bank.head_a1, department=bank.outlet_a1, params={}
    )
    return {"search": search.pk, "template": MessageTemplate.objects.get(code="SMS_FESTIVAL").pk}


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_a_batch_in_the_quiet_hours_says_it_queued_and_when_it_goes(client, bank, monkeypatch):
    # given: two consenting customers of outlet A1, at 06:30
    for customer in (bank.customer_a1, bank.customer_a1_free):
        consent_record(actor=None, customer=customer, channel="sms", granted=True)
    _at(monkeypatch, dt.datetime(2026, 12, 8, 6, 30, tzinfo=SHANGHAI))
    client.force_login(bank.head_a1)
    # when
    done = client.post(reverse("messaging:batch_create"), {**_batch_form(bank), "confirm": "1"})
    # then
    assert _messages(done) == ["已排队 2 条，将于 08:00 发送（免打扰时段不发送）。 排除 0 名客户。"]
    queued = Message.objects.unrestricted().values_list("status", "send_after")
    eight = dt.datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI)
    assert sorted(queued) == [(MessageStatus.QUEUED, eight)] * 2


def test_a_batch_in_the_quiet_evening_says_the_day_it_goes(client, bank, monkeypatch):
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    _at(monkeypatch, dt.datetime(2026, 12, 8, 22, 0, tzinfo=SHANGHAI))
    client.force_login(bank.head_a1)
    done = client.post(reverse("messaging:batch_create"), {**_batch_form(bank), "confirm": "1"})
    assert _messages(done) == [
        "已排队 1 条，将于 12-09 08:00 发送（免打扰时段不发送）。 排除 1 名客户。"
    ]


def test_a_batch_outside_the_quiet_hours_goes_at_once(client, bank, monkeypatch):
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    _at(monkeypatch, dt.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI))
    client.force_login(bank.head_a1)
    done = client.post(reverse("messaging:batch_create"), {**_batch_form(bank), "confirm": "1"})
    assert _messages(done) == ["已排队 1 条，即将发送。 排除 1 名客户。"]


def test_the_batch_preview_shows_the_text_and_when_it_would_go(client, bank, monkeypatch):
    # given
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    _at(monkeypatch, dt.datetime(2026, 12, 8, 22, 0, tzinfo=SHANGHAI))
    client.force_login(bank.head_a1)
    # when
    page = client.post(reverse("messaging:batch_create"), _batch_form(bank))
    # then: the text the first recipient (张三, a woman, of manager A1) would receive
    preview = page.context["preview"]
    manager = bank.manager_a1.full_name
    assert preview.text == (
        f"【客维示范银行】张女士，佳节将至，祝您和家人节日快乐、阖家幸福！您的客户经理{manager}"
    )
    assert preview.goes_at == dt.datetime(2026, 12, 9, 8, 0, tzinfo=SHANGHAI)
    html = page.content.decode()
    assert preview.text in html
    assert "消息内容（以 张三 为例）" in html
    assert not Message.objects.unrestricted().exists()


def test_a_task_message_says_when_it_goes(client, bank, monkeypatch):
    # given
    consent_record(actor=None, customer=bank.customer_a1, channel="sms", granted=True)
    task = _task(bank, bank.customer_a1)
    _at(monkeypatch, dt.datetime(2026, 12, 8, 6, 0, tzinfo=SHANGHAI))
    client.force_login(bank.manager_a1)
    url = reverse("messaging:compose", args=[bank.customer_a1.pk]) + f"?task={task.pk}"
    template = MessageTemplate.objects.get(code="SMS_MATURITY")
    # when
    sent = client.post(url, {"template": template.pk, "task": task.pk, "send": "1"})
    # then
    assert _messages(sent) == ["已排队 1 条，将于 08:00 发送（免打扰时段不发送）。"]
    assert Task.objects.unrestricted().get(pk=task.pk).status == TaskStatus.DONE
