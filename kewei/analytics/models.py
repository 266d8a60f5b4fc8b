"""Derived tables of the analytics (客户分析). Nothing here is written back into the
operational tables; every table can be rebuilt from the transactions and balances.

- :class:`ActivitySummary` and :class:`FlowMonth` absorb each transaction once, as it
  arrives (by id, after a watermark), so the latest measures never rescan history.
- :class:`CustomerMeasure` is one snapshot per evaluated day: RFM with its scores and
  segment, contribution and turnover with the A/B/C/D class, product coverage.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import FenField
from kewei.customers.models import CustomerPart


class Segment(models.TextChoices):
    """RFM segments from the recency and frequency scores (1–5, 5 best)."""

    CHAMPIONS = "champions", _("核心客户")
    LOYAL = "loyal", _("忠诚客户")
    POTENTIAL = "potential", _("潜力客户")
    NEW = "new", _("新客户")
    ATTENTION = "attention", _("需关注")
    AT_RISK = "at_risk", _("流失风险")
    HIBERNATING = "hibernating", _("沉睡客户")
    LOST = "lost", _("已流失")
    INACTIVE = "inactive", _("无交易")


class ValueClass(models.TextChoices):
    """Contribution × turnover (DOMAIN §3)."""

    A = "A", _("A 高贡献高周转")
    B = "B", _("B 高贡献低周转")
    C = "C", _("C 低贡献高周转")
    D = "D", _("D 低贡献低周转")


class ActivitySummary(CustomerPart):
    """A customer's active days so far (days with at least one transaction), the
    figures the BG/NBD summary needs: first and last active day, how many active days,
    the value of the first day and of all days (分)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Days as integers: days since 1970-01-01.
    first_active = models.IntegerField()
    first_value = FenField()
    last_active = models.IntegerField()
    active_days = models.PositiveIntegerField()
    total_value = FenField()

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.active_days} days"


