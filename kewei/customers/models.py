"""The customer archive (客户信息档案): basic information and the seven kinds grown over
time, relationships, consent for marketing contact, and who looks after whom."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import EncryptedTextField, WanField, YuanField
from kewei.core.masking import mask_email, mask_id_number, mask_mobile
from kewei.core.scope import NOTHING, DataScope, ScopedModel, current_scope
from kewei.customers.identity import Gender, IdType

# The longest name a customer may have, in characters once whitespace is removed
# (``validation.clean_customer``). Its pinyin columns follow from it: a character reads
# as one syllable of at most six letters (庄 zhuang; a letter or digit passes as itself),
# and its initials are a letter a character.
NAME_MAX_LENGTH = 50
PINYIN_SYLLABLE_MAX_LENGTH = 6
NAME_PINYIN_MAX_LENGTH = NAME_MAX_LENGTH * PINYIN_SYLLABLE_MAX_LENGTH


def customer_scope_q(scope: DataScope, prefix: str = "") -> Q:
    """Customers visible in ``scope``; ``prefix`` reaches them from a related model.

    The department subtrees are resolved once per scope (request or job), to a list of
    ids when small (``organisation.selectors.subtree_department_q``).
    """
    from kewei.organisation.selectors import subtree_department_q

    visible = NOTHING
    if scope.customer_subtrees:
        visible |= subtree_department_q(scope, f"{prefix}department_id", scope.customer_subtrees)
    if scope.customer_book and scope.staff_id is not None:
        visible |= Q(**{f"{prefix}responsible_manager_id": scope.staff_id})
    return visible


def customer_department_paths() -> tuple[str, ...]:
    """The department subtrees whose customers the current user looks after: their
    customer scope, or their own department for a customer manager (their book)."""
    from kewei.organisation.models import Staff

    scope = current_scope()
    if scope is None or scope.system:
        return ("/",)
    paths = scope.customer_subtrees
    if scope.customer_book and scope.staff_id is not None:
        staff_id = scope.staff_id
        own = scope.resolved(
            ("own_department_path", staff_id),
            lambda: (
                Staff.objects.unrestricted()
                .values_list("department__path", flat=True)
                .get(pk=staff_id)
            ),
        )
        paths = (*paths, own)
    return paths


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    MERGED = "merged", _("已合并")
    # Left the bank (closed every account): personal data is anonymised
    # KEWEI_PERSONAL_DATA_RETENTION_DAYS after ``departed_on`` (customers.services.retention).
    DEPARTED = "departed", _("已离行")


class InformationSource(models.TextChoices):
    COUNTER = "counter", _("柜面")
    MARKETING_EVENT = "marketing_event", _("营销活动")
    SERVICE = "service", _("服务过程")
    TERMINAL = "terminal", _("自助终端")
    COMMUNITY = "community", _("社区活动")
    WEBSITE = "website", _("网站与客服中心")
    COMPLAINT = "complaint", _("投诉")
    IMPORT = "import", _("批量导入")
    CORE_BANKING = "core_banking", _("核心系统")


class Household(models.Model):
    """A household (家庭): customers who live and bank together; its AUM is their sum."""

    name = models.CharField(_("家庭名称"), max_length=100)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")

    def __str__(self) -> str:
        return self.name


class Customer(ScopedModel):
    """One customer of the bank, with the basic information every record must have.

    ID number, mobile and address are encrypted at rest; the ``*_index`` columns hold
    keyed blind indexes for exact search; ``address_district`` is the address cut at
    district level, the form everyone may see.
    """

    # Unique by a constraint, not ``unique=True``: on PostgreSQL that would add a second,
    # pattern-matching index, and the number is only ever matched exactly.
    customer_number = models.CharField(_("客户号"), max_length=20)
    name = models.CharField(_("姓名"), max_length=NAME_MAX_LENGTH, db_index=True)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=NAME_PINYIN_MAX_LENGTH, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=NAME_MAX_LENGTH, db_index=True)
    # The name without its surname (identity.given_name): the search by the given name alone.
    given_name = models.CharField(
        _("名"), max_length=NAME_MAX_LENGTH, editable=False, default="", db_index=True
    )
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices)
    id_number = EncryptedTextField(_("证件号码"))
    id_number_index = models.CharField(max_length=64, editable=False)
    birthday = models.DateField(_("出生日期"))
    birth_month = models.PositiveSmallIntegerField(editable=False)
    birth_day = models.PositiveSmallIntegerField(editable=False)
    mobile = EncryptedTextField(_("手机号码"))
    mobile_index = models.CharField(max_length=64, editable=False)
    # The mobile's last four digits in clear, which the masked mobile (138****5678) shows
    # anyway and which identify no one alone: the counter's search by them.
    mobile_last4 = models.CharField(max_length=4, editable=False, default="")
    address = EncryptedTextField(_("联系地址"))
    email = EncryptedTextField(_("电子邮箱"), blank=True, default="")
    address_district = models.CharField(_("地址（区县）"), max_length=80, blank=True)
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("归属网点"),
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,  # served by the (department, status) index
    )
    responsible_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="book",
        db_index=False,  # served by the (manager, assets) index
    )
    vip_flag = models.BooleanField(
        _("贵宾（手工标记）"),
        default=False,
        help_text=_("在客户分级上线前，由人工标记贵宾；贵宾必须有客户经理。"),
    )
    tier = models.CharField(_("客户等级"), max_length=30, blank=True)
    # The assets under management live in their own narrow table (CustomerAssets),
    # rewritten for a quarter of the customers every day by the feed. Searches order and
    # filter by this copy in whole 万元 (no trigger keeps it: its one owner is
    # ``customers.services.derived``, whose set-based refreshes every writer of assets
    # calls), which changes only when the assets cross a 万元: the customer row and its
    # many indexes are rewritten for a few customers a day, not for every changed balance.
    aum_wan = WanField(_("金融资产（万元，取整）"), default=0, db_default=0, editable=False)
    # Product coverage: distinct product categories held (from the daily feed's holdings).
    product_categories = models.PositiveSmallIntegerField(
        _("持有产品类别数"), default=0, db_default=0
    )
    # The day of the latest logged contact (客户工作日志), kept by the care app through
    # ``services.customer_contacted``: "not contacted for N days" searches and reminders.
    last_contacted_on = models.DateField(_("最近联系日期"), null=True, blank=True, editable=False)
    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    tags = models.ManyToManyField(
        "Tag", verbose_name=_("兴趣标签"), blank=True, related_name="customers"
    )
    source = models.CharField(
        _("信息来源"),
        max_length=20,
        choices=InformationSource.choices,
        default=InformationSource.COUNTER,
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=CustomerStatus.choices,
        default=CustomerStatus.ACTIVE,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
        db_index=False,  # rarely followed backwards; every insert would pay for it
    )
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    departed_on = models.DateField(_("离行日期"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True, editable=False)

    audit_masks = {
        "id_number": mask_id_number,
        "mobile": mask_mobile,
        "address": lambda value: "****" if value else "",
        "email": mask_email,
    }

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        constraints = [
            # The blind index leads: exact search looks it up without knowing the type.
            models.UniqueConstraint(
                fields=["id_number_index", "id_type"], name="customer_unique_identity"
            ),
            models.UniqueConstraint(fields=["customer_number"], name="customer_number_unique"),
        ]
        indexes = [
            models.Index(fields=["birth_month", "birth_day"], name="customer_birthday"),
            models.Index(fields=["mobile_index"], name="customer_mobile"),
            models.Index(fields=["mobile_last4"], name="customer_mobile_last4"),
            # A manager's book and an outlet's customers, already in order of assets: the
            # pages most opened ("my customers, largest first") read 50 index entries.
            models.Index(fields=["responsible_manager", "aum_wan"], name="customer_manager_aum"),
            models.Index(
                fields=["department", "status", "aum_wan"], name="customer_department_aum"
            ),
            models.Index(fields=["aum_wan"], name="customer_aum"),
        ]
        permissions = [
            ("reveal_customer", _("查看完整个人信息")),
            ("export_customer", _("导出客户")),
            ("merge_customer", _("合并客户")),
            ("assign_customer", _("分配客户经理")),
            ("import_customer", _("批量导入客户")),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.customer_number}）"

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    @property
    def aum(self) -> Decimal:
        """Assets under management (元): deposits and investments, as of the latest
        loaded feed day. Select ``assets`` with the customer when listing many."""
        return self.assets.aum

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def masked_email(self) -> str:
        return mask_email(self.email)

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return customer_scope_q(scope)


class CustomerPart(ScopedModel):
    """A row that belongs to one customer (its ``customer`` field) and is visible with
    them: the base of every such model, in this app and the others."""

    class Meta:
        abstract = True

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        return customer_scope_q(scope, prefix="customer__")


class CustomerAssets(CustomerPart):
    """A customer's current assets under management, one row per customer, created with
    the customer and kept by the daily feed (``products.feed.loading``).

    Kept apart from the wide customer row on purpose: a day's feed changes the assets of
    about a quarter of all customers, and an update of a row carrying fifteen indexes
    writes every one of them again. This row has no index on ``aum`` (the customer's
    ``aum_wan`` copy serves searches), so the daily update is heap-only.
    """

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="assets",
        verbose_name=_("客户"),
    )
    aum = YuanField(_("金融资产"), default=0)

    class Meta:
        verbose_name = _("客户金融资产")
        verbose_name_plural = _("客户金融资产")
        constraints = [
            models.CheckConstraint(condition=Q(aum__gte=0), name="customer_aum_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.aum}"


class EducationLevel(models.TextChoices):
    BELOW_HIGH_SCHOOL = "below_high_school", _("高中以下")
    HIGH_SCHOOL = "high_school", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士")
    DOCTORATE = "doctorate", _("博士")


class CareerStage(models.TextChoices):
    STUDENT = "student", _("在校")
    EARLY = "early", _("职业初期")
    ESTABLISHED = "established", _("职业稳定期")
    SENIOR = "senior", _("职业成熟期")
    RETIRED = "retired", _("已退休")


class IncomeBand(models.TextChoices):
    UNDER_100K = "under_100k", _("年收入 10 万以下")
    FROM_100K = "100k_300k", _("年收入 10–30 万")
    FROM_300K = "300k_1m", _("年收入 30–100 万")
    FROM_1M = "over_1m", _("年收入 100 万以上")


class CustomerProfile(CustomerPart):
    """The kinds of information grown over time: education, career, life (DOMAIN §2)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="profile")
    education_level = models.CharField(
        _("学历"), max_length=20, blank=True, choices=EducationLevel.choices
    )
    schools = models.CharField(_("毕业院校"), max_length=200, blank=True)
    training = models.TextField(_("培训经历"), blank=True)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    career_stage = models.CharField(
        _("职业阶段"), max_length=20, blank=True, choices=CareerStage.choices
    )
    income_band = models.CharField(
        _("收入水平"), max_length=20, blank=True, choices=IncomeBand.choices
    )
    lifestyle = models.TextField(_("生活方式与消费习惯"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("客户档案")
        verbose_name_plural = _("客户档案")


class FamilyRelation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他亲属")


class FamilyMember(CustomerPart):
    """A family member of a customer who is not (necessarily) a customer: their birthday
    and children's schooling are reasons to get in touch."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField(_("关系"), max_length=10, choices=FamilyRelation.choices)
    name = models.CharField(_("姓名"), max_length=50)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    schooling = models.CharField(_("就读学校"), max_length=200, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")


class Tag(models.Model):
    """An interest or hobby (兴趣爱好) that customers can be found by."""

    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("兴趣标签")
        verbose_name_plural = _("兴趣标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RelationshipKind(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    COLLEAGUE = "colleague", _("同事")
    FRIEND = "friend", _("朋友")
    OTHER = "other", _("其他")


class CustomerRelationship(CustomerPart):
    """``customer`` is ``kind`` of ``other`` (for example: A is the spouse of B)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relationships")
    other = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("关系"), max_length=10, choices=RelationshipKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("客户关系")
        verbose_name_plural = _("客户关系")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "other", "kind"], name="relationship_unique"
            ),
            models.CheckConstraint(
                condition=~Q(customer=models.F("other")), name="relationship_not_self"
            ),
        ]


