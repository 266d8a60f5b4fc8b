"""Forms of complaints: recording one at the counter, a workflow step, reassignment,
the statistics' period."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.complaints.models import Category, Channel, Satisfaction, Severity
from kewei.organisation.roles import Role


class CustomerLookupInput(forms.TextInput):
    """The customer number, with a search box above it that finds the customer by name,
    pinyin, mobile, ID number or customer number the way the customer search does (htmx,
    within the user's data scope, personal data masked) and fills the number in."""

    template_name = "complaints/widgets/customer_lookup.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.chosen = None  # the customer already picked, shown beside the number

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["lookup_url"] = reverse("complaints:customer_lookup")
        context["widget"]["chosen"] = self.chosen
        return context


class ComplaintForm(forms.Form):
    customer_number = forms.CharField(
        label=_("客户"),
        max_length=20,
        required=False,
        widget=CustomerLookupInput,
        help_text=_("按姓名、手机号、证件号或客户号查找后选择；不明身份的来电可不填。"),
    )
    caller_name = forms.CharField(label=_("来电人姓名"), max_length=50, required=False)
    caller_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    description = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_number"].widget.chosen = customer


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


class SettingsForm(forms.Form):
    """One field per severity deadline and per category's owning role."""

    def __init__(self, *args, policies, routing, **kwargs):
        super().__init__(*args, **kwargs)
        for policy in policies:
            label = policy.get_severity_display()
            for name, text, top in (
                ("response_hours", _("首次响应时限（小时）"), 720),
                ("resolution_working_days", _("解决时限（工作日）"), 60),
                ("second_escalation_hours", _("再次升级间隔（小时）"), 720),
            ):
                self.fields[f"{policy.severity}__{name}"] = forms.IntegerField(
                    label=f"{label} · {text}",
                    min_value=1,
                    max_value=top,
                    initial=getattr(policy, name),
                )
        for category, text in Category.choices:
            self.fields[f"route__{category}"] = forms.ChoiceField(
                label=_("%(category)s类投诉的处理岗位") % {"category": text},
                choices=Role.choices,
                initial=routing.get(category, Role.CM_SUPERVISOR),
            )

    def values(self) -> tuple[dict, dict]:
        policies: dict[str, dict] = {}
        routing: dict[str, str] = {}
        for key, value in self.cleaned_data.items():
            if key.startswith("route__"):
                routing[key.removeprefix("route__")] = value
            else:
                severity, name = key.split("__", 1)
                policies.setdefault(severity, {})[name] = value
        return policies, routing
