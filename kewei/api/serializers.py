"""What the API reads and writes, as DRF serializers (the OpenAPI description is made
from them). Money is a decimal string in 元; personal fields are masked unless the
serializer's context says ``reveal``."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kewei.care.models import ContactChannel, ContactOutcome, ContactPurpose
from kewei.complaints.models import Category as ComplaintCategory
from kewei.complaints.models import Channel as ComplaintChannel
from kewei.complaints.models import Severity
from kewei.core.masking import mask_address, mask_email, mask_id_number, mask_mobile
from kewei.core.money import yuan
from kewei.customers.identity import Gender, IdType
from kewei.customers.models import InformationSource
from kewei.products.feed import format as feed_format


class Reference(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StaffReference(serializers.Serializer):
    employee_number = serializers.CharField()
    name = serializers.CharField(source="full_name")


class Error(serializers.Serializer):
    """Every error response."""

    class Item(serializers.Serializer):
        field = serializers.CharField(allow_null=True)
        code = serializers.CharField()
        message = serializers.CharField()
        message_en = serializers.CharField()

    code = serializers.CharField(help_text="stable error code, e.g. insufficient_points")
    message = serializers.CharField(help_text="中文说明")
    message_en = serializers.CharField(help_text="English message")
    field = serializers.CharField(allow_null=True)
    errors = Item(many=True)


# --- customers ---------------------------------------------------------------------------


class PersonalField(serializers.Field):
    """A personal field: masked unless the context reveals it."""

    def __init__(self, mask, **kwargs):
        self.mask = mask
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        value = value or ""
        return value if self.context.get("reveal") else self.mask(value)


extend_schema_field(OpenApiTypes.STR)(PersonalField)


class CustomerSummary(serializers.Serializer):
    number = serializers.CharField(source="customer_number")
    name = serializers.CharField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    mobile = PersonalField(mask_mobile)
    department = Reference()
    responsible_manager = StaffReference(allow_null=True)
    tier = serializers.CharField()
    vip = serializers.BooleanField(source="vip_flag")
    aum = serializers.SerializerMethodField(help_text="金融资产（元）")
    product_categories = serializers.IntegerField()
    last_contacted_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_aum(self, customer) -> str:
        assets = getattr(customer, "assets", None)
        return f"{assets.aum if assets else Decimal(0):.2f}"


class CustomerDetail(CustomerSummary):
    id_type = serializers.ChoiceField(choices=IdType.choices)
    id_number = PersonalField(mask_id_number)
    birthday = serializers.DateField()
    address = PersonalField(mask_address)
    email = PersonalField(mask_email)
    source = serializers.CharField()
    tags = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    revealed = serializers.SerializerMethodField(
        help_text="true when the personal fields are shown in full"
    )

    def get_tags(self, customer) -> list[str]:
        return sorted(tag.name for tag in customer.tags.all())

    def get_revealed(self, customer) -> bool:
        return bool(self.context.get("reveal"))


class CustomerInput(serializers.Serializer):
    """Basic information, validated by the same rules as the pages and the import.
    On update, omitted fields keep their values."""

    name = serializers.CharField(max_length=50)
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = serializers.CharField(max_length=30)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    mobile = serializers.CharField(max_length=20)
    address = serializers.CharField(max_length=200)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    department = serializers.CharField(max_length=20, help_text="归属网点的机构代码")
    responsible_manager = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="客户经理的员工号；空表示无",
    )
    vip = serializers.BooleanField(required=False, default=False)
    source = serializers.ChoiceField(
        choices=InformationSource.choices, default=InformationSource.COUNTER
    )


# --- holdings and transactions -----------------------------------------------------------


class HoldingOut(serializers.Serializer):
    account_number = serializers.CharField(source="masked_account_number")
    product = Reference()
    category = serializers.CharField(source="product.category")
    opened_on = serializers.DateField()
    matures_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    balance = serializers.SerializerMethodField(help_text="余额（元）")

    def get_balance(self, holding) -> str:
        return str(yuan(holding.balance))  # two decimals: 1234.50


class TransactionOut(serializers.Serializer):
    transaction_id = serializers.CharField()
    account_number = serializers.CharField(source="holding.masked_account_number")
    booked_on = serializers.DateField()
    amount = serializers.SerializerMethodField(help_text="金额（元）")
    direction = serializers.CharField()
    channel = serializers.CharField()
    counterparty_kind = serializers.CharField()
    large = serializers.BooleanField(source="is_large")

    def get_amount(self, transaction) -> str:
        return str(yuan(transaction.amount))


_TRANSACTION_FIELDS = {column.name: column for column in feed_format.TRANSACTION_COLUMNS}


class PushedTransaction(serializers.Serializer):
    """One row of the daily feed's ``transactions.csv``, as text (checked by the feed's
    own rules, so a bad value is a reject of its row, not of the batch)."""

    transaction_id = serializers.CharField(allow_blank=True, trim_whitespace=False)
    account_number = serializers.CharField(allow_blank=True, trim_whitespace=False)
    booked_on = serializers.CharField(allow_blank=True, help_text="YYYY-MM-DD")
    amount = serializers.CharField(allow_blank=True, help_text="元，最多两位小数")
    direction = serializers.CharField(allow_blank=True, help_text="in / out")
    channel = serializers.CharField(allow_blank=True)
    counterparty_kind = serializers.CharField(allow_blank=True)


class TransactionBatchIn(serializers.Serializer):
    batch_id = serializers.RegexField(r"^[A-Za-z0-9._:-]{1,64}$", help_text="批次号（幂等）")
    date = serializers.DateField(help_text="数据日期")
    transactions = PushedTransaction(many=True, allow_empty=False, max_length=50000)


class RejectOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="批次中的行号（从 1 起）")
    column = serializers.CharField()
    reason = serializers.CharField()


class TransactionBatchOut(serializers.Serializer):
    batch_id = serializers.CharField()
    date = serializers.DateField(source="day")
    received_at = serializers.DateTimeField()
    loaded = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejects = RejectOut(many=True)


# --- points and gifts --------------------------------------------------------------------


class ExpiringOut(serializers.Serializer):
    expires_on = serializers.DateField()
    points = serializers.IntegerField()


class PointsOut(serializers.Serializer):
    customer = serializers.CharField()
    balance = serializers.IntegerField()
    spendable = serializers.IntegerField()
    expiring = ExpiringOut(many=True)


class PointsEntryOut(serializers.Serializer):
    kind = serializers.CharField()
    points = serializers.IntegerField()
    occurred_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    document = serializers.CharField()


class GiftOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    points_price = serializers.IntegerField()
    cash_price = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    stock = serializers.IntegerField()
    per_customer_limit = serializers.IntegerField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    outlets = serializers.SerializerMethodField(help_text="领取网点的机构代码；空表示所有网点")

    def get_outlets(self, gift) -> list[str]:
        return sorted(outlet.code for outlet in gift.outlets.all())


class RedeemIn(serializers.Serializer):
    gift = serializers.CharField(max_length=30, help_text="礼品编号")
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    outlet = serializers.CharField(max_length=20, help_text="领取网点的机构代码")


class RedemptionOut(serializers.Serializer):
    number = serializers.CharField()
    customer = serializers.CharField(source="customer.customer_number")
    gift = serializers.CharField(source="gift.code")
    quantity = serializers.IntegerField()
    points = serializers.IntegerField()
    cash = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    outlet = serializers.CharField(source="outlet.code")
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


# --- tasks and contacts ------------------------------------------------------------------


class TaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.CharField(source="customer.customer_number")
    customer_name = serializers.CharField(source="customer.name")
    reason = serializers.CharField()
    title = serializers.CharField()
    event_on = serializers.DateField()
    due_on = serializers.DateField()
    status = serializers.CharField()


class ContactIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    purpose = serializers.ChoiceField(choices=ContactPurpose.choices)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)
    summary = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    contacted_at = serializers.DateTimeField(required=False, allow_null=True)
    next_follow_up = serializers.DateField(required=False, allow_null=True)


class ContactOut(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.CharField(source="customer.customer_number")
    staff = serializers.CharField(source="staff.full_name")
    channel = serializers.CharField()
    purpose = serializers.CharField()
    outcome = serializers.CharField()
    summary = serializers.CharField()
    contacted_at = serializers.DateTimeField()
    next_follow_up = serializers.DateField(allow_null=True)


# --- complaints --------------------------------------------------------------------------


class ComplaintIn(serializers.Serializer):
    customer = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="客户号；未知客户时留空"
    )
    caller_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    caller_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    department = serializers.CharField(max_length=20, help_text="受理网点的机构代码")
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices)
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    description = serializers.CharField(max_length=4000)


class ComplaintOut(serializers.Serializer):
    number = serializers.CharField()
    customer = serializers.CharField(source="customer.customer_number", allow_null=True)
    complainant = serializers.CharField()
    caller_phone = serializers.CharField(source="masked_caller_phone")
    department = serializers.CharField(source="department.code")
    channel = serializers.CharField()
    category = serializers.CharField()
    severity = serializers.CharField()
    description = serializers.CharField()
    status = serializers.CharField()
    owner = StaffReference(allow_null=True)
    received_at = serializers.DateTimeField()
    response_due = serializers.DateTimeField()
    resolution_due = serializers.DateTimeField()
    resolution = serializers.CharField()


# --- messages ----------------------------------------------------------------------------


class CollectIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[("sms", "sms"), ("email", "email")], default="sms")
    limit = serializers.IntegerField(min_value=1, max_value=10000, default=1000)


class OutgoingOut(serializers.Serializer):
    id = serializers.CharField(source="reference", help_text="消息编号，回执时使用")
    address = serializers.CharField(help_text="手机号码或电子邮箱（发送所需，不做掩码）")
    subject = serializers.CharField()
    body = serializers.CharField(source="text")


class DeliveryIn(serializers.Serializer):
    delivered = serializers.BooleanField()
    detail = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True)


class DeliveryOut(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()


class ReplyIn(serializers.Serializer):
    mobile = serializers.CharField(max_length=20)
    text = serializers.CharField(max_length=500)
    received_at = serializers.DateTimeField(required=False, allow_null=True)


class ReplyOut(serializers.Serializer):
    customers = serializers.IntegerField(help_text="回复所属的客户数")
    unsubscribed = serializers.BooleanField()
