"""Forms of client events."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.customers.models import SavedSearch
from kewei.events.models import EventKind, GuestStatus
from kewei.messaging.models import MessageTemplate


class EventForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=EventKind.choices)
    starts_at = forms.DateTimeField(
        label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    capacity = forms.IntegerField(label=_("人数上限"), min_value=1, max_value=100000)
    budget = forms.DecimalField(label=_("预算（元）"), min_value=Decimal(0), decimal_places=2)
    invited_tiers = forms.MultipleChoiceField(
        label=_("邀请等级"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限等级。"),
    )
    description = forms.CharField(
        label=_("活动说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, tier_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invited_tiers"].choices = tier_choices


class FromSearchForm(forms.Form):
    search = forms.ModelChoiceField(label=_("客户查询"), queryset=SavedSearch.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["search"].queryset = SavedSearch.objects.order_by("name")


class InviteForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("邀请模板"),
        queryset=MessageTemplate.objects.filter(enabled=True, occasion="event_invitation"),
    )


class ReplyForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(GuestStatus.ACCEPTED, _("接受")), (GuestStatus.DECLINED, _("婉拒"))]
    )


class HoldForm(forms.Form):
    actual_cost = forms.DecimalField(
        label=_("实际费用（元）"), min_value=Decimal(0), decimal_places=2
    )
