"""Loyalty points (积分): earning rules, the ledger (积分流水) and the lots points are
spent from.

The ledger is append-only: an entry is never changed or deleted (on PostgreSQL a
trigger refuses it); a mistake is corrected by a reversing entry. Every entry has a
unique idempotency key, so a batch or a request run twice writes once.

Points are integers. A customer's points sit in lots, one per expiry date: points
earned in a year expire together at the end of a later year, so all points with the
same expiry are interchangeable. Spending takes from the lot that expires first, and
every spend records which lots it took from (:class:`PointsSpend`), so that a
cancelled redemption gives the points back to the lots they came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import YuanField
from kewei.customers.models import CustomerPart
from kewei.products.models import Category, EventKind, Product


class RuleKind(models.TextChoices):
    BALANCE = "balance", _("余额积分")
    SPENDING = "spending", _("刷卡消费积分")
    EVENT = "event", _("业务事件积分")


class EarningRule(models.Model):
    """One version of an earning rule (积分规则), in force over the days
    ``[effective_from, effective_to)`` (``effective_to`` empty: until replaced).

    A change of a rule is a new version from a date; the old version ends that day, so
    past days keep the rules of their time. ``code`` names the rule across versions.

    - balance: ``points`` per 10,000 元 (万元) of the day's balance in ``category``;
    - spending: ``points`` per ``unit_yuan`` of card spending: payments to merchants
      from holdings of ``category`` (credit cards; demand deposits for debit cards);
    - event: ``points`` per business event of ``event_kind``.
    """

    code = models.CharField(_("规则代码"), max_length=30)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=RuleKind.choices)
    category = models.CharField(_("产品类别"), max_length=30, choices=Category.choices, blank=True)
    event_kind = models.CharField(
        _("业务事件"), max_length=30, choices=EventKind.choices, blank=True
    )
    points = models.DecimalField(_("积分"), max_digits=12, decimal_places=4)
    unit_yuan = YuanField(_("每多少元"), max_digits=12, null=True, blank=True)
    excluded_products = models.ManyToManyField(
        Product, verbose_name=_("不计积分的产品"), blank=True, related_name="+"
    )
    excluded_channels = models.JSONField(_("不计积分的渠道"), default=list, blank=True)
    effective_from = models.DateField(_("生效日"))
    effective_to = models.DateField(_("失效日（不含）"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="rule_version"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="rule_period_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(points__gt=0),
                name="rule_points_positive",
                violation_error_message=_("积分须大于零。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=RuleKind.BALANCE, event_kind="", unit_yuan__isnull=True)
                    & ~Q(category="")
                )
                | (
                    Q(kind=RuleKind.SPENDING, event_kind="", unit_yuan__isnull=False)
                    & Q(unit_yuan__gt=0)
                    & ~Q(category="")
                )
                | (Q(kind=RuleKind.EVENT, category="", unit_yuan__isnull=True) & ~Q(event_kind="")),
                name="rule_fields_match_kind",
                violation_error_message=_(
                    "余额与消费积分须选择产品类别，消费积分须填写每多少元，事件积分须选择业务事件。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def in_force(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class PointsPolicy(models.Model):
    """The points settings in force from ``effective_from`` until the next version: the
    monthly cap per customer, when points expire, and the multipliers by tier."""

    effective_from = models.DateField(_("生效日"), unique=True)
    monthly_cap = models.PositiveIntegerField(
        _("每客户每月积分上限"), null=True, blank=True, help_text=_("留空表示不设上限。")
    )
    expiry_years = models.PositiveSmallIntegerField(
        _("有效期（年）"),
        default=1,
        help_text=_("某年获得的积分在其后第几年年末到期；1 表示次年 12 月 31 日到期。"),
    )
    # {tier code: multiplier as text, e.g. "1.5"}; tiers not listed earn at 1.
    tier_multipliers = models.JSONField(_("等级倍数"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分参数")
        verbose_name_plural = _("积分参数")
        constraints = [
            models.CheckConstraint(condition=Q(expiry_years__gte=1), name="policy_expiry_years"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}"


class PointsAccount(CustomerPart):
    """A customer's points balance: the sum of their entries, kept with every entry
    under a row lock (or by one set-based statement in a batch)."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="points_account",
    )
    balance = models.BigIntegerField(_("积分余额"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class PointsLot(CustomerPart):
    """The customer's points that expire on one day (``expires_on`` is the last day on
    which they can be spent): ``earned`` in all, ``remaining`` not yet spent."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    expires_on = models.DateField(_("到期日"))
    earned = models.BigIntegerField(_("累计获得"), default=0)
    remaining = models.BigIntegerField(_("剩余"), default=0)

    class Meta:
        verbose_name = _("积分批次")
        verbose_name_plural = _("积分批次")
        constraints = [
            models.UniqueConstraint(fields=["customer", "expires_on"], name="points_lot_unique"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("earned")),
                name="points_lot_within_earned",
            ),
        ]
        indexes = [models.Index(fields=["expires_on"], name="points_lot_expiry")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.expires_on}: {self.remaining}/{self.earned}"


class EntryKind(models.TextChoices):
    EARN = "earn", _("积分获得")
    REDEEM = "redeem", _("积分兑换")
    CANCEL_REDEEM = "cancel_redeem", _("兑换撤销")
    EXPIRE = "expire", _("积分过期")
    ADJUST = "adjust", _("手工调整")
    REVERSAL = "reversal", _("冲正")
    MERGE = "merge", _("客户合并转移")


class PointsEntry(CustomerPart):
    """One line of the points flow (积分流水). Append-only.

    ``points`` is signed: positive entries add to the lot that expires on
    ``expires_on``; negative entries took from the lots their :class:`PointsSpend`
    rows name. ``rule`` is set for earned points, ``document`` names what else the
    entry comes from (a redemption, an adjustment, the entry it reverses).
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("类型"), max_length=15, choices=EntryKind.choices)
    points = models.BigIntegerField(_("积分"))
    occurred_on = models.DateField(_("业务日期"))
    expires_on = models.DateField(_("到期日"), null=True, blank=True)
    rule = models.ForeignKey(
        EarningRule,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    reason = models.CharField(_("原因"), max_length=200)
    document = models.CharField(_("单据"), max_length=60, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    idempotency_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="points_entry_key"),
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero"),
        ]
        indexes = [
            models.Index(fields=["customer", "occurred_on"], name="points_entry_customer_day")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.points:+d}"

    @property
    def document_number(self) -> str:
        """The document the entry comes from, as the statement shows it. A redemption's
        entry is written before the redemption (which refers to it), so its slip number
        (兑换单号) comes from the redemption; select ``redemption`` with the entries."""
        if self.document:
            return self.document
        if self.kind == EntryKind.REDEEM:
            redemption = getattr(self, "redemption", None)  # none: raises AttributeError
            return redemption.number if redemption is not None else ""
        return ""


class PointsSpend(models.Model):
    """How many points an entry took from one lot (positive), or gave back to it
    (negative: a cancelled redemption returns points to the lots they came from).
    Append-only, like the entries."""

    entry = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="spends")
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, related_name="spends")
    points = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="points_spend_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.lot_id}: {self.points}"


