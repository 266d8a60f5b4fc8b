"""Forms of messaging: a template, a message to one customer, a batch."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.customers.models import SavedSearch
from kewei.messaging.models import Channel, MessageTemplate, Occasion
from kewei.messaging.rendering import VARIABLES


class TemplateForm(forms.Form):
    code = forms.RegexField(label=_("模板代码"), regex=r"^[A-Za-z0-9_]{1,30}$", max_length=30)
    name = forms.CharField(label=_("模板名称"), max_length=100)
    occasion = forms.ChoiceField(label=_("场景"), choices=Occasion.choices)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices)
    subject = forms.CharField(label=_("邮件主题"), max_length=200, required=False)
    body = forms.CharField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "可用变量：%(names)s。短信会自动加上【银行名称】签名，营销类短信自动加“回复TD退订”。"
        )
        % {"names": "、".join(f"{{{name}}}" for name in VARIABLES)},
    )
    marketing = forms.BooleanField(label=_("营销类（计入每月上限）"), required=False, initial=True)
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)


class ComposeForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("模板"), queryset=MessageTemplate.objects.filter(enabled=True)
    )
    text = forms.CharField(
        label=_("内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("留空则按模板生成。"),
    )


class BatchForm(forms.Form):
    search = forms.ModelChoiceField(label=_("客户查询"), queryset=SavedSearch.objects.none())
    template = forms.ModelChoiceField(
        label=_("模板"), queryset=MessageTemplate.objects.filter(enabled=True)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["search"].queryset = SavedSearch.objects.order_by("name")
