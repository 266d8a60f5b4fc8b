"""Forms of the organisation pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from kewei.organisation.models import Department, DepartmentLevel, code_validator
from kewei.organisation.roles import Role


def _active_departments():
    return Department.objects.filter(is_active=True).order_by("path")


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return "　" * obj.depth + f"{obj.name}（{obj.code}）"


class DepartmentCreateForm(forms.Form):
    code = forms.CharField(label=_("机构代码"), max_length=20, validators=[code_validator])
    name = forms.CharField(label=_("机构名称"), max_length=100)
    level = forms.TypedChoiceField(label=_("层级"), choices=DepartmentLevel.choices, coerce=int)
    parent = DepartmentChoiceField(
        label=_("上级机构"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _active_departments()


class DepartmentRenameForm(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=100)


class DepartmentMoveForm(forms.Form):
    new_parent = DepartmentChoiceField(label=_("新的上级机构"), queryset=Department.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = _active_departments()


class _PasswordPair(forms.Form):
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("至少 10 位，不能全是数字，不能与登录名相似。"),
    )
    password2 = forms.CharField(label=_("确认密码"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class StaffFieldsMixin(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    department = DepartmentChoiceField(label=_("所属机构"), queryset=Department.objects.none())
    roles = forms.MultipleChoiceField(
        label=_("角色"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个角色。")},
    )
    work_phone = forms.CharField(label=_("工作电话"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _active_departments()


class StaffCreateForm(StaffFieldsMixin, _PasswordPair):
    username = forms.CharField(label=_("登录名"), max_length=50)
    employee_number = forms.CharField(label=_("员工号"), max_length=20)

    field_order = [
        "username",
        "employee_number",
        "full_name",
        "department",
        "roles",
        "work_phone",
        "password1",
        "password2",
    ]

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        password_validation.validate_password(password)
        return password


class StaffUpdateForm(StaffFieldsMixin):
    is_active = forms.BooleanField(label=_("在职"), required=False)


class StaffPasswordForm(_PasswordPair):
    pass
