"""Forms of the API access pages (the system administrator's)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.api.models import Scope
from kewei.organisation.forms import DepartmentChoiceField
from kewei.organisation.models import Department
from kewei.organisation.roles import BUSINESS_ROLES, Role


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class AccountForm(forms.Form):
    name = forms.CharField(
        label=_("系统名称"), max_length=30, help_text=_("字母、数字、“-”或“_”，如 mobile-app。")
    )
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    department = DepartmentChoiceField(
        label=_("所属机构"),
        queryset=Department.objects.none(),
        help_text=_("系统的数据权限按该机构及其下级机构确定。"),
    )
    roles = forms.MultipleChoiceField(
        label=_("角色"),
        choices=[(role.value, role.label) for role in Role if role.value in BUSINESS_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )
    permissions = forms.CharField(
        label=_("附加权限"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个，如 products.push_transactions（核心系统推送流水）。"),
    )
    allowed_networks = forms.CharField(
        label=_("允许的地址段"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一个，如 10.1.0.0/16；留空表示不限。"),
    )
    rate_per_minute = forms.IntegerField(label=_("每分钟请求上限"), min_value=1, initial=600)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by(
            "path"
        )

    def clean_permissions(self) -> list[str]:
        return _lines(self.cleaned_data["permissions"])

    def clean_allowed_networks(self) -> list[str]:
        return _lines(self.cleaned_data["allowed_networks"])


class AccountUpdateForm(forms.Form):
    allowed_networks = AccountForm.base_fields["allowed_networks"]
    rate_per_minute = AccountForm.base_fields["rate_per_minute"]
    is_active = forms.BooleanField(label=_("启用"), required=False)

    def clean_allowed_networks(self) -> list[str]:
        return _lines(self.cleaned_data["allowed_networks"])


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=50)
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateTimeField(
        label=_("失效时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("留空表示长期有效，直到吊销。"),
    )
