from __future__ import annotations

from decimal import Decimal

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

    def __init__(self, *args, **kwargs):
        """One multiplier field per tier of the scheme in force, named by the tier's name
        (``initial["tier_multipliers"]``: the policy in force, tier code → multiplier); a
        tier the policy names that the scheme no longer has keeps its field."""
        super().__init__(*args, **kwargs)
        from kewei.tiers.selectors import tiers_in_force

        current = dict(self.initial.get("tier_multipliers") or {})
        tiers = sorted(tiers_in_force().values(), key=lambda tier: tier.rank)
        labels = {tier.code: tier.label for tier in tiers}
        for code in current:
            labels.setdefault(code, _("%(code)s（现行分级方案中已没有此等级）") % {"code": code})
        self.tier_fields = {}
        for code, label in labels.items():
            name = f"multiplier_{code}"
            self.fields[name] = forms.DecimalField(
                label=_("等级倍数：%(tier)s") % {"tier": label},
                required=False,
                min_value=Decimal("0.01"),
                max_digits=5,
                decimal_places=2,
                initial=current.get(code),
                help_text=_("留空按 1 倍。"),
            )
            self.tier_fields[name] = code

    def clean(self):
        cleaned = super().clean()
        multipliers = {}
        for name, code in self.tier_fields.items():
            value = cleaned.pop(name, None)
            if value is not None:
                multipliers[code] = str(value)
        cleaned["tier_multipliers"] = multipliers
        return cleaned


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
    tiers = forms.MultipleChoiceField(
        label=_("可兑换等级"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示所有等级。"),
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
        from kewei.tiers.selectors import tiers_in_force

        self.fields["outlets"].queryset = Department.objects.filter(
            level=DepartmentLevel.OUTLET, is_active=True
        ).order_by("code")
        # The tiers of the scheme in force, by name; a tier the gift names that the
        # scheme no longer has stays offered, so that saving the form keeps it.
        tiers = sorted(tiers_in_force().values(), key=lambda tier: tier.rank)
        choices = [(tier.code, tier.label) for tier in tiers]
        known = {code for code, _label in choices}
        for code in self.initial.get("tiers") or ():
            if code not in known:
                choices.append((code, _("%(code)s（现行分级方案中已没有此等级）") % {"code": code}))
        self.fields["tiers"].choices = choices

    def clean_tiers(self) -> tuple[str, ...]:
        return tuple(self.cleaned_data["tiers"])

    def clean_picture(self):
        picture = self.cleaned_data.get("picture")
        if picture:
            if not picture.name.lower().endswith(PICTURE_TYPES):
                raise forms.ValidationError(_("图片须为 JPG、PNG 或 WebP 格式。"))
            if picture.size > 2 * 1024 * 1024:
                raise forms.ValidationError(_("图片不能超过 2 MB。"))
        return picture


class GiftCreateForm(GiftForm):
    """A new gift, with the stock it starts with."""

    opening_stock = forms.IntegerField(
        label=_("期初库存"),
        min_value=0,
        help_text=_("礼品的首批数量，登记为一笔入库；没有现货时填 0。"),
    )
    field_order = ["code", "name", "points_price", "cash_price", "opening_stock"]


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

    def __init__(self, *args, offered=(), **kwargs):
        """``offered``: the gifts to list (those on offer to the customer, see
        :func:`~kewei.points.redemptions.gifts_on_offer`). Any active gift is accepted,
        so that one taken off the offer meanwhile is refused by the service, with the
        reason."""
        super().__init__(*args, **kwargs)
        from kewei.points.models import Gift, GiftStatus

        field = self.fields["gift"]
        field.queryset = Gift.objects.filter(status=GiftStatus.ACTIVE).order_by("points_price")
        field.choices = [("", field.empty_label), *((g.pk, gift_label(g)) for g in offered)]


def gift_label(gift) -> str:
    return _("%(name)s（%(points)s 积分，库存 %(stock)s）") % {
        "name": gift.name,
        "points": gift.points_price,
        "stock": gift.stock,
    }


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
