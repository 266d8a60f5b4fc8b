"""Messages to customers: consent, the monthly cap, quiet hours, signature and 回复TD退订,
TD withdrawal, replies as tasks, batches to a saved search, and the real senders."""

from __future__ import annotations

import csv
import datetime as dt
import email
from email import policy
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from kewei.care.models import Task, TaskReason, TaskStatus
from kewei.customers.models import SavedSearch
from kewei.customers.selectors import current_consents
from kewei.customers.services import consent_record
from kewei.messaging import rendering
from kewei.messaging.models import Message, MessageStatus, MessageTemplate
from kewei.messaging.services import (
    MessageError,
    TemplateData,
    batch_preview,
    batch_send,
    dispatch,
    message_send,
    reply_receive,
    search_customers,
    send_after,
    template_save,
)
from kewei.testing.factories import customer, small_bank
from kewei.testing.servers import sms_gateway, smtp_server

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def bank(settings):
    settings.KEWEI_BANK_NAME = "客维银行"
    return small_bank()


def consent(person, channel="sms", granted=True):
    consent_record(actor=None, customer=person, channel=channel, granted=granted, source="柜面")


def template(code):
    return MessageTemplate.objects.get(code=code)


def test_an_unknown_variable_is_refused_by_name(bank):
    with pytest.raises(MessageError) as refused:
        template_save(
            actor=bank.retail_a,
            data=TemplateData(
                code="X", name="错", occasion="greeting", channel="sms", body="{尊称}，{职位}好"
            ),
        )
    assert "{职位}" in refused.value.message_dict["body"][0]
    assert not MessageTemplate.objects.filter(code="X").exists()


def test_without_consent_nothing_is_sent(bank):
    with pytest.raises(MessageError) as refused:
        message_send(
            actor=bank.manager_a1, customer=bank.customer_a1, template=template("SMS_GREETING")
        )
    assert refused.value.code == "no_consent"
    assert not Message.objects.unrestricted().exists()
    # and: a withdrawal after a consent counts, not the consent
    consent(bank.customer_a1)
    consent(bank.customer_a1, granted=False)
    with pytest.raises(MessageError):
        message_send(
            actor=bank.manager_a1, customer=bank.customer_a1, template=template("SMS_GREETING")
        )


def test_a_message_is_filled_in_signed_and_marketing_ends_with_td(bank):
    consent(bank.customer_a1)
    greeting = message_send(
        actor=bank.manager_a1, customer=bank.customer_a1, template=template("SMS_GREETING")
    )
    offer = message_send(
        actor=bank.manager_a1, customer=bank.customer_a1, template=template("SMS_MARKETING")
    )
    manager = bank.manager_a1.full_name
    assert greeting.body.startswith("【客维银行】张女士，您好！")  # 张三 of the bank: female ID
    assert manager in greeting.body and not greeting.body.endswith("回复TD退订")
    assert offer.body.endswith(" 回复TD退订") and offer.marketing
    assert greeting.status == MessageStatus.QUEUED


def test_polite_names_with_compound_surnames():
    from kewei.customers.identity import polite_name

    assert polite_name("欧阳修", "M") == "欧阳先生"
    assert polite_name("张三", "F") == "张女士"


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2026, 11, 26, 20, 59), (2026, 11, 26, 20, 59)),
        ((2026, 11, 26, 21, 0), (2026, 11, 27, 8, 0)),
        ((2026, 11, 26, 23, 30), (2026, 11, 27, 8, 0)),
        ((2026, 11, 27, 7, 59), (2026, 11, 27, 8, 0)),
        ((2026, 11, 27, 8, 0), (2026, 11, 27, 8, 0)),
    ],
)
def test_quiet_hours_hold_messages_until_eight(local, expected):
    now = dt.datetime(*local, tzinfo=SHANGHAI)
    assert send_after(now) == dt.datetime(*expected, tzinfo=SHANGHAI)