class AccrualDay(models.Model):
    """A day whose points were accrued: accruing it again finds it here and does
    nothing."""

    day = models.DateField(_("积分日"), unique=True)
    entries = models.PositiveIntegerField(default=0)
    points = models.BigIntegerField(default=0)
    accrued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分计算批次")
        verbose_name_plural = _("积分计算批次")

    def __str__(self) -> str:
        return str(self.day)


class MonthEarned(models.Model):
    """Points a customer earned by the rules in a month: what the monthly cap compares
    with, kept by the accrual (one row per customer and month)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.DateField()
    points = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="points_month_earned"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}: {self.points}"


class StagedAccrual(models.Model):
    """Staging of one accrual: the day's points per customer and rule, as awarded
    (after multipliers and the cap). Empty outside an accrual's transaction."""

    customer_id = models.BigIntegerField()
    rule_id = models.BigIntegerField()
    points = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rule_id}: {self.points}"


class GiftStatus(models.TextChoices):
    ACTIVE = "active", _("可兑换")
    WITHDRAWN = "withdrawn", _("已下架")


class Gift(models.Model):
    """A gift of the catalogue (礼品管理) with its points price and stock. The stock
    changes only through recorded movements (:class:`StockMovement`)."""

    code = models.CharField(_("礼品编号"), max_length=30)
    name = models.CharField(_("礼品名称"), max_length=100)
    picture = models.FileField(_("图片"), upload_to="gifts/", blank=True)
    description = models.TextField(_("说明"), blank=True)
    points_price = models.PositiveIntegerField(_("所需积分"))
    cash_price = YuanField(_("另付现金（元）"), max_digits=10, default=0)
    stock = models.IntegerField(_("库存"), default=0)
    per_customer_limit = models.PositiveIntegerField(
        _("每客户限兑"), null=True, blank=True, help_text=_("留空表示不限。")
    )
    valid_from = models.DateField(_("兑换起始日"), null=True, blank=True)
    valid_to = models.DateField(_("兑换截止日"), null=True, blank=True)
    tiers = models.JSONField(
        _("可兑换等级"), default=list, blank=True, help_text=_("留空表示所有等级。")
    )
    outlets = models.ManyToManyField(
        "organisation.Department",
        verbose_name=_("领取网点"),
        blank=True,
        related_name="+",
        help_text=_("留空表示所有网点。"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=GiftStatus.choices, default=GiftStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("礼品")
        verbose_name_plural = _("礼品")
        constraints = [
            models.UniqueConstraint(fields=["code"], name="gift_code_unique"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="gift_stock_not_negative"),
            models.CheckConstraint(condition=Q(points_price__gt=0), name="gift_price_positive"),
        ]
        permissions = [("redeem_gift", _("办理积分兑换"))]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("points:gift_detail", args=[self.pk])


class StockKind(models.TextChoices):
    RECEIPT = "receipt", _("入库")
    WRITE_OFF = "write_off", _("报损")
    REDEEM = "redeem", _("兑换出库")
    CANCEL = "cancel", _("撤销兑换退回")


class StockMovement(models.Model):
    """One change of a gift's stock: a receipt, a write-off, a redemption or its
    cancellation. The stock is the sum of its movements."""

    gift = models.ForeignKey(Gift, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("类型"), max_length=10, choices=StockKind.choices)
    quantity = models.IntegerField(_("数量"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("库存变动")
        verbose_name_plural = _("库存变动")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.gift_id} {self.kind} {self.quantity:+d}"


class RedemptionStatus(models.TextChoices):
    TO_COLLECT = "to_collect", _("待领取")
    COLLECTED = "collected", _("已领取")
    SENT = "sent", _("已寄送")
    CANCELLED = "cancelled", _("已撤销")


class Redemption(CustomerPart):
    """A customer's exchange of points for a gift (积分兑换), with its delivery."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    gift = models.ForeignKey(
        Gift, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("礼品")
    )
    quantity = models.PositiveIntegerField(_("数量"))
    points = models.PositiveIntegerField(_("积分"))
    cash = YuanField(_("另付现金（元）"), max_digits=12, default=0)
    outlet = models.ForeignKey(
        "organisation.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("领取网点"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=RedemptionStatus.choices,
        default=RedemptionStatus.TO_COLLECT,
    )
    entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="redemption")
    cancel_entry = models.OneToOneField(
        PointsEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The customer's points balance just after the exchange, as the receipt shows it
    # (empty for redemptions made before it was kept).
    balance_after = models.BigIntegerField(_("兑换后积分余额"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("兑换时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("交付时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="redemption_key"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="redemption_quantity"),
        ]
        indexes = [
            models.Index(fields=["customer", "gift"], name="redemption_customer_gift"),
            models.Index(fields=["outlet", "status"], name="redemption_outlet_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The slip number (兑换单号): the day and the row's id, so that no shared
        counter serialises redemptions at different counters."""
        return f"R{timezone.localtime(self.created_at):%Y%m%d}{self.pk:08d}"


class AdjustmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("待复核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Adjustment(CustomerPart):
    """A manual adjustment of a customer's points, proposed by one staff member and
    approved by another (maker–checker); only an approved one writes an entry."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户")
    )
    points = models.IntegerField(_("调整积分"))
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("复核意见"), max_length=200, blank=True)
    entry = models.OneToOneField(
        PointsEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("积分调整")
        verbose_name_plural = _("积分调整")
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="adjustment_not_zero"),
        ]
        permissions = [
            ("approve_adjustment", _("复核积分调整")),
            ("approve_large_adjustment", _("复核大额积分调整")),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.points:+d}"
