"""Writes of messaging: templates, one message to a customer, a batch to a saved search
(one INSERT ... SELECT), dispatch and collection, and replies (TD withdraws consent;
anything else reaches the responsible manager as a task).

The rules of Chinese commercial messaging hold for every path: only to customers whose
latest consent for the channel is a yes; a monthly cap of marketing messages per
customer; nothing leaves between 21:00 and 08:00; SMS signed with the bank's name and,
for marketing, ending with 回复TD退订.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models import Case as SqlCase
from django.db.models import When as SqlWhen
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.audit.services import audit_record
from kewei.core.money import format_money
from kewei.customers.identity import polite_name
from kewei.customers.models import ConsentChannel, Customer, CustomerStatus
from kewei.customers.selectors import CustomerQuery, consent_in_force, customer_search
from kewei.customers.services import consent_record, mobile_index
from kewei.messaging import rendering, selectors
from kewei.messaging.actions import MessagingAction
from kewei.messaging.models import (
    Message,
    MessageBatch,
    MessageReply,
    MessageStatus,
    MessageTemplate,
)
from kewei.messaging.senders import Outgoing, SendError, sender_for

logger = logging.getLogger(__name__)

EXCLUSIONS = {
    "inactive": gettext_lazy("客户状态非正常（已合并）"),
    "no_consent": gettext_lazy("未同意该渠道的营销联系，或已退订"),
    "no_address": gettext_lazy("未登记电子邮箱"),
    "cap": gettext_lazy("本月营销消息已达上限"),
}
# Replies that withdraw consent (回复TD退订).
UNSUBSCRIBE_REPLIES = frozenset({"TD", "T", "退订", "TD退订", "N"})


class MessageError(ValidationError):
    """A message that may not be sent; the message says why."""


def send_after(now: dt.datetime) -> dt.datetime:
    """``now``, or 08:00 next when ``now`` falls in the quiet hours (21:00–08:00)."""
    local = timezone.localtime(now)
    start, end = settings.KEWEI_QUIET_HOURS
    if start <= local.hour or local.hour < end:
        morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
        if local.hour >= start:
            morning += dt.timedelta(days=1)
        return morning
    return now


def queued_until(created_at: dt.datetime) -> dt.datetime | None:
    """When messages queued at ``created_at`` go out, if they wait for the end of the
    quiet hours; None when they go at once."""
    after = send_after(created_at)
    return after if after > created_at else None


def when_text(moment: dt.datetime) -> str:
    """A send time as the pages say it: the time today, else the day and time."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def queued_text(count: int, created_at: dt.datetime) -> str:
    """What became of messages just queued: they go at once, or wait for the end of the
    quiet hours (the time they go is said)."""
    goes_at = queued_until(created_at)
    if goes_at is None:
        return _("已排队 %(n)d 条，即将发送。") % {"n": count}
    return _("已排队 %(n)d 条，将于 %(time)s 发送（免打扰时段不发送）。") % {
        "n": count,
        "time": when_text(goes_at),
    }


