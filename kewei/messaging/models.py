"""Messages to customers (短信、邮件): templates per occasion, every message sent with its
status, replies, and batches sent to a saved search."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.customers.models import CustomerPart


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class Occasion(models.TextChoices):
    BIRTHDAY = "birthday", _("生日祝福")
    FAMILY_BIRTHDAY = "family_birthday", _("家人生日")
    FESTIVAL = "festival", _("节日问候")
    MATURITY = "maturity", _("到期提醒")
    THANKS = "thanks", _("售后致谢")
    FOLLOW_UP = "follow_up", _("售后回访")
    RENEWAL = "renewal", _("续约提醒")
    VIP_CARD = "vip_card", _("贵宾卡到期")
    LARGE_MOVEMENT = "large_movement", _("大额资金变动")
    LOAN = "loan", _("贷款发放")
    TARGET = "target", _("投资收益达标")
    WELCOME = "welcome", _("新开户欢迎")
    TIER_UP = "tier_up", _("等级提升")
    TIER_DOWN = "tier_down", _("等级调整")
    POINTS = "points", _("积分到期")
    GREETING = "greeting", _("日常问候")
    EVENT_INVITATION = "event_invitation", _("活动邀请")
    MARKETING = "marketing", _("产品营销")


class MessageTemplate(models.Model):
    """A message text with variables (``{尊称}``, ``{客户经理}`` ...) for one occasion and
    channel. Marketing templates are capped per customer per month and, as SMS, end
    with the unsubscribe instruction."""

    code = models.CharField(_("模板代码"), max_length=30, unique=True)
    name = models.CharField(_("模板名称"), max_length=100)
    occasion = models.CharField(_("场景"), max_length=20, choices=Occasion.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("邮件主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    marketing = models.BooleanField(_("营销类"), default=True)
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["occasion", "channel", "code"]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")
    REPLIED = "replied", _("客户已回复")


class MessageBatch(models.Model):
    """Messages of one template sent to every customer of a saved search."""

    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+")
    search_name = models.CharField(_("客户查询"), max_length=100)
    search_params = models.JSONField(_("查询条件"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    queued = models.PositiveIntegerField(_("发送数"), default=0)
    excluded = models.JSONField(_("排除数（按原因）"), default=dict)

    class Meta:
        verbose_name = _("批量发送")
        verbose_name_plural = _("批量发送")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.template} · {self.search_name}"


class Message(CustomerPart):
    """One message to one customer. The address is read from the archive when the
    message leaves (never copied here); ``body`` is the text as sent, signed."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("邮件主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    marketing = models.BooleanField(_("营销类"))
    status = models.CharField(
        _("状态"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    # Not before this moment (quiet hours 21:00–08:00 push a message to the morning).
    send_after = models.DateTimeField(_("最早发送时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.CharField(_("失败原因"), max_length=200, blank=True)
    gateway_reference = models.CharField(_("网关流水号"), max_length=64, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        MessageBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    task = models.ForeignKey(
        "care.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [
            models.Index(fields=["status", "channel", "send_after"], name="message_queue"),
            models.Index(fields=["customer", "created_at"], name="message_customer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_at"
            )
        ]
        permissions = [
            ("send_message", _("发送短信/邮件")),
            ("send_batch", _("批量发送")),
            # The bank's SMS platform: collects the outbox (with the addresses), reports
            # delivery and replies. No staff role has it; its service account does.
            ("relay_messages", _("短信平台对接")),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d}"


class MessageReply(CustomerPart):
    """A customer's reply to a message (received through the SMS platform)."""

    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="message_replies"
    )
    body = models.CharField(_("回复内容"), max_length=500)
    received_at = models.DateTimeField(_("收到时间"))
    unsubscribed = models.BooleanField(_("退订"), default=False)

    class Meta:
        verbose_name = _("客户回复")
        verbose_name_plural = _("客户回复")

    def __str__(self) -> str:
        return self.body[:30]