class Referral(CustomerPart):
    """Who introduced a customer (客户推荐): another customer or a member of staff."""

    customer = models.OneToOneField(
        Customer, verbose_name=_("被推荐客户"), on_delete=models.CASCADE, related_name="referral"
    )
    referrer_customer = models.ForeignKey(
        Customer,
        verbose_name=_("推荐客户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referrer_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推荐员工"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referred_on = models.DateField(_("推荐日期"))
    channel = models.CharField(_("推荐渠道"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("推荐关系")
        verbose_name_plural = _("推荐关系")
        constraints = [
            models.CheckConstraint(
                condition=Q(referrer_customer__isnull=False) | Q(referrer_staff__isnull=False),
                name="referral_has_referrer",
            ),
        ]


class ConsentChannel(models.TextChoices):
    SMS = "sms", _("短信")
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")


class Consent(CustomerPart):
    """One statement of a customer's consent to (or withdrawal from) marketing contact on
    a channel. Append-only: the latest statement per channel is in force."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("渠道"), max_length=10, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("同意"))
    effective_at = models.DateTimeField(_("生效时间"), default=timezone.now)
    source = models.CharField(_("来源"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("营销同意")
        verbose_name_plural = _("营销同意")
        indexes = [
            models.Index(fields=["customer", "channel", "-effective_at"], name="consent_latest")
        ]


class CustomerAssignment(CustomerPart):
    """A period during which one staff member was responsible for a customer (人户合一)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="assignments")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("客户经理"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("客户经理分配记录")
        verbose_name_plural = _("客户经理分配记录")
        ordering = ["-started_at"]


class SavedSearch(ScopedModel):
    """A named customer search; shared ones are visible to the owner's department."""

    name = models.CharField(_("名称"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "organisation.Department", on_delete=models.PROTECT, related_name="+"
    )
    shared = models.BooleanField(_("部门内共享"), default=False)
    params = models.JSONField(_("条件"), default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("保存的查询")
        verbose_name_plural = _("保存的查询")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: DataScope) -> Q:
        if scope.staff_id is None:
            return NOTHING
        visible = Q(owner_id=scope.staff_id)
        if scope.department_id is not None:
            visible |= Q(shared=True, department_id=scope.department_id)
        return visible
