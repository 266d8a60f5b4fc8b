"""Complaints (客户投诉, DOMAIN §7): recorded at once, owned by one person, answered and
resolved within deadlines that follow the severity, escalated when late, and closed
only after the customer's satisfaction was checked. Every step is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import EncryptedTextField
from kewei.core.masking import mask_mobile
from kewei.core.scope import NOTHING, DataScope, ScopedModel
from kewei.organisation.roles import Role


class Category(models.TextChoices):
    SERVICE = "service", _("服务态度")
    FEES = "fees", _("收费")
    PRODUCT = "product", _("产品")
    SYSTEM = "system", _("系统故障")
    WAITING = "waiting", _("等候时间")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    COUNTER = "counter", _("柜面")
    HOTLINE = "hotline", _("客服热线")
    ONLINE = "online", _("网上/手机银行")
    LETTER = "letter", _("信函")
    REGULATOR = "regulator", _("监管转办")


class Severity(models.TextChoices):
    NORMAL = "normal", _("一般")
    SERIOUS = "serious", _("较重")
    MAJOR = "major", _("重大")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已解决")
    CHECKED = "checked", _("已回访")
    CLOSED = "closed", _("已办结")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    NEUTRAL = "neutral", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class DeadlinePolicy(models.Model):
    """How fast a complaint of one severity must be answered and resolved, and when a
    late one goes further up (to the owner's supervisor, then the outlet head)."""

    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, unique=True)
    response_hours = models.PositiveSmallIntegerField(_("首次响应时限（小时）"))
    resolution_working_days = models.PositiveSmallIntegerField(_("解决时限（工作日）"))
    second_escalation_hours = models.PositiveSmallIntegerField(
        _("再次升级间隔（小时）"),
        default=24,
        help_text=_("升级至主管后仍逾期超过该时长，再升级至网点负责人。"),
    )

    class Meta:
        verbose_name = _("投诉时限")
        verbose_name_plural = _("投诉时限")
        ordering = ["severity"]

    def __str__(self) -> str:
        return self.get_severity_display()


class RoutingRule(models.Model):
    """Who owns a complaint of a category: a role in the complaint's outlet."""

    category = models.CharField(_("类别"), max_length=10, choices=Category.choices, unique=True)
    role = models.CharField(_("处理岗位"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("投诉分派规则")
        verbose_name_plural = _("投诉分派规则")
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.get_role_display()}"


class Complaint(ScopedModel):
    """One complaint, from a customer or an unidentified caller."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    caller_name = models.CharField(_("来电人姓名"), max_length=50, blank=True)
    caller_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("受理网点"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("投诉内容"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_complaints",
    )
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("已升级至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,  # a complaint may come in through a system (the API, a file)
        on_delete=models.PROTECT,
        related_name="+",
    )
    response_due = models.DateTimeField(_("响应期限"))
    resolution_due = models.DateTimeField(_("解决期限"))
    responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    refusal = models.TextField(
        _("未能满足的诉求及原因"),
        blank=True,
        help_text=_("告知客户哪些诉求不能满足、为什么（DOMAIN §7）。"),
    )
    satisfaction = models.CharField(
        _("客户满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    reopened = models.PositiveSmallIntegerField(_("重开次数"), default=0)

    class Meta:
        verbose_name = _("客户投诉")
        verbose_name_plural = _("客户投诉")
        indexes = [
            models.Index(fields=["status", "response_due"], name="complaint_open_response"),
            models.Index(fields=["status", "resolution_due"], name="complaint_open_resolution"),
            models.Index(fields=["department", "received_at"], name="complaint_department"),
            models.Index(fields=["owner", "status"], name="complaint_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(caller_name=""),
                name="complaint_has_complainant",
            )
        ]
        permissions = [
            ("handle_complaint", _("处理投诉")),
            ("view_complaint_stats", _("查看投诉统计")),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("complaints:complaint_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"TS{timezone.localtime(self.received_at):%Y%m%d}{self.pk:06d}"

    @property
    def complainant(self) -> str:
        return self.customer.name if self.customer_id else self.caller_name

    @property
    def masked_caller_phone(self) -> str:
        return mask_mobile(self.caller_phone)

    def overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if self.status in (Status.RESOLVED, Status.CHECKED, Status.CLOSED):
            return False
        late_response = self.responded_at is None and self.response_due < now
        return late_response or self.resolution_due < now

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        """The complaints of the outlets whose customers the user looks after, of their
        own customers, and those they own or were escalated to."""
        from kewei.customers.models import customer_scope_q

        visible = NOTHING
        if scope.customer_subtrees:
            for path in scope.customer_subtrees:
                visible |= Q(department__path__startswith=path)
        if scope.staff_id is not None:
            visible |= Q(owner_id=scope.staff_id) | Q(escalated_to_id=scope.staff_id)
        if scope.customer_book and scope.staff_id is not None:
            visible |= customer_scope_q(scope, prefix="customer__")
        return visible


class Action(models.TextChoices):
    RECEIVE = "receive", _("受理")
    RESPOND = "respond", _("首次响应")
    RESOLVE = "resolve", _("解决")
    CHECK = "check", _("满意度回访")
    CLOSE = "close", _("办结")
    REOPEN = "reopen", _("重开")
    ESCALATE = "escalate", _("升级")
    REASSIGN = "reassign", _("转派")
    NOTE = "note", _("备注")


class ComplaintStep(models.Model):
    """One step of a complaint: who did what when, and what the customer was told.
    Never changed."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    told_customer = models.TextField(_("告知客户的内容"), blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("投诉处理记录")
        verbose_name_plural = _("投诉处理记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"

    @property
    def to_status_label(self) -> str:
        return Status(self.to_status).label if self.to_status in Status.values else ""