def _month_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def with_exclusion(
    customers: QuerySet[Customer], *, channel: str, marketing: bool, now: dt.datetime
) -> QuerySet[Customer]:
    """``customers`` annotated with ``exclusion``: why each may not receive a message
    of ``channel`` now ("" for those who may), decided by the database."""
    this_month = (
        Message.objects.unrestricted()
        .filter(customer=OuterRef("pk"), marketing=True, created_at__gte=_month_start(now))
        .exclude(status=MessageStatus.FAILED)
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    reasons = [
        SqlWhen(~Q(status=CustomerStatus.ACTIVE), then=Value("inactive")),
        SqlWhen(~Q(consent=True), then=Value("no_consent")),
    ]
    if channel == ConsentChannel.EMAIL:
        reasons.append(SqlWhen(email="", then=Value("no_address")))
    if marketing:
        reasons.append(
            SqlWhen(sent_this_month__gte=settings.KEWEI_MARKETING_MONTHLY_CAP, then=Value("cap"))
        )
    return customers.annotate(
        consent=consent_in_force(channel),
        sent_this_month=Coalesce(Subquery(this_month, output_field=IntegerField()), Value(0)),
    ).annotate(exclusion=SqlCase(*reasons, default=Value(""), output_field=CharField()))


def exclusion_of(customer: Customer, *, channel: str, marketing: bool) -> str:
    row = with_exclusion(
        Customer.objects.unrestricted().filter(pk=customer.pk),
        channel=channel,
        marketing=marketing,
        now=timezone.now(),
    ).values_list("exclusion", flat=True)
    return row[0]


def refusal(customer: Customer, template: MessageTemplate | None) -> str:
    """Why ``customer`` may not receive ``template`` now, in the words the pages and the
    refusal use ("" when they may): the one rule, :func:`exclusion_of`, that
    :func:`message_send` enforces."""
    if template is None:
        return str(_("没有可用的消息模板"))
    if not template.enabled:
        return str(_("模板已停用"))
    reason = exclusion_of(customer, channel=template.channel, marketing=template.marketing)
    return str(EXCLUSIONS[reason]) if reason else ""


def template_for_task(task) -> MessageTemplate | None:
    """The template suggested for writing to a task's customer: its rule's occasion's
    (a greeting when it has none)."""
    occasion = (task.rule.occasion if task is not None and task.rule_id else "") or "greeting"
    return selectors.template_for(occasion)


def values_for(customer: Customer, staff, task=None) -> dict[str, str]:
    """The variables for one customer (and task): what ``rendering.VARIABLES`` lists."""
    manager = customer.responsible_manager or staff
    account = getattr(customer, "points_account", None)
    values = {
        "尊称": polite_name(customer.name, customer.gender),
        "姓名": customer.name,
        "客户经理": manager.full_name if manager else "",
        "经理电话": manager.work_phone if manager else "",
        "银行": settings.KEWEI_BANK_NAME,
        "积分余额": str(account.balance if account else 0),
    }
    if task is not None:
        values["产品"] = task.product.name if task.product_id else ""
        values["日期"] = date_format(task.event_on, "DATE_FORMAT")
        values["金额"] = format_money(task.amount_yuan) if task.amount else ""
    return values


@dataclass(frozen=True)
class TemplateData:
    code: str
    name: str
    occasion: str
    channel: str
    body: str
    subject: str = ""
    marketing: bool = True
    enabled: bool = True


@transaction.atomic
def template_save(*, actor, data: TemplateData, template: MessageTemplate | None = None):
    try:
        rendering.check(data.body)
    except rendering.TemplateError as error:
        raise MessageError({"body": str(error)}, code="bad_template") from None
    if data.channel == "email" and not data.subject.strip():
        raise MessageError({"subject": _("电子邮件须有主题。")}, code="no_subject")
    template = template or MessageTemplate()
    before = {"body": template.body} if template.pk else {}
    for name, value in data.__dict__.items():
        setattr(template, name, value)
    template.updated_at = timezone.now()
    template.full_clean()
    template.save()
    audit_record(
        actor=actor,
        action=MessagingAction.TEMPLATE_SAVE,
        subject=template,
        before=before,
        after={"body": template.body},
    )
    return template


def _dispatch_soon(message_ids: list[int]) -> None:
    if sender_for("sms").direct or sender_for("email").direct:
        transaction.on_commit(lambda: dispatch(ids=message_ids))


@transaction.atomic
def message_send(
    *, actor, customer: Customer, template: MessageTemplate, task=None, text: str | None = None
) -> Message:
    """One message to one customer (from a task, or the customer page). ``text``: the
    rendered template as the staff member edited it."""
    if not template.enabled:
        raise MessageError(_("模板已停用。"), code="template_disabled")
    reason = exclusion_of(customer, channel=template.channel, marketing=template.marketing)
    if reason:
        raise MessageError(
            _("不能发送：%(reason)s。") % {"reason": EXCLUSIONS[reason]}, code=reason
        )
    body = (
        text
        if text is not None
        else rendering.render(template.body, values_for(customer, actor, task))
    )
    if not body.strip():
        raise MessageError({"text": _("内容不能为空。")}, code="empty")
    now = timezone.now()
    message = Message.objects.create(
        customer=customer,
        channel=template.channel,
        template=template,
        subject=template.subject,
        body=rendering.signed(body, channel=template.channel, marketing=template.marketing),
        marketing=template.marketing,
        send_after=send_after(now),
        sent_by=actor,
        task=task,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=MessagingAction.MESSAGE_SEND,
        subject=customer,
        after={"channel": template.channel, "template": template.code},
    )
    if task is not None:
        # Sending from a task is the contact that completes it.
        from kewei.care.services import ContactData, task_complete

        task_complete(
            actor=actor,
            task=task,
            data=ContactData(
                channel=template.channel, purpose="care", outcome="reached", summary=message.body
            ),
        )
    _dispatch_soon([message.pk])
    return message


@dataclass
class BatchPreview:
    total: int
    sendable: int
    excluded: dict[str, int] = field(default_factory=dict)
    samples: list[tuple[Customer, str]] = field(default_factory=list)
    # The text as the first recipient would receive it (signed; "" when nobody would),
    # and when the batch would go if sent now (None: at once).
    text: str = ""
    recipient: Customer | None = None
    goes_at: dt.datetime | None = None


def search_customers(params: dict) -> QuerySet[Customer]:
    """The customers of a saved search's parameters (in the user's scope)."""
    return customer_search(CustomerQuery.from_params(params))


def _batch_customers(
    template: MessageTemplate, customers: QuerySet[Customer], now
) -> QuerySet[Customer]:
    return with_exclusion(
        customers.order_by(), channel=template.channel, marketing=template.marketing, now=now
    )


def _check_batch_template(template: MessageTemplate) -> None:
    if not template.enabled:
        raise MessageError(_("模板已停用。"), code="template_disabled")
    needs_task = rendering.variables_in(template.body) & rendering.TASK_VARIABLES
    if needs_task:
        raise MessageError(
            _("批量发送的模板不能使用与单个任务有关的变量：%(names)s")
            % {"names": "、".join(f"{{{n}}}" for n in sorted(needs_task))},
            code="task_variables",
        )


def batch_preview(*, template: MessageTemplate, customers: QuerySet[Customer]) -> BatchPreview:
    """Who of ``customers`` (a saved search, an event's guests) would receive the
    template, and who not and why."""
    _check_batch_template(template)
    rows = _batch_customers(template, customers, timezone.now())
    counts = dict(rows.values("exclusion").annotate(n=Count("pk")).values_list("exclusion", "n"))
    samples = [
        (customer, str(EXCLUSIONS[customer.exclusion]))
        for customer in rows.exclude(exclusion="").order_by("pk")[:20]
    ]
    first = (
        rows.filter(exclusion="")
        .select_related("responsible_manager", "points_account")
        .order_by("pk")
        .first()
    )
    text = ""
    if first is not None:
        # As batch_send renders it: the customer's own manager, or nobody.
        body = rendering.render(template.body, values_for(first, None))
        text = rendering.signed(body, channel=template.channel, marketing=template.marketing)
    return BatchPreview(
        total=sum(counts.values()),
        sendable=counts.pop("", 0),
        excluded={str(EXCLUSIONS[code]): n for code, n in counts.items()},
        samples=samples,
        text=text,
        recipient=first,
        goes_at=queued_until(timezone.now()),
    )


@transaction.atomic
def batch_send(
    *,
    actor,
    template: MessageTemplate,
    customers: QuerySet[Customer],
    name: str,
    params: dict | None = None,
) -> MessageBatch:
    """Queue the template for every one of ``customers`` who may receive it: one
    INSERT ... SELECT, with each text rendered by the database. ``name`` (a saved
    search's, an event's) and ``params`` say whom the batch was for."""
    _check_batch_template(template)
    now = timezone.now()
    rows = _batch_customers(template, customers, now)
    counts = dict(rows.values("exclusion").annotate(n=Count("pk")).values_list("exclusion", "n"))
    batch = MessageBatch.objects.create(
        template=template,
        search_name=name[:100],
        search_params=params or {},
        created_by=actor,
        created_at=now,
        queued=counts.pop("", 0),
        excluded=counts,
    )
    chosen = (
        rows.filter(exclusion="")
        .annotate(
            manager_name=Coalesce("responsible_manager__full_name", Value("")),
            manager_phone=Coalesce("responsible_manager__work_phone", Value("")),
            points=Coalesce("points_account__balance", Value(0)),
        )
        .annotate(
            rendered=rendering.body_expression(
                template.body, channel=template.channel, marketing=template.marketing
            ),
            m_channel=Value(template.channel),
            m_template=Value(template.pk),
            m_subject=Value(template.subject),
            m_marketing=Value(template.marketing, output_field=BooleanField()),
            m_status=Value(MessageStatus.QUEUED),
            m_after=Value(send_after(now), output_field=DateTimeField()),
            m_zero=Value(0),
            m_blank=Value(""),
            m_actor=Value(actor.pk),
            m_batch=Value(batch.pk),
            m_now=Value(now, output_field=DateTimeField()),
        )
        .values_list(
            "pk",
            "m_channel",
            "m_template",
            "m_subject",
            "rendered",
            "m_marketing",
            "m_status",
            "m_after",
            "m_zero",
            "m_blank",
            "m_blank",
            "m_actor",
            "m_batch",
            "m_now",
        )
    )
    select, params = chosen.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = [
        "customer_id",
        "channel",
        "template_id",
        "subject",
        "body",
        "marketing",
        "status",
        "send_after",
        "attempts",
        "error",
        "gateway_reference",
        "sent_by_id",
        "batch_id",
        "created_at",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Message._meta.db_table)} "
            f"({', '.join(quote(c) for c in columns)}) {select}",
            params,
        )
    audit_record(
        actor=actor,
        action=MessagingAction.BATCH_SEND,
        subject=batch,
        after={"template": template.code, "queued": batch.queued, "excluded": counts},
    )
    _dispatch_soon(list(batch.messages.values_list("pk", flat=True)[:10000]))
    return batch


