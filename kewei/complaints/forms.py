"""Forms of complaints: recording one at the counter, a workflow step, reassignment,
the statistics' period."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.complaints.models import Category, Channel, Satisfaction, Severity


class ComplaintForm(forms.Form):
    customer_number = forms.CharField(
        label=_("客户号"), max_length=20, required=False, help_text=_("不明身份的来电可不填。")
    )
    caller_name = forms.CharField(label=_("来电人姓名"), max_length=50, required=False)
    caller_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    description = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 4}))


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    told_customer = forms.CharField(
        label=_("告知客户的内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    resolution = forms.CharField(
        label=_("处理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    refusal = forms.CharField(
        label=_("未能满足的诉求及原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    satisfaction = forms.ChoiceField(
        label=_("客户满意度"), choices=[("", "—"), *Satisfaction.choices], required=False
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("新处理人"), queryset=None)
    note = forms.CharField(label=_("转派原因"), max_length=200)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class StatsForm(forms.Form):
    by = forms.ChoiceField(
        label=_("统计维度"),
        choices=[
            ("category", _("类别")),
            ("department", _("网点")),
            ("owner", _("处理人")),
            ("month", _("月份")),
        ],
        initial="category",
    )
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate()
        return {"by": "category", "start": today - dt.timedelta(days=365), "end": today}