def test_the_monthly_cap_counts_marketing_messages_only(bank, settings):
    settings.KEWEI_MARKETING_MONTHLY_CAP = 2
    consent(bank.customer_a1)
    offer = template("SMS_MARKETING")
    for _ in range(2):
        message_send(actor=bank.manager_a1, customer=bank.customer_a1, template=offer)
    with pytest.raises(MessageError) as refused:
        message_send(actor=bank.manager_a1, customer=bank.customer_a1, template=offer)
    assert refused.value.code == "cap"
    # a failed message does not count; a care message is not capped
    Message.objects.unrestricted().filter(pk=Message.objects.unrestricted().first().pk).update(
        status=MessageStatus.FAILED
    )
    message_send(actor=bank.manager_a1, customer=bank.customer_a1, template=offer)
    message_send(
        actor=bank.manager_a1, customer=bank.customer_a1, template=template("SMS_GREETING")
    )
    assert Message.objects.unrestricted().count() == 4


def test_a_td_reply_withdraws_consent_and_other_replies_reach_the_manager(bank):
    consent(bank.customer_a1)
    sent = message_send(
        actor=bank.manager_a1, customer=bank.customer_a1, template=template("SMS_MARKETING")
    )
    Message.objects.unrestricted().filter(pk=sent.pk).update(
        status=MessageStatus.SENT, sent_at=timezone.now()
    )
    # when: a question, then TD
    reply_receive(mobile=bank.customer_a1.mobile, body="请问利率多少？")
    reply_receive(mobile=bank.customer_a1.mobile, body=" td ")
    # then
    (task,) = Task.objects.unrestricted().filter(reason=TaskReason.REPLY)
    assert (task.assignee_id, task.note) == (bank.manager_a1.pk, "请问利率多少？")
    assert current_consents(bank.customer_a1)["sms"] is False
    assert Message.objects.unrestricted().get(pk=sent.pk).status == MessageStatus.REPLIED
    with pytest.raises(MessageError):
        message_send(
            actor=bank.manager_a1, customer=bank.customer_a1, template=template("SMS_GREETING")
        )


def test_sending_from_a_task_completes_it_with_an_sms_contact(bank):
    consent(bank.customer_a1)
    today = timezone.localdate()
    task = Task.objects.unrestricted().create(
        customer=bank.customer_a1,
        reason=TaskReason.MANUAL,
        title="问候",
        event_on=today,
        due_on=today,
        assignee=bank.manager_a1,
        department=bank.outlet_a1,
        created_on=today,
    )
    message = message_send(
        actor=bank.manager_a1,
        customer=bank.customer_a1,
        template=template("SMS_GREETING"),
        task=task,
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert (task.contact.channel, task.contact.summary) == ("sms", message.body)


def test_a_batch_goes_to_consenting_customers_of_the_search_with_reasons_for_the_rest(
    bank, settings
):
    # given: in outlet A1, one consenting, one without consent, one at the cap
    settings.KEWEI_MARKETING_MONTHLY_CAP = 1
    ouyang = customer(department=bank.outlet_a1, name="欧阳修", manager=bank.manager_a1)
    consent(bank.customer_a1)
    consent(ouyang)
    message_send(actor=bank.manager_a1, customer=ouyang, template=template("SMS_MARKETING"))
    search = SavedSearch.objects.create(
        name="中关村网点",
        owner=bank.head_a1,
        department=bank.outlet_a1,
        params={"department": bank.outlet_a1.pk},
    )
    offer = template("SMS_MARKETING")
    # when
    preview = batch_preview(template=offer, customers=search_customers(search.params))
    batch = batch_send(
        actor=bank.head_a1,
        template=offer,
        customers=search_customers(search.params),
        name=search.name,
        params=search.params,
    )
    # then
    assert (preview.total, preview.sendable) == (3, 1)
    assert preview.excluded == {
        "未同意该渠道的营销联系，或已退订": 1,
        "本月营销消息已达上限": 1,
    }
    (sent,) = Message.objects.unrestricted().filter(batch=batch)
    assert sent.customer_id == bank.customer_a1.pk
    assert sent.body == (
        f"【客维银行】张女士，我行新推出稳健型理财产品，欢迎垂询客户经理{bank.manager_a1.full_name}，"
        f"电话{bank.manager_a1.work_phone}。 回复TD退订"
    )
    assert (batch.queued, batch.excluded) == (1, {"no_consent": 1, "cap": 1})


def test_a_batch_template_may_not_use_task_variables(bank):
    search = SavedSearch.objects.create(
        name="全部", owner=bank.head_a1, department=bank.outlet_a1, params={}
    )
    with pytest.raises(MessageError) as refused:
        batch_send(
            actor=bank.head_a1,
            template=template("SMS_MATURITY"),
            customers=search_customers(search.params),
            name=search.name,
        )
    assert refused.value.code == "task_variables"


def test_the_http_gateway_sends_each_message_once_and_records_refusals(bank, settings):
    # given
    consent(bank.customer_a1)
    consent(bank.customer_b1)
    first = message_send(actor=None, customer=bank.customer_a1, template=template("SMS_GREETING"))
    second = message_send(actor=None, customer=bank.customer_b1, template=template("SMS_GREETING"))

    def answer(body):
        if body["reference"] == str(second.pk):
            return 200, {"code": "E101", "message": "号码在黑名单中"}
        return 200, {"code": "0", "id": "GW-1"}

    with sms_gateway(answer) as (url, received):
        settings.KEWEI_SMS_SENDER = "http"
        settings.KEWEI_SMS_GATEWAY_URL = url
        settings.KEWEI_SMS_GATEWAY_TOKEN = "secret"
        # when: dispatched twice
        later = timezone.now() + dt.timedelta(days=1)
        dispatch(now=later)
        dispatch(now=later)
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.gateway_reference) == (MessageStatus.SENT, "GW-1")
    assert (second.status, second.error) == (
        MessageStatus.FAILED,
        "gateway refused: 号码在黑名单中",
    )
    assert len(received) == 2
    assert {r["mobile"] for r in received} == {bank.customer_a1.mobile, bank.customer_b1.mobile}
    assert received[0]["authorization"] == "Bearer secret"


