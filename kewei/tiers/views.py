"""Pages of the tiers: the schemes (kept by the retail banking department), the outlet
head's list of customers waiting for a manager (待分配), and the potential VIPs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.core.form_views import act, add_errors, form_page
from kewei.core.money import TEN_THOUSAND
from kewei.customers.services import balanced_plan, customers_assign
from kewei.tiers import selectors, services
from kewei.tiers.forms import AssignForm, NewTierForm, SchemeForm, TierForm
from kewei.tiers.models import PotentialVip, Tier, TierRun, TierScheme

TO_ASSIGN_PAGE = 100


@permission_required("tiers.view_tierscheme", raise_exception=True)
def scheme_list(request: HttpRequest) -> HttpResponse:
    schemes = TierScheme.objects.prefetch_related("tiers")
    runs = TierRun.objects.select_related("scheme")[:10]
    return render(request, "tiers/scheme_list.html", {"schemes": schemes, "runs": runs})


@permission_required("tiers.change_tierscheme", raise_exception=True)
def scheme_update(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(TierScheme, pk=pk)
    initial = {
        "name": scheme.name,
        "measure": scheme.measure,
        "basis": scheme.basis,
        "grace_months": scheme.grace_months,
    }
    return form_page(
        request,
        SchemeForm(request.POST or None, initial=initial),
        save=lambda data: services.scheme_update(actor=request.user, scheme=scheme, **data),
        done=lambda result: reverse("tiers:scheme_list"),
        message=_("分级方案已保存，下次评级起生效。"),
        title=_("修改分级方案：%(scheme)s") % {"scheme": scheme.name},
        cancel_url=reverse("tiers:scheme_list"),
    )


@require_POST
@permission_required("tiers.add_tierscheme", raise_exception=True)
def scheme_copy(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(TierScheme, pk=pk)
    copy = services.scheme_copy(actor=request.user, scheme=scheme)
    messages.success(request, _("已复制为新方案“%(scheme)s”，请修改后启用。") % {"scheme": copy})
    return redirect("tiers:scheme_list")


@require_POST
@permission_required("tiers.change_tierscheme", raise_exception=True)
def scheme_in_force(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(TierScheme, pk=pk)
    services.scheme_put_in_force(actor=request.user, scheme=scheme)
    messages.success(
        request, _("“%(scheme)s”已启用，下次评级按该方案重新分级。") % {"scheme": scheme}
    )
    return redirect("tiers:scheme_list")


def _tier_values(data: dict) -> dict:
    """A tier form's values as the services take them (the bound entered in 万元)."""
    return {
        "name": data["name"],
        "name_en": data["name_en"],
        "min_aum": data["min_aum_wan"] * TEN_THOUSAND,
        "responsible_role": data["responsible_role"],
        "requires_manager": data["requires_manager"],
        "contact_interval_days": data["contact_interval_days"],
    }


@permission_required("tiers.change_tier", raise_exception=True)
def tier_update(request: HttpRequest, pk: int) -> HttpResponse:
    tier = get_object_or_404(Tier.objects.select_related("scheme"), pk=pk)
    initial = {
        "name": tier.name,
        "name_en": tier.name_en,
        "min_aum_wan": tier.min_aum_wan,
        "responsible_role": tier.responsible_role,
        "requires_manager": tier.requires_manager,
        "contact_interval_days": tier.contact_interval_days,
    }

    def save(data):
        return services.tier_update(actor=request.user, tier=tier, **_tier_values(data))

    return form_page(
        request,
        TierForm(request.POST or None, initial=initial),
        save=save,
        done=lambda result: reverse("tiers:scheme_list"),
        message=_("等级已保存，下次评级起生效。"),
        title=_("修改等级：%(scheme)s · %(tier)s") % {"scheme": tier.scheme, "tier": tier},
        cancel_url=reverse("tiers:scheme_list"),
    )


@permission_required("tiers.change_tier", raise_exception=True)
def tier_create(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_object_or_404(TierScheme, pk=pk)

    def save(data):
        return services.tier_add(
            actor=request.user,
            scheme=scheme,
            data=services.TierData(code=data["code"], **_tier_values(data)),
        )

    return form_page(
        request,
        NewTierForm(request.POST or None),
        save=save,
        done=lambda tier: reverse("tiers:scheme_list"),
        message=_("等级已新增。"),
        title=_("新增等级：%(scheme)s") % {"scheme": scheme},
        cancel_url=reverse("tiers:scheme_list"),
    )


@require_POST
@permission_required("tiers.change_tier", raise_exception=True)
def tier_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tier = get_object_or_404(Tier, pk=pk)

    def remove() -> str:
        services.tier_remove(actor=request.user, tier=tier)
        return _("等级已删除：%(tier)s") % {"tier": tier.name}

    return act(request, "tiers:scheme_list", remove)


@permission_required("customers.assign_customer", raise_exception=True)
def to_assign(request: HttpRequest) -> HttpResponse:
    """Customers of a tier that needs a manager who have none; tick some, pick managers,
    see the suggested split (balancing the managers' books), then assign."""
    waiting = selectors.customers_to_assign()
    page = Paginator(waiting, TO_ASSIGN_PAGE).get_page(request.GET.get("page"))
    managers = list(selectors.assignable_managers())
    shown = {customer.pk: customer for customer in page}
    form = AssignForm(
        request.POST or None,
        customer_choices=[(pk, str(c)) for pk, c in shown.items()],
        manager_choices=[(m.pk, str(m)) for m in managers],
    )
    plan = []
    if request.method == "POST" and form.is_valid():
        chosen = [shown[pk] for pk in form.cleaned_data["customers"]]
        picked = [m for m in managers if m.pk in form.cleaned_data["managers"]]
        proposal = balanced_plan(
            sorted(((c.pk, c.aum) for c in chosen), key=lambda item: (-item[1], item[0])),
            [m.pk for m in picked],
            {m.pk: m.book_aum for m in picked},
        )
        if request.POST.get("confirm"):
            try:
                with transaction.atomic():
                    counts = customers_assign(
                        actor=request.user, plan=proposal, reason=_("达到须指定客户经理的等级")
                    )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request, _("已分配 %(count)d 名客户。") % {"count": sum(counts.values())}
                )
                return redirect("tiers:to_assign")
        by_manager = {m.pk: m for m in managers}
        plan = [(shown[customer_id], by_manager[target]) for customer_id, target in proposal]
    return render(
        request,
        "tiers/to_assign.html",
        {"page": page, "managers": managers, "form": form, "plan": plan},
    )


@permission_required("tiers.view_potentialvip", raise_exception=True)
def potential_vip_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.potential_vips(), 50).get_page(request.GET.get("page"))
    return render(request, "tiers/potential_vip_list.html", {"page": page})


@require_POST
@permission_required("tiers.change_potentialvip", raise_exception=True)
def potential_vip_follow(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(PotentialVip, pk=pk)
    services.potential_vip_follow(actor=request.user, flag=flag)
    messages.success(request, _("已标记为已跟进：%(customer)s") % {"customer": flag.customer})
    return redirect("tiers:potential_vip_list")