def _address(message: Message) -> str:
    return message.customer.mobile if message.channel == "sms" else message.customer.email


def dispatch(*, now: dt.datetime | None = None, ids: list[int] | None = None) -> dict[str, int]:
    """Send the queued messages that are due, through the senders that send directly
    (the outbox's wait to be collected). Each message is sent at most once: it is
    claimed by a conditional update before the sender is called."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0}
    for channel in ("sms", "email"):
        sender = sender_for(channel)
        if not sender.direct:
            continue
        due = Message.objects.unrestricted().filter(
            status=MessageStatus.QUEUED, channel=channel, send_after__lte=now
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        for message in due.select_related("customer").order_by("pk").iterator(chunk_size=500):
            claimed = (
                Message.objects.unrestricted()
                .filter(pk=message.pk, status=MessageStatus.QUEUED, attempts=message.attempts)
                .update(attempts=message.attempts + 1)
            )
            if not claimed:
                continue
            outgoing = Outgoing(str(message.pk), _address(message), message.subject, message.body)
            try:
                reference = sender.send(outgoing)
            except SendError as error:
                logger.warning("message %s not sent: %s", message.pk, error)
                Message.objects.unrestricted().filter(pk=message.pk).update(
                    status=MessageStatus.FAILED, error=str(error)[:200]
                )
                counts["failed"] += 1
            else:
                Message.objects.unrestricted().filter(pk=message.pk).update(
                    status=MessageStatus.SENT, sent_at=timezone.now(), gateway_reference=reference
                )
                counts["sent"] += 1
    return counts


@transaction.atomic
def outbox_collect(*, channel: str = "sms", limit: int = 10000, actor=None) -> list[Outgoing]:
    """Hand the due queued messages over to the bank's own platform: returned with their
    addresses and marked sent. A collection is audited."""
    now = timezone.now()
    due = list(
        Message.objects.unrestricted()
        .select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
        .filter(status=MessageStatus.QUEUED, channel=channel, send_after__lte=now)
        .select_related("customer")
        .order_by("pk")[:limit]
    )
    handed = [Outgoing(str(m.pk), _address(m), m.subject, m.body) for m in due]
    Message.objects.unrestricted().filter(pk__in=[m.pk for m in due]).update(
        status=MessageStatus.SENT, sent_at=now, attempts=1
    )
    audit_record(
        actor=actor,
        action=MessagingAction.OUTBOX_COLLECT,
        after={"channel": channel, "n": len(due)},
    )
    return handed


@transaction.atomic
def delivery_report(
    *, message: Message, delivered: bool, detail: str = "", reference: str = "", actor=None
) -> Message:
    """The platform's delivery report for a message it sent: delivered, or failed with
    the reason. A report for a message already reported changes nothing."""
    if message.status not in (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED):
        raise MessageError(_("该消息尚未发出，不能回执。"), code="not_sent")
    status = MessageStatus.DELIVERED if delivered else MessageStatus.FAILED
    changes = {"status": status}
    if not delivered:
        changes["error"] = (detail.strip() or _("短信平台报告发送失败"))[:200]
    if reference:
        changes["gateway_reference"] = reference[:64]
    updated = (
        Message.objects.unrestricted()
        .filter(pk=message.pk, status=MessageStatus.SENT)
        .update(**changes)
    )
    if updated:
        audit_record(
            actor=actor,
            action=MessagingAction.DELIVERY,
            subject=message.customer,
            after={"message": message.pk, "status": status},
        )
    message.refresh_from_db()
    return message


@transaction.atomic
def reply_receive(*, mobile: str, body: str, received_at: dt.datetime | None = None) -> list:
    """A reply from a mobile. 回复TD withdraws SMS consent (of every customer with that
    mobile); any other reply becomes a task for the customer's responsible staff."""
    from kewei.care.services import task_for_reply

    received_at = received_at or timezone.now()
    customers = list(
        Customer.objects.unrestricted()
        .filter(mobile_index=mobile_index(mobile))
        .select_related("department")
    )
    text = body.strip()
    unsubscribe = text.upper() in UNSUBSCRIBE_REPLIES
    replies = []
    for customer in customers:
        last = (
            Message.objects.unrestricted()
            .filter(
                customer=customer,
                channel="sms",
                status__in=(MessageStatus.SENT, MessageStatus.DELIVERED),
            )
            .order_by("-sent_at")
            .first()
        )
        replies.append(
            MessageReply.objects.create(
                message=last,
                customer=customer,
                body=text[:500],
                received_at=received_at,
                unsubscribed=unsubscribe,
            )
        )
        if last is not None:
            Message.objects.unrestricted().filter(pk=last.pk).update(status=MessageStatus.REPLIED)
        if unsubscribe:
            consent_record(
                actor=None,
                customer=customer,
                channel=ConsentChannel.SMS,
                granted=False,
                source=_("短信回复退订"),
            )
        else:
            task_for_reply(customer=customer, text=text, on=timezone.localtime(received_at).date())
    return replies
