"""The analytics settings form: margins per product category, the A/B/C/D thresholds
and the churn rule, in the units staff use (元, percent)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kewei.core.money import fen, yuan
from kewei.products.models import Category


def _percent(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=0, max_value=100, decimal_places=3, required=False
    )


class SettingsForm(forms.Form):
    contribution_threshold = forms.DecimalField(
        label=_("高贡献门槛（元/年）"), min_value=0, decimal_places=2
    )
    turnover_threshold = forms.DecimalField(
        label=_("高周转门槛（元/近12个月）"), min_value=0, decimal_places=2
    )
    churn_drop = forms.DecimalField(
        label=_("流失：资产降幅超过（%）"), min_value=1, max_value=100, decimal_places=1
    )
    churn_idle_months = forms.IntegerField(
        label=_("流失：连续无交易（月）"), min_value=1, max_value=36
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in Category.choices:
            self.fields[f"spread_{code}"] = _percent(_("%(c)s 年利差（%%）") % {"c": label})
            self.fields[f"fee_{code}"] = _percent(_("%(c)s 费率（%%）") % {"c": label})

    def category_rows(self):
        return [
            (label, self[f"spread_{code}"], self[f"fee_{code}"]) for code, label in Category.choices
        ]

    @staticmethod
    def initial_from(config) -> dict:
        initial = {
            "contribution_threshold": yuan(config.contribution_threshold),
            "turnover_threshold": yuan(config.turnover_threshold),
            "churn_drop": Decimal(str(config.churn_drop)) * 100,
            "churn_idle_months": config.churn_idle_months,
        }
        for code, margin in (config.margins or {}).items():
            initial[f"spread_{code}"] = Decimal(str(margin.get("spread", 0))) * 100
            initial[f"fee_{code}"] = Decimal(str(margin.get("fee", 0))) * 100
        return initial

    def values(self) -> dict:
        data = self.cleaned_data
        margins = {}
        for code, _label in Category.choices:
            spread = data.get(f"spread_{code}") or Decimal(0)
            fee = data.get(f"fee_{code}") or Decimal(0)
            if spread or fee:
                margins[code] = {"spread": float(spread / 100), "fee": float(fee / 100)}
        return {
            "margins": margins,
            "contribution_threshold": fen(data["contribution_threshold"]),
            "turnover_threshold": fen(data["turnover_threshold"]),
            "churn_drop": float(data["churn_drop"] / 100),
            "churn_idle_months": data["churn_idle_months"],
        }
