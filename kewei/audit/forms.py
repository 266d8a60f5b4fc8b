from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import action_choices


class AuditSearchForm(forms.Form):
    person = forms.CharField(
        label=_("操作人"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("姓名或登录名")}),
    )
    subject = forms.CharField(
        label=_("对象"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("名称，或 类型:ID")}),
    )
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        # Read when a form is made: every app's registered actions, in the current language.
        choices=lambda: [("", _("全部操作")), *action_choices()],
    )
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return cleaned
