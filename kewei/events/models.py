"""Client events (客户活动, DOMAIN §5): wealth salons, investment seminars, VIP dinners;
their guest lists, invitations, replies and attendance, and what they brought."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import YuanField
from kewei.core.scope import DataScope, ScopedModel, subtree_q
from kewei.customers.models import CustomerPart


class EventKind(models.TextChoices):
    SALON = "salon", _("财富沙龙")
    SEMINAR = "seminar", _("投资讲座")
    DINNER = "dinner", _("贵宾答谢会")
    OUTING = "outing", _("户外活动")
    OTHER = "other", _("其他")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    HELD = "held", _("已举办")
    CANCELLED = "cancelled", _("已取消")


class ClientEvent(ScopedModel):
    """One event for customers, hosted by a department."""

    name = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=EventKind.choices)
    starts_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    capacity = models.PositiveIntegerField(_("人数上限"))
    budget = YuanField(_("预算（元）"), max_digits=14)
    actual_cost = YuanField(_("实际费用（元）"), max_digits=14, null=True, blank=True)
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("主办机构"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    invited_tiers = models.JSONField(_("邀请等级"), default=list, blank=True)
    description = models.TextField(_("活动说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("客户活动")
        verbose_name_plural = _("客户活动")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_positive"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="event_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:event_detail", args=[self.pk])

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        """Events hosted in the departments whose customers the user looks after, or in
        their own department (a customer manager's outlet)."""
        visible = subtree_q("department__path", scope.customer_subtrees)
        if scope.department_id is not None:
            visible |= Q(department_id=scope.department_id)
        return visible


class GuestStatus(models.TextChoices):
    LISTED = "listed", _("拟邀请")
    INVITED = "invited", _("已邀请")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已婉拒")
    ATTENDED = "attended", _("已出席")
    ABSENT = "absent", _("未出席")


class Guest(CustomerPart):
    """A customer on an event's guest list, and how far they came."""

    event = models.ForeignKey(ClientEvent, on_delete=models.CASCADE, related_name="guests")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="event_invitations"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=GuestStatus.choices, default=GuestStatus.LISTED
    )
    invited_at = models.DateTimeField(_("邀请时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    # The reply, kept after the event turns the status into attended or absent.
    accepted = models.BooleanField(_("接受邀请"), null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("活动嘉宾")
        verbose_name_plural = _("活动嘉宾")
        constraints = [
            models.UniqueConstraint(fields=["event", "customer"], name="guest_once_per_event")
        ]
        indexes = [models.Index(fields=["event", "status"], name="guest_event_status")]
