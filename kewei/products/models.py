"""Products (产品管理), what customers hold (持仓), their balances over time, fund flows
(资金流水), business events, the assets derived from them, and the daily feed's log.

Amounts in the high-volume tables (balances, transactions, assets) are integers in 分
(fen, 0.01 CNY): exact on every database (SQLite has no decimal type) and fast to sum.
Python code turns them into ``Decimal`` yuan at the edge (:func:`kewei.core.money.yuan`).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import FenField
from kewei.core.masking import mask_account_number
from kewei.core.money import yuan
from kewei.core.scope import DataScope
from kewei.customers.models import CustomerPart, customer_scope_q


class AssetKind(models.TextChoices):
    """How a category's balances count in the customer's assets."""

    DEPOSIT = "deposit", _("存款")
    INVESTMENT = "investment", _("投资理财")
    LOAN = "loan", _("贷款")
    SERVICE = "service", _("服务签约")


class Category(models.TextChoices):
    DEMAND_DEPOSIT = "demand_deposit", _("活期存款")
    TIME_DEPOSIT = "time_deposit", _("定期存款")
    LARGE_CD = "large_cd", _("大额存单")
    WEALTH = "wealth", _("理财产品")
    FUND = "fund", _("基金")
    FUND_PLAN = "fund_plan", _("基金定投")
    INSURANCE = "insurance", _("代理保险")
    PRECIOUS_METAL = "precious_metal", _("贵金属")
    DEBIT_CARD = "debit_card", _("借记卡")
    CREDIT_CARD = "credit_card", _("信用卡")
    PERSONAL_LOAN = "personal_loan", _("个人贷款")
    MORTGAGE = "mortgage", _("住房贷款")
    E_BANKING = "e_banking", _("网上银行")
    MOBILE_BANKING = "mobile_banking", _("手机银行")
    THIRD_PARTY_DEPOSITORY = "cts", _("三方存管")
    PAYROLL = "payroll", _("代发工资")


# Deposits and investments make up assets under management (金融资产, AUM); loans and
# credit-card debt are shown apart; service products (cards, e-banking, payroll) carry
# no balance of their own (a debit card's money is its demand deposit).
CATEGORY_KIND: dict[str, str] = {
    Category.DEMAND_DEPOSIT: AssetKind.DEPOSIT,
    Category.TIME_DEPOSIT: AssetKind.DEPOSIT,
    Category.LARGE_CD: AssetKind.DEPOSIT,
    Category.WEALTH: AssetKind.INVESTMENT,
    Category.FUND: AssetKind.INVESTMENT,
    Category.FUND_PLAN: AssetKind.INVESTMENT,
    Category.INSURANCE: AssetKind.INVESTMENT,
    Category.PRECIOUS_METAL: AssetKind.INVESTMENT,
    Category.THIRD_PARTY_DEPOSITORY: AssetKind.INVESTMENT,
    Category.CREDIT_CARD: AssetKind.LOAN,
    Category.PERSONAL_LOAN: AssetKind.LOAN,
    Category.MORTGAGE: AssetKind.LOAN,
    Category.DEBIT_CARD: AssetKind.SERVICE,
    Category.E_BANKING: AssetKind.SERVICE,
    Category.MOBILE_BANKING: AssetKind.SERVICE,
    Category.PAYROLL: AssetKind.SERVICE,
}
AUM_CATEGORIES = tuple(
    c for c, kind in CATEGORY_KIND.items() if kind in (AssetKind.DEPOSIT, AssetKind.INVESTMENT)
)
LOAN_CATEGORIES = tuple(c for c, kind in CATEGORY_KIND.items() if kind == AssetKind.LOAN)
# Investment products sold under suitability rules carry a risk level (R1–R5).
RISK_RATED_CATEGORIES = (
    Category.WEALTH,
    Category.FUND,
    Category.FUND_PLAN,
    Category.INSURANCE,
    Category.PRECIOUS_METAL,
)


class RiskLevel(models.TextChoices):
    R1 = "R1", _("R1 谨慎型")
    R2 = "R2", _("R2 稳健型")
    R3 = "R3", _("R3 平衡型")
    R4 = "R4", _("R4 进取型")
    R5 = "R5", _("R5 激进型")


class Currency(models.TextChoices):
    CNY = "CNY", _("人民币")
    USD = "USD", _("美元")
    HKD = "HKD", _("港币")
    EUR = "EUR", _("欧元")
    GBP = "GBP", _("英镑")
    JPY = "JPY", _("日元")


class ProductStatus(models.TextChoices):
    ON_SALE = "on_sale", _("在售")
    CLOSED = "closed", _("停售")


class Product(models.Model):
    """One product of the bank's catalogue, kept by the retail banking department."""

    code = models.CharField(_("产品代码"), max_length=30, unique=True)
    name = models.CharField(_("产品名称"), max_length=100)
    category = models.CharField(_("产品类别"), max_length=20, choices=Category.choices)
    risk_level = models.CharField(
        _("风险等级"), max_length=2, choices=RiskLevel.choices, blank=True
    )
    term_days = models.PositiveIntegerField(
        _("期限（天）"), null=True, blank=True, help_text=_("无固定期限的产品留空。")
    )
    currency = models.CharField(
        _("币种"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.ON_SALE
    )
    sale_start = models.DateField(_("起售日"), null=True, blank=True)
    sale_end = models.DateField(_("止售日"), null=True, blank=True)
    description = models.TextField(_("产品说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = _("产品")
        ordering = ["category", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sale_end__isnull=True)
                | Q(sale_start__isnull=True)
                | Q(sale_end__gte=models.F("sale_start")),
                name="product_sale_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self) -> str:
        return reverse("products:product_detail", args=[self.pk])

    @property
    def kind(self) -> str:
        return CATEGORY_KIND[self.category]


class HoldingStatus(models.TextChoices):
    OPEN = "open", _("持有")
    MATURED = "matured", _("已到期")
    CLOSED = "closed", _("已销户")


class Holding(CustomerPart):
    """A customer's position in one product (持仓): an account, a deposit certificate,
    a fund position, a card, a loan contract, a signed service."""

    account_number = models.CharField(_("账号/合同号"), max_length=40)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="holdings",
        db_index=False,  # served by the (customer, status) index
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("产品"),
        on_delete=models.PROTECT,
        related_name="holdings",
        db_index=False,  # served by the (product, status) index
    )
    opened_on = models.DateField(_("开户日"))
    matures_on = models.DateField(_("到期日"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=HoldingStatus.choices, default=HoldingStatus.OPEN
    )
    # The balance on the latest loaded day (the full history is in BalanceInterval).
    balance = FenField(_("余额（分）"), default=0)

    class Meta:
        verbose_name = _("持仓")
        verbose_name_plural = _("持仓")
        # Keys are unique by constraints (no pattern-matching twin index on PostgreSQL):
        # they are matched exactly, and every extra index slows the daily load.
        constraints = [
            models.UniqueConstraint(fields=["account_number"], name="holding_account_unique")
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="holding_customer_status"),
            models.Index(fields=["product", "status"], name="holding_product_status"),
            models.Index(fields=["matures_on"], name="holding_maturity"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.masked_account_number}"

    def get_absolute_url(self) -> str:
        return reverse("products:holding_detail", args=[self.pk])

    @property
    def masked_account_number(self) -> str:
        return mask_account_number(self.account_number)

    @property
    def balance_yuan(self):
        return yuan(self.balance)


class BalanceInterval(CustomerPart):
    """A holding's balance over ``[valid_from, valid_to)``: a new row starts only when
    the balance changes, so years of daily balances take a few rows per holding.

    ``valid_to`` is exclusive; empty means "until the next change". A day that falls in
    no interval of a holding has a zero balance. Intervals of one holding never overlap.
    """

    # No database-level foreign key here and on Transaction: these rows are written
    # only by the feed loader, which takes the holding's id from the holdings table in
    # the same transaction, and holdings are never deleted. A constraint would check
    # each of a day's hundreds of thousands of rows again, one at a time (8 s of a
    # 1M-customer day on PostgreSQL).
    holding = models.ForeignKey(
        Holding,
        on_delete=models.CASCADE,
        related_name="balance_intervals",
        db_index=False,
        db_constraint=False,
    )
    valid_from = models.DateField(_("起始日"))
    valid_to = models.DateField(_("截止日（不含）"), null=True, blank=True)
    balance = FenField(_("余额（分）"))

    class Meta:
        verbose_name = _("余额区间")
        verbose_name_plural = _("余额区间")
        constraints = [
            models.UniqueConstraint(
                fields=["holding", "valid_from"], name="balance_interval_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="balance_interval_not_empty",
            ),
        ]
        indexes = [
            models.Index(fields=["valid_to", "holding"], name="balance_interval_end"),
        ]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return customer_scope_q(scope, prefix="holding__customer__")

    @property
    def balance_yuan(self):
        return yuan(self.balance)

    @property
    def last_day(self):
        """The interval's last day (``valid_to`` is exclusive), as staff read a period."""
        return self.valid_to - datetime.timedelta(days=1) if self.valid_to else None


class Direction(models.TextChoices):
    IN = "in", _("转入")
    OUT = "out", _("转出")


class Channel(models.TextChoices):
    COUNTER = "counter", _("柜面")
    ATM = "atm", _("自助设备")
    E_BANKING = "e_banking", _("网上银行")
    MOBILE = "mobile", _("手机银行")
    POS = "pos", _("POS")
    OTHER = "other", _("其他")


class CounterpartyKind(models.TextChoices):
    OWN_ACCOUNT = "own_account", _("本人账户")
    SAME_BANK = "same_bank", _("本行他人")
    OTHER_BANK = "other_bank", _("他行账户")
    MERCHANT = "merchant", _("商户")
    PAYROLL = "payroll", _("代发工资")
    CASH = "cash", _("现金")
    INTEREST = "interest", _("利息")
    OTHER = "other", _("其他")


class Transaction(CustomerPart):
    """A dated movement of money on a holding (资金流水), as the core system booked it."""

    transaction_id = models.CharField(_("流水号"), max_length=40)
    # (No database-level foreign keys: see BalanceInterval.holding.)
    holding = models.ForeignKey(
        Holding,
        verbose_name=_("持仓"),
        on_delete=models.PROTECT,
        related_name="transactions",
        db_index=False,  # served by the (holding, day) index
        db_constraint=False,
    )
    # The holding's customer, kept on the row: flows are read by customer and by day.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    booked_on = models.DateField(_("交易日期"))
    amount = FenField(_("金额（分）"))
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    counterparty_kind = models.CharField(
        _("对手类型"), max_length=12, choices=CounterpartyKind.choices
    )
    # At or above the large-movement threshold when loaded (大额资金异动).
    is_large = models.BooleanField(_("大额"), default=False)
    feed_day = models.DateField(_("装载批次日"))

    class Meta:
        verbose_name = _("资金流水")
        verbose_name_plural = _("资金流水")
        indexes = [
            models.Index(fields=["customer", "booked_on"], name="transaction_customer_day"),
            # A holding's page lists its flows, latest first.
            models.Index(fields=["holding", "booked_on"], name="transaction_holding_day"),
            # The day's large movements (the care reminders read them): only they are
            # indexed, so the index costs the day's load next to nothing.
            models.Index(
                fields=["booked_on"], condition=Q(is_large=True), name="transaction_day_large"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["transaction_id"], name="transaction_id_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="transaction_amount_positive"),
        ]

    @property
    def amount_yuan(self):
        return yuan(self.amount)


class EventKind(models.TextChoices):
    ACCOUNT_OPENED = "account_opened", _("新开账户")
    CARD_ACTIVATED = "card_activated", _("卡片激活")
    LOAN_DISBURSED = "loan_disbursed", _("个贷放款")
    MOBILE_BANKING_BOUND = "mobile_banking_bound", _("绑定手机银行")
    FUND_PLAN_SIGNED = "fund_plan_signed", _("签约基金定投")
    PRODUCT_MATURED = "product_matured", _("产品到期")
    TARGET_REACHED = "target_reached", _("投资达到预期收益")
    PAYROLL_SIGNED = "payroll_signed", _("签约代发工资")
    ACCOUNT_CLOSED = "account_closed", _("销户")
    # Made by Kewei itself (event ids "KW-..."): a referral that met its condition.
    REFERRAL_REWARD = "referral_reward", _("推荐奖励")


class BusinessEvent(CustomerPart):
    """A business event from the core system (loan disbursed, card activated ...) that
    points, care reminders and analytics react to."""

    event_id = models.CharField(_("事件编号"), max_length=40)
    kind = models.CharField(_("事件类型"), max_length=30, choices=EventKind.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("客户"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    holding = models.ForeignKey(
        Holding, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_on = models.DateField(_("发生日期"))
    amount = FenField(_("金额（分）"), null=True, blank=True)
    feed_day = models.DateField(_("装载批次日"))

    class Meta:
        verbose_name = _("业务事件")
        verbose_name_plural = _("业务事件")
        constraints = [models.UniqueConstraint(fields=["event_id"], name="event_id_unique")]
        indexes = [
            models.Index(fields=["customer", "occurred_on"], name="event_customer_day"),
            models.Index(fields=["occurred_on", "kind"], name="event_day_kind"),
        ]

    @property
    def amount_yuan(self):
        return yuan(self.amount) if self.amount is not None else None


class AssetsMonth(CustomerPart):
    """A customer's assets in one month, derived from the balances: the month-average
    daily AUM (月日均) that tiers use, and the AUM on the last day covered.

    Derived data, rebuilt for a month whenever a day of it is loaded; never edited.
    ``days`` counts the days covered so far (a month in progress covers up to the latest
    loaded day); the averages are over those days.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"))  # the first day of the month
    as_of = models.DateField(_("截至日"))
    days = models.PositiveSmallIntegerField(_("天数"))
    aum_average = FenField(_("金融资产月日均（分）"))
    aum_end = FenField(_("期末金融资产（分）"))
    loan_average = FenField(_("贷款月日均（分）"))
    loan_end = FenField(_("期末贷款（分）"))

    class Meta:
        verbose_name = _("客户月度资产")
        verbose_name_plural = _("客户月度资产")
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="assets_month_unique"),
        ]
        indexes = [models.Index(fields=["month", "aum_average"], name="assets_month_aum")]


class FeedDay(models.Model):
    """One day of the core system's daily feed (日终数据), and what its loading did."""

    day = models.DateField(_("数据日期"), unique=True)
    manifest_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("装载时间"), default=timezone.now)
    loads = models.PositiveIntegerField(_("装载次数"), default=1)
    counts = models.JSONField(_("各文件装载/拒绝行数"), default=dict)
    rejected = models.PositiveIntegerField(_("拒绝行数"), default=0)

    class Meta:
        verbose_name = _("日终数据")
        verbose_name_plural = _("日终数据")
        ordering = ["-day"]
        permissions = [("load_feed", _("装载日终数据"))]

    def __str__(self) -> str:
        return str(self.day)


class TransactionBatch(models.Model):
    """A batch of the day's transactions pushed by the core system through the API
    (``POST /api/v1/transactions/batches/``), checked and merged like the daily feed's
    transactions file. Pushing the same batch id again answers with this record."""

    batch_id = models.CharField(_("批次号"), max_length=64, unique=True)
    day = models.DateField(_("数据日期"))
    content_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    pushed_by = models.CharField(_("推送方"), max_length=120)
    loaded = models.PositiveIntegerField(_("装载行数"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝行数"), default=0)
    # [{"row": n, "column": ..., "reason": ...}], n counting the batch's rows from 1.
    rejects = models.JSONField(_("拒绝记录"), default=list)

    class Meta:
        verbose_name = _("流水推送批次")
        verbose_name_plural = _("流水推送批次")
        permissions = [("push_transactions", _("推送当日流水"))]

    def __str__(self) -> str:
        return self.batch_id


class FeedReject(models.Model):
    """A row of a daily feed file that was not loaded, and why (the latest load's)."""

    feed_day = models.ForeignKey(FeedDay, on_delete=models.CASCADE, related_name="rejects")
    file = models.CharField(_("文件"), max_length=40)
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=40)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("拒绝记录")
        verbose_name_plural = _("拒绝记录")
        ordering = ["file", "row"]

    def __str__(self) -> str:
        return f"{self.file}:{self.row} {self.column} {self.reason}"


class _Staging(models.Model):
    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.__class__.__name__} {self.pk}"


# Staging tables of the daily feed's loader. Transient: every load empties them first and
# works inside one transaction, so they hold rows only while a day is being loaded. Plain
# integer columns (no foreign keys): resolved ids are checked by the loader's SQL.


class StagedHolding(_Staging):
    """A row of the holdings file being loaded (rejected rows kept only to protect their
    holding's balance from being read as "absent")."""

    row = models.PositiveIntegerField()
    accepted = models.BooleanField(default=True, db_default=True)
    account_number = models.CharField(max_length=40)
    customer_number = models.CharField(max_length=20, db_default="")
    product_code = models.CharField(max_length=30, db_default="")
    opened_on = models.DateField(null=True)
    matures_on = models.DateField(null=True)
    status = models.CharField(max_length=10, db_default="")
    balance = FenField(null=True)
    customer_id = models.BigIntegerField(null=True)
    product_id = models.BigIntegerField(null=True)
    holding_id = models.BigIntegerField(null=True)
    # The holding's current balance before this load (empty for a new account).
    prior_balance = FenField(null=True)

    class Meta:
        # "Which holdings are missing from the file" probes this for every holding.
        indexes = [models.Index(fields=["holding_id"], name="staged_holding_holding")]


class StagedBalanceChange(_Staging):
    """A holding whose balance over the loaded day's range differs from what is stored;
    ``balance`` 0 removes it."""

    holding_id = models.BigIntegerField(primary_key=True)
    balance = FenField()


class StagedCustomer(_Staging):
    """A customer whose holdings changed in this load (coverage to recount)."""

    customer_id = models.BigIntegerField(primary_key=True)


class StagedAssets(_Staging):
    """The current AUM (分) of a customer whose balances changed in this load."""

    customer_id = models.BigIntegerField(primary_key=True)
    fen = FenField()
    crossed = models.BooleanField(default=False)  # crosses a 万元: its search copy changes


class StagedTransaction(_Staging):
    row = models.PositiveIntegerField()
    transaction_id = models.CharField(max_length=40)
    account_number = models.CharField(max_length=40)
    booked_on = models.DateField()
    amount = FenField()
    direction = models.CharField(max_length=3)
    channel = models.CharField(max_length=10)
    counterparty_kind = models.CharField(max_length=12)
    holding_id = models.BigIntegerField(null=True)
    customer_id = models.BigIntegerField(null=True)


class StagedEvent(_Staging):
    row = models.PositiveIntegerField()
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=30)
    customer_number = models.CharField(max_length=20)
    account_number = models.CharField(max_length=40, blank=True)
    product_code = models.CharField(max_length=30, blank=True)
    occurred_on = models.DateField()
    amount = FenField(null=True)
    customer_id = models.BigIntegerField(null=True)
    holding_id = models.BigIntegerField(null=True)
    product_id = models.BigIntegerField(null=True)
