"""Customer tiers (客户分级): the scheme that tiers customers by their assets, each tier's
responsible role, the record of every upgrade and downgrade, and the potential VIPs
spotted at the counter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import FenField, YuanField
from kewei.core.money import TEN_THOUSAND, yuan
from kewei.customers.models import CustomerPart
from kewei.organisation.roles import Role


class Measure(models.TextChoices):
    MONTH_AVERAGE = "month_average", _("月日均金融资产（最近一个完整月）")
    CURRENT = "current", _("时点金融资产（评级日日终）")


class Basis(models.TextChoices):
    CUSTOMER = "customer", _("客户本人资产")
    HOUSEHOLD = "household", _("家庭资产合计")


class TierScheme(models.Model):
    """A way of tiering customers: the measure of their assets, whose assets count, and
    how long a fall must last before a customer is moved down.

    One scheme is in force at a time; it decides every customer's ``tier``. The grace
    rule: a customer is moved down only when the measure was below their tier in each
    of the last ``grace_months`` months (1: at once); they then go to the tier the best
    of those months supports. Upgrades take effect at once.
    """

    code = models.CharField(_("方案代码"), max_length=30, unique=True)
    name = models.CharField(_("方案名称"), max_length=100)
    measure = models.CharField(
        _("分级依据"), max_length=20, choices=Measure.choices, default=Measure.MONTH_AVERAGE
    )
    basis = models.CharField(
        _("资产口径"), max_length=20, choices=Basis.choices, default=Basis.CUSTOMER
    )
    grace_months = models.PositiveSmallIntegerField(
        _("降级观察期（月）"),
        default=2,
        help_text=_("连续若干个月低于本级门槛才降级；填 1 表示立即降级。"),
    )
    vip_card_months = models.PositiveSmallIntegerField(
        _("贵宾卡有效期（月）"),
        default=24,
        help_text=_("客户升入须指定客户经理的等级时发放贵宾卡（贵宾身份凭证）的有效期。"),
    )
    in_force = models.BooleanField(_("当前生效"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("分级方案")
        verbose_name_plural = _("分级方案")
        ordering = ["-in_force", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["in_force"], condition=Q(in_force=True), name="tier_scheme_one_in_force"
            ),
            models.CheckConstraint(
                condition=Q(grace_months__gte=1, grace_months__lte=12),
                name="tier_scheme_grace_months",
            ),
        ]
        permissions = [("evaluate_tiers", _("执行客户分级"))]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """One tier of a scheme: its lower bound of assets and who looks after its customers.

    ``rank`` orders the tiers (1 is the lowest); a customer whose assets are below the
    lowest tier's bound has no tier. ``requires_manager``: every customer of the tier
    must have one responsible manager (人户合一).
    """

    scheme = models.ForeignKey(TierScheme, on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField(_("等级代码"), max_length=30)
    name = models.CharField(_("等级名称"), max_length=50)
    # Tier names are the bank's data, not the program's text: the English page shows
    # this one (the default scheme's tiers come with theirs).
    name_en = models.CharField(
        _("英文名称"),
        max_length=50,
        blank=True,
        help_text=_("英文界面显示的等级名称；留空则显示中文名称。"),
    )
    rank = models.PositiveSmallIntegerField(_("级次"))
    min_aum = YuanField(_("资产下限（元）"))
    responsible_role = models.CharField(_("负责岗位"), max_length=30, choices=Role.choices)
    requires_manager = models.BooleanField(_("须指定客户经理"), default=False)
    contact_interval_days = models.PositiveSmallIntegerField(
        _("最长联系间隔（天）"),
        null=True,
        blank=True,
        help_text=_("超过该天数未联系，提醒负责人；留空则不提醒。"),
    )

    class Meta:
        verbose_name = _("客户等级")
        verbose_name_plural = _("客户等级")
        ordering = ["scheme", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="tier_code_unique"),
            models.UniqueConstraint(fields=["scheme", "rank"], name="tier_rank_unique"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="tier_rank_positive"),
            models.CheckConstraint(condition=Q(min_aum__gte=0), name="tier_min_not_negative"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The tier's name in the language of the page."""
        if self.name_en and not (get_language() or "zh-hans").startswith("zh"):
            return self.name_en
        return self.name

    @property
    def min_aum_wan(self):
        return self.min_aum / TEN_THOUSAND

    @property
    def needs_assignment(self) -> bool:
        """Its customers without a manager are listed for the outlet head to assign."""
        return self.requires_manager or self.responsible_role == Role.CUSTOMER_MANAGER