class FlowMonth(CustomerPart):
    """A customer's money in and out in one month and product category (分)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()  # the first day of the month
    category = models.CharField(max_length=20)
    inflow = FenField(default=0)
    outflow = FenField(default=0)
    transactions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "month", "category"], name="flow_month_unique"
            )
        ]
        indexes = [models.Index(fields=["month"], name="flow_month_month")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.category}"


class Watermark(models.Model):
    """How far the incremental tables have absorbed the transactions (by id)."""

    name = models.CharField(max_length=30, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_id}"


class AnalyticsSettings(models.Model):
    """The analytics' configuration: margins per product category for contribution
    (annual spread on balances, fee rate on purchases) and the A/B/C/D thresholds."""

    # {category: {"spread": annual rate on the balance, "fee": rate on inflows}}
    margins = models.JSONField(_("各类产品利差和费率"), default=dict)
    contribution_threshold = FenField(_("高贡献门槛（分/年）"), default=100_000)
    turnover_threshold = FenField(_("高周转门槛（分/年）"), default=20_000_000)
    # Churn: assets fell by more than this share, or no activity for this many months.
    churn_drop = models.FloatField(_("资产降幅（流失）"), default=0.8)
    churn_idle_months = models.PositiveSmallIntegerField(_("无交易月数（流失）"), default=12)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("分析设置")
        verbose_name_plural = _("分析设置")
        permissions = [("view_analytics", _("查看客户分析"))]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class AnalyticsRun(models.Model):
    """One evaluated day of the analytics, with its counts."""

    day = models.DateField(unique=True)
    ran_at = models.DateTimeField(default=timezone.now)
    customers = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return str(self.day)


class CustomerDay(CustomerPart):
    """A row about a customer on an evaluated day, with the customer's department and
    manager of that day (so the dashboards group without joining the customers)."""

    day = models.DateField()
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    department = models.ForeignKey(
        "organisation.Department", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    manager = models.ForeignKey(
        "organisation.Staff",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        abstract = True


class CustomerMeasure(CustomerDay):
    """A customer's measures on an evaluated day (a snapshot; rebuilt, never edited)."""

    # The BG/NBD summary (lifetimes' definitions, daily): frequency = repeat active days,
    # recency = last − first active day, t = day − first active day (days), monetary =
    # mean value of the repeat days (分). Null without any active day.
    frequency = models.IntegerField(null=True)
    recency = models.IntegerField(null=True)
    t = models.IntegerField(null=True)
    monetary = models.FloatField(null=True)
    r_score = models.PositiveSmallIntegerField(null=True)
    f_score = models.PositiveSmallIntegerField(null=True)
    m_score = models.PositiveSmallIntegerField(null=True)
    segment = models.CharField(max_length=12, choices=Segment.choices)
    contribution = FenField(default=0)  # per year
    turnover = FenField(default=0)  # the last 12 months
    value_class = models.CharField(max_length=1, choices=ValueClass.choices)
    coverage = models.PositiveSmallIntegerField(default=0)
    aum = FenField(default=0)  # at the day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "customer"], name="measure_day_customer"),
        ]
        indexes = [
            models.Index(fields=["day", "department"], name="measure_day_department"),
            models.Index(fields=["day", "manager"], name="measure_day_manager"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.customer_id} {self.segment}"


class CoverageChurn(models.Model):
    """The observed churn by product coverage over a period: customers with
    ``coverage`` categories at ``start`` (5 means five or more), and how many of them
    had churned by ``end``. Per department (outlet) so each role sees its own."""

    day = models.DateField()  # the evaluated day that computed it
    start = models.DateField()
    end = models.DateField()
    department = models.ForeignKey(
        "organisation.Department", on_delete=models.CASCADE, related_name="+"
    )
    coverage = models.PositiveSmallIntegerField()
    customers = models.PositiveIntegerField()
    churned = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="coverage_churn_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.department_id} {self.coverage}: {self.churned}/{self.customers}"


class StagedActiveDay(models.Model):
    """Work table of the activity absorption: a customer's new transactions per day."""

    customer_id = models.BigIntegerField()
    booked_on = models.DateField()
    day = models.IntegerField()  # days since 1970-01-01
    value = FenField()
    is_new = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.customer_id} {self.booked_on}"


class StagedSummary(models.Model):
    """Work table: the activity summary of an earlier day, rebuilt from transactions."""

    customer_id = models.BigIntegerField(primary_key=True)
    first_active = models.IntegerField()
    first_value = FenField()
    last_active = models.IntegerField()
    active_days = models.IntegerField()
    total_value = FenField()

    def __str__(self) -> str:
        return str(self.customer_id)


class ChurnRisk(CustomerDay):
    """A customer's churn risk on an evaluated day: the transparent rule score (0–100)
    with the reasons that made it, and the trained model's probability."""

    score = models.PositiveSmallIntegerField(_("规则评分"))
    probability = models.FloatField(_("模型流失概率"), null=True)
    reasons = models.JSONField(_("主要原因"), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "customer"], name="churn_risk_day_customer")
        ]
        indexes = [
            models.Index(fields=["day", "department", "score"], name="churn_risk_department"),
            models.Index(fields=["day", "manager", "score"], name="churn_risk_manager"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.customer_id} {self.score}"


class ChurnModelRun(models.Model):
    """The churn model of an evaluated day: trained on one period, evaluated on the
    next, with its evaluation shown to the users."""

    day = models.DateField(unique=True)
    train_start = models.DateField()
    train_end = models.DateField()
    test_start = models.DateField()
    test_end = models.DateField()
    train_customers = models.PositiveIntegerField()
    test_customers = models.PositiveIntegerField()
    test_churn_rate = models.FloatField()
    auc = models.FloatField(null=True)  # null when the test period has one class only
    top_decile_precision = models.FloatField()
    rule_auc = models.FloatField(null=True)
    importances = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.day} AUC {self.auc}"
