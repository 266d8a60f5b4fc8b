"""Forms of the customer pages. They parse; validation rules live in
:mod:`kewei.customers.validation` and the services."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

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
from kewei.customers.services import PROFILE_FIELDS
from kewei.organisation.forms import DepartmentChoiceField
from kewei.organisation.models import Department, Staff
from kewei.organisation.roles import Role


def staff_label(obj: Staff) -> str:
    return f"{obj.full_name}（{obj.employee_number}，{obj.department.name}）"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Staff) -> str:
        return staff_label(obj)


def customer_departments():
    """Active departments a customer of the user's scope can belong to."""
    return (
        Department.objects.unrestricted()
        .filter(subtree_q("path", customer_department_paths()), is_active=True)
        .order_by("path")
    )


def manager_choices():
    """Active customer managers (and supervisors, outlet heads) of the departments whose
    customers the user looks after, for assignment."""
    return (
        Staff.objects.unrestricted()
        .filter(
            subtree_q("department__path", customer_department_paths()),
            is_active=True,
            groups__name__in=[Role.CUSTOMER_MANAGER, Role.CM_SUPERVISOR, Role.OUTLET_HEAD],
        )
        .select_related("department")
        .distinct()
        .order_by("department__path", "employee_number")
    )


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
        self.fields["responsible_manager"].queryset = manager_choices()


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
        self.fields["manager"].queryset = manager_choices()


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
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = manager_choices()
        # A book can be handed over by a manager who has left, too.
        has_book = Customer.objects.unrestricted().filter(responsible_manager=OuterRef("pk"))
        self.fields["from_manager"].queryset = (
            Staff.objects.unrestricted()
            .filter(Exists(has_book), subtree_q("department__path", customer_department_paths()))
            .select_related("department")
        )
        self.fields["to_managers"].queryset = choices


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    shared = forms.BooleanField(label=_("部门内共享"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("客户文件（CSV 或 XLSX）"))
