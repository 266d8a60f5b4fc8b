from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConditionForm(forms.Form):
    min_aum = forms.DecimalField(
        label=_("日均金融资产不低于（元）"), min_value=Decimal(0), max_digits=18, decimal_places=2
    )
    hold_days = forms.IntegerField(label=_("持有天数"), min_value=1, max_value=366)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def defaults() -> dict:
        today = timezone.localdate()
        return {"start": today - dt.timedelta(days=365), "end": today}
