"""Customer care (客户关怀): the rules that turn occasions into tasks, the tasks of each
member of staff, the contact log (客户工作日志) and action plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import FenField
from kewei.core.money import yuan
from kewei.core.scope import DataScope, ScopedModel
from kewei.customers.models import CustomerPart, customer_scope_q
from kewei.organisation.roles import Role

# A task goes to the customer's responsible manager; without one, to the staff of the
# role responsible for the customer's tier in the customer's outlet.
RESPONSIBLE = "responsible"


def assignee_choices():
    return [(RESPONSIBLE, _("客户的负责人")), *Role.choices]


class Trigger(models.TextChoices):
    DATE = "date", _("日期提醒（日期字段加偏移）")
    LARGE_MOVEMENT = "large_movement", _("大额资金异动")
    LOAN_DISBURSED = "loan_disbursed", _("个贷放款")
    TARGET_REACHED = "target_reached", _("投资达到预期收益")
    ACCOUNT_OPENED = "account_opened", _("新开账户")
    TIER_UP = "tier_up", _("客户升级")
    TIER_DOWN = "tier_down", _("客户降级")
    POINTS_EXPIRING = "points_expiring", _("积分即将到期")
    NO_CONTACT = "no_contact", _("超期未联系")


class CareRule(models.Model):
    """One trigger of care (关怀时机, DOMAIN §4) and how its task is made.

    The occasion's date: for a date rule, the date field of the ``source`` plus
    ``offset_days`` (birthdays fall every year; ``repeat_days`` repeats the occasion
    ``repeat_times`` more times, as the follow-ups every 2–3 months after a sale); for
    the other triggers, the day the event happened. The task appears ``lead_days``
    before the occasion and is due ``due_days`` after it, on the working day on or
    before that date. ``tiers`` and ``categories`` narrow the rule (empty: all).
    """

    code = models.CharField(_("规则代码"), max_length=30, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    trigger = models.CharField(_("触发类型"), max_length=20, choices=Trigger.choices)
    source = models.CharField(_("日期字段"), max_length=40, blank=True)
    offset_days = models.SmallIntegerField(_("日期偏移（天）"), default=0)
    repeat_days = models.PositiveSmallIntegerField(_("重复间隔（天）"), null=True, blank=True)
    repeat_times = models.PositiveSmallIntegerField(_("重复次数"), default=0)
    lead_days = models.PositiveSmallIntegerField(_("提前天数"), default=0)
    due_days = models.SmallIntegerField(_("完成期限（天）"), default=0)
    window_days = models.PositiveSmallIntegerField(
        _("观察天数"), default=60, help_text=_("积分到期提醒：多少天内到期。")
    )
    assignee = models.CharField(_("负责人"), max_length=30, default=RESPONSIBLE)
    tiers = models.JSONField(_("适用等级"), default=list, blank=True)
    categories = models.JSONField(_("适用产品类别"), default=list, blank=True)
    action_plan = models.ForeignKey(
        "ActionPlan",
        verbose_name=_("启动行动计划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The message occasion (birthday, maturity ...) whose template suggests what to say.
    occasion = models.CharField(_("话术场景"), max_length=20, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("关怀规则")
        verbose_name_plural = _("关怀规则")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(trigger="date") | ~Q(source=""), name="care_rule_date_has_source"
            ),
            models.CheckConstraint(
                condition=Q(repeat_times=0) | Q(repeat_days__gte=1), name="care_rule_repeat"
            ),
        ]
        permissions = [("run_care", _("执行关怀提醒"))]

    def __str__(self) -> str:
        return self.name

    @property
    def assignee_label(self) -> str:
        return str(dict(assignee_choices()).get(self.assignee, self.assignee))


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class TaskReason(models.TextChoices):
    """Why a task exists: a rule's trigger, or how it was made by hand."""

    RULE = "rule", _("关怀规则")
    FOLLOW_UP = "follow_up", _("预约跟进")
    PLAN = "plan", _("行动计划")
    REPLY = "reply", _("客户回复")
    COMPLAINT = "complaint", _("客户投诉")
    EVENT = "event", _("客户活动")
    CHURN_RISK = "churn_risk", _("流失预警")
    MANUAL = "manual", _("手工任务")


