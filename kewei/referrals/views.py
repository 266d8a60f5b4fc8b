"""Pages of referrals: the best referrers, and the reward condition."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from kewei.core.form_views import form_page
from kewei.referrals import selectors, services
from kewei.referrals.forms import ConditionForm, PeriodForm
from kewei.referrals.models import RewardCondition


@permission_required("referrals.view_referral_ranking", raise_exception=True)
def best_referrers(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None, initial=PeriodForm.defaults())
    period = form.cleaned_data if form.is_bound and form.is_valid() else PeriodForm.defaults()
    customers, staff = selectors.best_referrers(start=period["start"], end=period["end"])
    return render(
        request,
        "referrals/best.html",
        {
            "form": form,
            "customers": customers,
            "staff": staff,
            "condition": RewardCondition.current(),
        },
    )


@permission_required("referrals.change_rewardcondition", raise_exception=True)
def condition_update(request: HttpRequest) -> HttpResponse:
    condition = RewardCondition.current()
    return form_page(
        request,
        ConditionForm(
            request.POST or None,
            initial={"min_aum": condition.min_aum, "hold_days": condition.hold_days},
        ),
        save=lambda data: services.condition_set(actor=request.user, **data),
        done=lambda saved: reverse("referrals:best_referrers"),
        message=_("推荐奖励条件已保存。"),
        title=_("推荐奖励条件"),
        cancel_url=reverse("referrals:best_referrers"),
    )
