"""Forms of the tiers pages: a scheme's settings, one tier, and assigning customers."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.organisation.roles import Role
from kewei.tiers.models import Basis, Measure


class SchemeForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=100)
    measure = forms.ChoiceField(label=_("分级依据"), choices=Measure.choices)
    basis = forms.ChoiceField(label=_("资产口径"), choices=Basis.choices)
    grace_months = forms.IntegerField(
        label=_("降级观察期（月）"),
        min_value=1,
        max_value=12,
        help_text=_("连续若干个月低于本级门槛才降级；填 1 表示立即降级。"),
    )


class TierForm(forms.Form):
    name = forms.CharField(label=_("等级名称"), max_length=50)
    name_en = forms.CharField(
        label=_("英文名称"),
        max_length=50,
        required=False,
        help_text=_("英文界面显示的等级名称；留空则显示中文名称。"),
    )
    min_aum_wan = forms.DecimalField(
        label=_("资产下限（万元）"), min_value=Decimal(0), max_digits=14, decimal_places=4
    )
    responsible_role = forms.ChoiceField(label=_("负责岗位"), choices=Role.choices)
    requires_manager = forms.BooleanField(label=_("须指定客户经理（人户合一）"), required=False)
    contact_interval_days = forms.IntegerField(
        label=_("最长联系间隔（天）"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("超过该天数未联系，提醒负责人；留空则不提醒。"),
    )


class NewTierForm(TierForm):
    code = forms.RegexField(label=_("等级代码"), regex=r"^[a-z0-9_]{1,30}$", max_length=30)

    field_order = ["code", "name", "name_en", "min_aum_wan"]


class AssignForm(forms.Form):
    """Customers ticked on the "to assign" list and the managers to share them among."""

    customers = forms.TypedMultipleChoiceField(label=_("客户"), coerce=int)
    managers = forms.TypedMultipleChoiceField(label=_("客户经理"), coerce=int)

    def __init__(self, *args, customer_choices, manager_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customers"].choices = customer_choices
        self.fields["managers"].choices = manager_choices
