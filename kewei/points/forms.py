from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.points.models import EntryKind, RuleKind
from kewei.products.models import Category, Channel, EventKind, Product


class RuleForm(forms.Form):
    code = forms.CharField(
        label=_("规则代码"), max_length=30, help_text=_("同一规则的各版本使用同一代码。")
    )
    name = forms.CharField(label=_("规则名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=RuleKind.choices)
    points = forms.DecimalField(
        label=_("积分"),
        max_digits=12,
        decimal_places=4,
        min_value=0,
        help_text=_("余额积分：每万元每天；消费积分：每“每多少元”；事件积分：每次。"),
    )
    category = forms.ChoiceField(
        label=_("产品类别"),
        choices=[("", "—"), *Category.choices],
        required=False,
        help_text=_(
            "余额积分按此类别的余额；消费积分按此类别账户的商户消费（借记卡消费计入活期）。"
        ),
    )
    unit_yuan = forms.DecimalField(
        label=_("每多少元"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    event_kind = forms.ChoiceField(
        label=_("业务事件"), choices=[("", "—"), *EventKind.choices], required=False
    )
    excluded_products = forms.ModelMultipleChoiceField(
        label=_("不计积分的产品"), queryset=Product.objects.order_by("code"), required=False
    )
    excluded_channels = forms.MultipleChoiceField(
        label=_("不计积分的渠道"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    effective_from = forms.DateField(label=_("生效日"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class RuleEndForm(forms.Form):
    effective_to = forms.DateField(label=_("停用日"), help_text=_("自该日起不再按此规则计分。"))


class PolicyForm(forms.Form):
    effective_from = forms.DateField(label=_("生效日"))
    monthly_cap = forms.IntegerField(
        label=_("每客户每月积分上限"),
        min_value=1,
        required=False,
        help_text=_("留空表示不设上限。"),
    )
    expiry_years = forms.IntegerField(
        label=_("有效期（年）"),
        min_value=1,
        max_value=10,
        initial=1,
        help_text=_("某年获得的积分在其后第几年年末到期；1 表示次年 12 月 31 日到期。"),
    )
    tier_multipliers = forms.CharField(
        label=_("等级倍数"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个：等级代码=倍数，例如 vip=1.2。未列出的等级按 1 倍。"),
    )

    def clean_tier_multipliers(self) -> dict[str, str]:
        result = {}
        for number, line in enumerate(self.cleaned_data["tier_multipliers"].splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            tier, separator, value = line.partition("=")
            if not separator or not tier.strip() or not value.strip():
                raise forms.ValidationError(_("第 %(n)d 行应为“等级代码=倍数”。") % {"n": number})
            result[tier.strip()] = value.strip()
        return result


class StatementFilterForm(forms.Form):
    start = forms.DateField(label=_("起始日"), required=False)
    end = forms.DateField(label=_("截止日"), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部类型")), *EntryKind.choices], required=False
    )


PICTURE_TYPES = (".jpg", ".jpeg", ".png", ".webp")


class GiftForm(forms.Form):
    code = forms.CharField(label=_("礼品编号"), max_length=30)
    name = forms.CharField(label=_("礼品名称"), max_length=100)
    points_price = forms.IntegerField(label=_("所需积分"), min_value=1)
    cash_price = forms.DecimalField(
        label=_("另付现金（元）"), max_digits=10, decimal_places=2, min_value=0, initial=0
    )
    per_customer_limit = forms.IntegerField(
        label=_("每客户限兑"), min_value=1, required=False, help_text=_("留空表示不限。")
    )
    valid_from = forms.DateField(label=_("兑换起始日"), required=False)
    valid_to = forms.DateField(label=_("兑换截止日"), required=False)
    tiers = forms.CharField(
        label=_("可兑换等级"),
        required=False,
        help_text=_("等级代码，以逗号分隔；留空表示所有等级。"),
    )
    outlets = forms.ModelMultipleChoiceField(
        label=_("领取网点"),
        queryset=None,
        required=False,
        help_text=_("留空表示所有网点。"),
    )
    picture = forms.FileField(label=_("图片"), required=False)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from kewei.organisation.models import Department, DepartmentLevel

        self.fields["outlets"].queryset = Department.objects.filter(
            level=DepartmentLevel.OUTLET, is_active=True
        ).order_by("code")

    def clean_tiers(self) -> tuple[str, ...]:
        text = self.cleaned_data["tiers"].replace("，", ",")
        return tuple(t.strip() for t in text.split(",") if t.strip())

    def clean_picture(self):
        picture = self.cleaned_data.get("picture")
        if picture:
            if not picture.name.lower().endswith(PICTURE_TYPES):
                raise forms.ValidationError(_("图片须为 JPG、PNG 或 WebP 格式。"))
            if picture.size > 2 * 1024 * 1024:
                raise forms.ValidationError(_("图片不能超过 2 MB。"))
        return picture


class StockForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("receipt", _("入库")), ("write_off", _("报损"))]
    )
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class RedeemForm(forms.Form):
    gift = forms.ModelChoiceField(label=_("礼品"), queryset=None)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)
    # Issued with the form: a double click or a resent form redeems once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from kewei.points.models import Gift, GiftStatus

        self.fields["gift"].queryset = Gift.objects.filter(status=GiftStatus.ACTIVE).order_by(
            "points_price"
        )
        self.fields["gift"].label_from_instance = lambda g: (
            _("%(name)s（%(points)s 积分，库存 %(stock)s）")
            % {"name": g.name, "points": g.points_price, "stock": g.stock}
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class AdjustmentForm(forms.Form):
    points = forms.IntegerField(
        label=_("调整积分"), help_text=_("正数为补增，负数为扣减；须由另一人复核后生效。")
    )
    reason = forms.CharField(label=_("原因"), max_length=200)

    def clean_points(self) -> int:
        if self.cleaned_data["points"] == 0:
            raise forms.ValidationError(_("调整积分不能为零。"))
        return self.cleaned_data["points"]