class Task(CustomerPart):
    """Something a member of staff is to do for a customer, by a day.

    ``assignee`` is the person; when the customer has nobody, the task waits for the
    staff of ``role`` in ``department``. ``subject`` names the occasion within its rule
    (the same occasion never makes a second task, even after the first is done), or the
    step within its plan run (each step makes one task).
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="care_tasks"
    )
    reason = models.CharField(_("来源"), max_length=10, choices=TaskReason.choices)
    rule = models.ForeignKey(
        CareRule, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    plan_run = models.ForeignKey(
        "PlanRun", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    subject = models.CharField(max_length=80, blank=True)
    title = models.CharField(_("任务"), max_length=200, blank=True)
    event_on = models.DateField(_("事由日期"))
    due_on = models.DateField(_("完成期限"))
    amount = FenField(_("金额（分）"), null=True, blank=True)
    product = models.ForeignKey(
        "products.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_tasks",
        db_index=False,  # served by the (assignee, status, due_on) index
    )
    role = models.CharField(_("负责岗位"), max_length=30, blank=True)
    department = models.ForeignKey(
        "organisation.Department",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    created_on = models.DateField(_("生成日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("关怀任务")
        verbose_name_plural = _("关怀任务")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "customer", "subject"],
                condition=Q(rule__isnull=False),
                name="care_task_once_per_occasion",
            ),
            # A step of a started plan makes one task, whoever started the plan (the
            # subject of a step task is ``step:<order>:<plan run>``).
            models.UniqueConstraint(
                fields=["plan_run", "subject"],
                condition=Q(plan_run__isnull=False),
                name="care_task_once_per_plan_step",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"], name="care_task_assignee"),
            models.Index(fields=["department", "role", "status", "due_on"], name="care_task_role"),
            models.Index(fields=["customer", "status"], name="care_task_customer"),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("care:task_detail", args=[self.pk])

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        if self.rule_id:
            return self.rule.name
        return self.get_reason_display()

    @property
    def amount_yuan(self):
        return yuan(self.amount)

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role in Role.values else self.role

    @property
    def group(self) -> str:
        """What the task is grouped under on "my day": its rule, or how it was made."""
        return self.rule.name if self.rule_id else self.get_reason_display()


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    VISIT = "visit", _("面谈")
    LETTER = "letter", _("信函")
    EMAIL = "email", _("电子邮件")
    WECHAT = "wechat", _("微信")
    EVENT = "event", _("客户活动")


class ContactPurpose(models.TextChoices):
    CARE = "care", _("关怀问候")
    MATURITY = "maturity", _("到期提醒")
    MARKETING = "marketing", _("产品营销")
    FOLLOW_UP = "follow_up", _("售后回访")
    SERVICE = "service", _("业务服务")
    COMPLAINT = "complaint", _("投诉处理")
    INVITATION = "invitation", _("活动邀约")
    OTHER = "other", _("其他")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("已沟通")
    NOT_REACHED = "not_reached", _("未联系上")
    INTERESTED = "interested", _("有意向")
    SOLD = "sold", _("已成交")
    DECLINED = "declined", _("婉拒")


class Contact(CustomerPart):
    """One contact with a customer (客户工作日志): who, how, why, what came of it."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="contacts"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联系人员"),
        on_delete=models.PROTECT,
        related_name="contacts",
        db_index=False,  # served by the (staff, contacted_on) index
    )
    channel = models.CharField(_("方式"), max_length=10, choices=ContactChannel.choices)
    purpose = models.CharField(_("目的"), max_length=12, choices=ContactPurpose.choices)
    summary = models.TextField(_("沟通内容"), blank=True)
    outcome = models.CharField(_("结果"), max_length=12, choices=ContactOutcome.choices)
    contacted_at = models.DateTimeField(_("联系时间"), default=timezone.now)
    contacted_on = models.DateField(_("联系日期"))
    next_follow_up = models.DateField(_("下次跟进日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("客户工作日志")
        verbose_name_plural = _("客户工作日志")
        indexes = [
            models.Index(fields=["staff", "contacted_on"], name="contact_staff_day"),
            models.Index(fields=["customer", "-contacted_at"], name="contact_customer"),
        ]
        permissions = [("review_contacts", _("查看团队工作日志与5-20执行情况"))]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.contacted_on}"


class ContactComment(ScopedModel):
    """A supervisor's comment on a log entry (主管点评)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("点评"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("日志点评")
        verbose_name_plural = _("日志点评")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:30]

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return customer_scope_q(scope, prefix="contact__customer__")


class ActionPlan(models.Model):
    """A named sequence of tasks (行动计划), for example "new VIP onboarding": call within
    3 days, visit within two weeks, invite to the next salon."""

    code = models.CharField(_("计划代码"), max_length=30, unique=True)
    name = models.CharField(_("计划名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("行动计划")
        verbose_name_plural = _("行动计划")
        ordering = ["code"]
        permissions = [("start_actionplan", _("为客户启动行动计划"))]

    def __str__(self) -> str:
        return self.name


class ActionPlanStep(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    title = models.CharField(_("任务"), max_length=200)
    channel = models.CharField(
        _("建议方式"), max_length=10, choices=ContactChannel.choices, blank=True
    )
    offset_days = models.PositiveSmallIntegerField(_("开始后第几天完成"))
    assignee = models.CharField(_("负责人"), max_length=30, default=RESPONSIBLE)

    class Meta:
        verbose_name = _("行动计划步骤")
        verbose_name_plural = _("行动计划步骤")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="plan_step_order_unique")
        ]

    def __str__(self) -> str:
        return self.title

    def get_assignee_display(self) -> str:
        return str(dict(assignee_choices()).get(self.assignee, self.assignee))


class PlanRun(CustomerPart):
    """An action plan started for a customer, by hand or by a rule's trigger."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="runs")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="plan_runs"
    )
    started_on = models.DateField(_("开始日期"))
    rule = models.ForeignKey(
        CareRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=80, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("行动计划执行")
        verbose_name_plural = _("行动计划执行")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "customer", "subject"],
                condition=Q(rule__isnull=False),
                name="plan_run_once_per_occasion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.started_on}"
