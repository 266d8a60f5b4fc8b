"""Forms of the customer pages. They parse; validation rules live in
:mod:`kewei.customers.validation` and the services."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from kewei.core.masking import mask_address
from kewei.core.scope import subtree_q
from kewei.customers.identity import Gender, IdType
from kewei.customers.models import (
    ConsentChannel,
    Customer,
    CustomerProfile,
    FamilyRelation,
    InformationSource,
    RelationshipKind,
    customer_department_paths,
)
from kewei.customers.selectors import assignable_managers, customer_departments
from kewei.customers.services import PROFILE_FIELDS
from kewei.organisation.forms import DepartmentChoiceField
from kewei.organisation.models import Department, Staff


def staff_label(obj: Staff) -> str:
    return f"{obj.full_name}（{obj.employee_number}，{obj.department.name}）"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return staff_label(obj)


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    gender = forms.ChoiceField(
        label=_("性别"),
        choices=[("", "—"), *Gender.choices],
        required=False,
        help_text=_("居民身份证可不填，由号码推出。"),
    )
    birthday = forms.DateField(
        label=_("出生日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("居民身份证可不填，由号码推出。"),
    )
    mobile = forms.CharField(label=_("手机号码"), max_length=20)
    address = forms.CharField(label=_("联系地址"), max_length=200)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    department = DepartmentChoiceField(label=_("归属网点"), queryset=Department.objects.none())
    responsible_manager = StaffChoiceField(
        label=_("客户经理"), queryset=Staff.objects.none(), required=False
    )
    vip_flag = forms.BooleanField(label=_("贵宾（手工标记）"), required=False)
    source = forms.ChoiceField(
        label=_("信息来源"), choices=InformationSource.choices, initial=InformationSource.COUNTER
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = customer_departments()
        self.fields["responsible_manager"].queryset = assignable_managers()


class CustomerEditForm(CustomerForm):
    """The customer form for an existing customer. Its personal fields (encrypted at
    rest) show the stored values masked and start empty, so the page never carries one
    in full: an empty field keeps the stored value, a typed one replaces it (validated
    like any other). The full value is seen through a reveal with a reason, on the
    customer's page. The e-mail, which may be empty, is cleared by its own box."""

    PERSONAL = ("id_number", "mobile", "address", "email")

    clear_email = forms.BooleanField(label=_("清除电子邮箱"), required=False)

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        masked = {
            "id_number": customer.masked_id_number,
            "mobile": customer.masked_mobile,
            "address": customer.address_district or mask_address(customer.address),
            "email": customer.masked_email,
        }
        for name in self.PERSONAL:
            field = self.fields[name]
            field.required = False
            field.widget.attrs["autocomplete"] = "off"
            if masked[name]:
                field.widget.attrs["placeholder"] = masked[name]
                field.help_text = _(
                    "当前：%(masked)s。留空则不修改；修改请输入新值（查看完整信息请在客户页面填写原因）。"
                ) % {"masked": masked[name]}
            else:
                field.help_text = _("当前：未填写。")
        if not customer.email:
            del self.fields["clear_email"]
        else:
            # Just below the e-mail field.
            order = list(self.fields)
            order.remove("clear_email")
            order.insert(order.index("email") + 1, "clear_email")
            self.order_fields(order)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_email") and cleaned.get("email"):
            self.add_error("clear_email", _("已输入新的电子邮箱，不能同时清除。"))
        return cleaned

    def personal_values(self, customer: Customer) -> dict[str, str]:
        """The personal fields to save: what was typed, else the stored value."""
        values = {
            name: self.cleaned_data.get(name) or getattr(customer, name) for name in self.PERSONAL
        }
        if self.cleaned_data.get("clear_email"):
            values["email"] = ""
        return values


class ProfileForm(forms.ModelForm):
    class Meta:
        model = CustomerProfile
        fields = list(PROFILE_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2}) for name in ("training", "lifestyle", "notes")
        }