def test_email_goes_out_through_smtp(bank, settings):
    bank.customer_a1.email = "zhang@example.cn"
    bank.customer_a1.save(update_fields=["email"])
    consent(bank.customer_a1, channel="email")
    with smtp_server() as (port, received):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.KEWEI_EMAIL_SENDER = "smtp"
        message = message_send(
            actor=None, customer=bank.customer_a1, template=template("EMAIL_FESTIVAL")
        )
        dispatch(now=timezone.now() + dt.timedelta(days=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (sender, recipients, data) = received[0]
    assert sender == "kewei@localhost"
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert recipients == ["zhang@example.cn"]
    assert parsed["Subject"] == "节日问候"
    assert "张女士" in parsed.get_content()


def test_an_email_needs_an_address(bank):
    consent(bank.customer_a1, channel="email")
    with pytest.raises(MessageError) as refused:
        message_send(actor=None, customer=bank.customer_a1, template=template("EMAIL_FESTIVAL"))
    assert refused.value.code == "no_address"


def test_the_outbox_hands_due_sms_to_the_platform_as_csv(bank, tmp_path):
    consent(bank.customer_a1)
    due = message_send(actor=None, customer=bank.customer_a1, template=template("SMS_GREETING"))
    held = message_send(actor=None, customer=bank.customer_a1, template=template("SMS_BIRTHDAY"))
    Message.objects.unrestricted().filter(pk=due.pk).update(
        send_after=timezone.now() - dt.timedelta(minutes=1)
    )
    Message.objects.unrestricted().filter(pk=held.pk).update(
        send_after=timezone.now() + dt.timedelta(hours=3)
    )
    out = tmp_path / "outbox.csv"
    call_command("sms_outbox", "--out", str(out), stdout=StringIO())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows == [{"reference": str(due.pk), "mobile": bank.customer_a1.mobile, "text": due.body}]
    statuses = dict(Message.objects.unrestricted().values_list("pk", "status"))
    assert statuses == {due.pk: MessageStatus.SENT, held.pk: MessageStatus.QUEUED}


def test_rendering_leaves_unknown_values_empty():
    assert rendering.render("{尊称}您好{产品}", {"尊称": "王先生"}) == "王先生您好"
