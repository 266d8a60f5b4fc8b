from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.products.models import Category, Currency, ProductStatus, RiskLevel


class ProductForm(forms.Form):
    code = forms.CharField(label=_("产品代码"), max_length=30)
    name = forms.CharField(label=_("产品名称"), max_length=100)
    category = forms.ChoiceField(label=_("产品类别"), choices=Category.choices)
    risk_level = forms.ChoiceField(
        label=_("风险等级"),
        choices=[("", _("（非投资类产品不填）")), *RiskLevel.choices],
        required=False,
    )
    term_days = forms.IntegerField(
        label=_("期限（天）"), min_value=1, required=False, help_text=_("无固定期限的产品留空。")
    )
    currency = forms.ChoiceField(label=_("币种"), choices=Currency.choices, initial="CNY")
    sale_start = forms.DateField(label=_("起售日"), required=False)
    sale_end = forms.DateField(label=_("止售日"), required=False)
    description = forms.CharField(label=_("产品说明"), widget=forms.Textarea, required=False)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("代码或名称"), required=False)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部类别")), *Category.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *ProductStatus.choices], required=False
    )


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日"))
    end = forms.DateField(label=_("截止日"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("截止日不能早于起始日。"))
        return data
