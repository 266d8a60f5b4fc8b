"""Forms of customer care: logging a contact, cancelling a task, a comment, a rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.care.models import (
    ActionPlan,
    ContactChannel,
    ContactOutcome,
    ContactPurpose,
    Trigger,
    assignee_choices,
)
from kewei.care.sources import source_choices
from kewei.products.models import Category


class ContactForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("方式"), choices=ContactChannel.choices, widget=forms.RadioSelect
    )
    purpose = forms.ChoiceField(label=_("目的"), choices=ContactPurpose.choices)
    outcome = forms.ChoiceField(label=_("结果"), choices=ContactOutcome.choices)
    summary = forms.CharField(
        label=_("沟通内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contacted_at = forms.DateTimeField(
        label=_("联系时间"),
        required=False,
        help_text=_("留空为现在。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    next_follow_up = forms.DateField(
        label=_("下次跟进日期"),
        required=False,
        help_text=_("填写后生成一条跟进任务。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("点评"), widget=forms.Textarea(attrs={"rows": 2}))


class PlanStartForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("行动计划"), queryset=ActionPlan.objects.filter(enabled=True)
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("规则名称"), max_length=100)
    enabled = forms.BooleanField(label=_("启用"), required=False)
    source = forms.ChoiceField(label=_("日期字段"), choices=[("", "—")], required=False)
    offset_days = forms.IntegerField(
        label=_("日期偏移（天）"),
        initial=0,
        min_value=-3650,
        max_value=3650,
        help_text=_("事由日期 = 日期字段 + 偏移；例如到期前30天填 -30。"),
    )
    repeat_days = forms.IntegerField(
        label=_("重复间隔（天）"), required=False, min_value=1, max_value=3650
    )
    repeat_times = forms.IntegerField(label=_("重复次数"), initial=0, min_value=0, max_value=100)
    lead_days = forms.IntegerField(
        label=_("提前天数"),
        initial=0,
        min_value=0,
        max_value=90,
        help_text=_("事由日期前多少天生成任务。"),
    )
    due_days = forms.IntegerField(
        label=_("完成期限（天）"),
        initial=0,
        min_value=-365,
        max_value=365,
        help_text=_("事由日期后多少天内完成；遇周末、节假日提前到前一个工作日。"),
    )
    window_days = forms.IntegerField(label=_("观察天数"), initial=60, min_value=1, max_value=365)
    assignee = forms.ChoiceField(label=_("负责人"), choices=assignee_choices)
    tiers = forms.MultipleChoiceField(
        label=_("适用等级"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部等级。"),
    )
    categories = forms.MultipleChoiceField(
        label=_("适用产品类别"),
        required=False,
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示全部产品。"),
    )
    action_plan = forms.ModelChoiceField(
        label=_("启动行动计划"),
        required=False,
        queryset=ActionPlan.objects.filter(enabled=True),
        help_text=_("选择后，触发时启动该计划，而不是生成单条任务。"),
    )

    def __init__(self, *args, trigger: str, tier_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiers"].choices = tier_choices
        if trigger == Trigger.DATE:
            self.fields["source"].choices = source_choices()
            self.fields["source"].required = True
        else:
            for name in ("source", "offset_days", "repeat_days", "repeat_times", "lead_days"):
                del self.fields[name]
        if trigger != Trigger.POINTS_EXPIRING:
            del self.fields["window_days"]


class PlanForm(forms.Form):
    code = forms.RegexField(label=_("计划代码"), regex=r"^[A-Z0-9_]{1,30}$", max_length=30)
    name = forms.CharField(label=_("计划名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)


class StepForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    offset_days = forms.IntegerField(label=_("开始后第几天完成"), min_value=0, max_value=365)
    channel = forms.ChoiceField(
        label=_("建议方式"), choices=[("", "—"), *ContactChannel.choices], required=False
    )
    assignee = forms.ChoiceField(label=_("负责人"), choices=assignee_choices)


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True)