class Direction(models.TextChoices):
    UP = "up", _("升级")
    DOWN = "down", _("降级")


class TierChange(CustomerPart):
    """An upgrade or downgrade (客户升降级): an event the care reminders act on."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="tier_changes"
    )
    evaluated_on = models.DateField(_("评级日"))
    old_tier = models.CharField(_("原等级"), max_length=30, blank=True)
    new_tier = models.CharField(_("新等级"), max_length=30, blank=True)
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices)
    measure = FenField(_("评级资产（分）"))
    scheme = models.ForeignKey(TierScheme, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("客户升降级")
        verbose_name_plural = _("客户升降级")
        indexes = [models.Index(fields=["evaluated_on", "direction"], name="tier_change_day")]

    @property
    def measure_yuan(self):
        return yuan(self.measure)


class TierRun(models.Model):
    """One evaluation of every customer for a day, and what it changed: at most one per
    scheme and day (a re-run of a finished day records nothing)."""

    day = models.DateField(_("评级日"))
    scheme = models.ForeignKey(TierScheme, on_delete=models.PROTECT, related_name="runs")
    evaluated = models.PositiveIntegerField(_("评级客户数"), default=0)
    upgrades = models.PositiveIntegerField(_("升级"), default=0)
    downgrades = models.PositiveIntegerField(_("降级"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("分级执行记录")
        verbose_name_plural = _("分级执行记录")
        ordering = ["-day", "-finished_at"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "day"], name="tier_run_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.scheme_id}"


class PotentialVipStatus(models.TextChoices):
    OPEN = "open", _("待跟进")
    FOLLOWED = "followed", _("已跟进")


class PotentialVip(CustomerPart):
    """A customer below VIP tier seen making a single transaction of 10万 or more
    (潜在贵宾, DOMAIN §5): for the lobby and customer managers to approach."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="potential_vip_flags"
    )
    flagged_on = models.DateField(_("发现日期"))
    amount = FenField(_("单笔最大金额（分）"))
    tier = models.CharField(_("当时等级"), max_length=30, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=PotentialVipStatus.choices,
        default=PotentialVipStatus.OPEN,
        db_default=PotentialVipStatus.OPEN,
    )
    followed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    followed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("潜在贵宾")
        verbose_name_plural = _("潜在贵宾")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "flagged_on"], name="potential_vip_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["status", "flagged_on"], name="potential_vip_open")]

    @property
    def amount_yuan(self):
        return yuan(self.amount)


class VipCard(CustomerPart):
    """A VIP card (贵宾卡): the token of a customer's VIP status and its services (VIP
    counters, lounges), valid for a period. Not a payment card: it has no number or
    security data (JR/T 0171 forbids storing a payment card's expiry date).

    Issued by the evaluation when a customer is upgraded into a tier that needs a
    manager and holds no valid card; its end two months ahead is a care reminder.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="vip_cards"
    )
    tier = models.CharField(_("等级"), max_length=30)
    issued_on = models.DateField(_("发放日期"))
    valid_until = models.DateField(_("有效期至"))

    class Meta:
        verbose_name = _("贵宾卡")
        verbose_name_plural = _("贵宾卡")
        indexes = [
            models.Index(fields=["customer", "valid_until"], name="vip_card_customer"),
            models.Index(fields=["valid_until"], name="vip_card_valid_until"),
        ]