class FamilyMemberForm(forms.Form):
    relation = forms.ChoiceField(label=_("关系"), choices=FamilyRelation.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    birthday = forms.DateField(
        label=_("生日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    schooling = forms.CharField(label=_("就读学校"), max_length=200, required=False)


class RelationshipForm(forms.Form):
    other_number = forms.CharField(label=_("对方客户号"), max_length=20)
    kind = forms.ChoiceField(label=_("关系"), choices=RelationshipKind.choices)


class HouseholdForm(forms.Form):
    other_number = forms.CharField(label=_("家庭成员客户号"), max_length=20)


class ReferralForm(forms.Form):
    referrer_number = forms.CharField(label=_("推荐客户的客户号"), max_length=20, required=False)
    referrer_staff = StaffChoiceField(
        label=_("推荐员工"), queryset=Staff.objects.none(), required=False
    )
    referred_on = forms.DateField(
        label=_("推荐日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.CharField(label=_("推荐渠道"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrer_staff"].queryset = Staff.objects.filter(
            is_active=True
        ).select_related("department")


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("兴趣标签"), required=False, help_text=_("用逗号或空格分隔，如：高尔夫 书法 亲子")
    )


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("渠道"), choices=ConsentChannel.choices)
    granted = forms.TypedChoiceField(
        label=_("是否同意"),
        coerce=lambda v: v == "1",
        choices=[("1", _("同意")), ("0", _("撤回同意"))],
    )
    source = forms.CharField(
        label=_("来源"), max_length=50, required=False, help_text=_("如：柜面签署、电话确认")
    )


class AssignForm(forms.Form):
    manager = StaffChoiceField(
        label=_("客户经理"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("（不分配）"),
    )
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = assignable_managers()


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[
            ("id_number", _("证件号码")),
            ("mobile", _("手机号码")),
            ("address", _("联系地址")),
            ("email", _("电子邮箱")),
        ]
    )
    reason = forms.CharField(label=_("查看原因"), max_length=200, min_length=2)


class MergeForm(forms.Form):
    duplicate_number = forms.CharField(label=_("重复记录的客户号"), max_length=20)
    reason = forms.CharField(label=_("合并原因"), max_length=200)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class BookTransferForm(forms.Form):
    from_manager = StaffChoiceField(label=_("移交人"), queryset=Staff.objects.none())
    to_managers = StaffMultipleChoiceField(
        label=_("接收人"), queryset=Staff.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("原因"), max_length=200, initial=_("客户经理岗位变动"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A book can be handed over by a manager who has left, too.
        has_book = Customer.objects.unrestricted().filter(responsible_manager=OuterRef("pk"))
        self.fields["from_manager"].queryset = (
            Staff.objects.unrestricted()
            .filter(Exists(has_book), subtree_q("department__path", customer_department_paths()))
            .select_related("department")
        )
        # The receivers: whoever may be a responsible manager, but not the one handing over
        # (choosing him reloads the form: data-autosubmit).
        self.fields["from_manager"].widget.attrs["data-autosubmit"] = ""
        receivers = assignable_managers()
        chosen = (self.data if self.is_bound else self.initial).get("from_manager")
        if str(chosen or "").isdigit():
            receivers = receivers.exclude(pk=int(chosen))
        self.fields["to_managers"].queryset = receivers


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    shared = forms.BooleanField(label=_("部门内共享"), required=False)


class ExportForm(forms.Form):
    """How a search is exported: masked (the default), or with personal fields in full,
    which is a reveal and so needs a reason (audited with the number of customers)."""

    unmasked = forms.BooleanField(label=_("导出完整个人信息"), required=False)
    reason = forms.CharField(label=_("导出原因"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        reason = (cleaned.get("reason") or "").strip()
        if cleaned.get("unmasked") and len(reason) < 2:
            self.add_error("reason", _("导出完整个人信息须填写原因（将记入审计）。"))
        cleaned["reason"] = reason
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(label=_("客户文件（CSV 或 XLSX）"))

    def clean_file(self):
        """A workbook too large to read safely is refused here, before any job starts."""
        from kewei.customers.importing import ImportFileError, check_xlsx

        upload = self.cleaned_data["file"]
        upload.seek(0)
        if upload.read(4) == b"PK\x03\x04":
            try:
                check_xlsx(upload)
            except ImportFileError as error:
                raise forms.ValidationError(str(error)) from error
        upload.seek(0)
        return upload
