"""Pages of the points: the earning rules and settings (kept by the retail banking
department) and a customer's points statement (积分查询)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.core.form_views import form_page
from kewei.customers.models import Customer
from kewei.jobs.services import job_start
from kewei.points import selectors, services
from kewei.points.forms import PolicyForm, RuleEndForm, RuleForm, StatementFilterForm
from kewei.points.models import EarningRule


@permission_required("points.view_earningrule", raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rules = EarningRule.objects.prefetch_related("excluded_products").order_by(
        "code", "-effective_from"
    )
    return render(
        request,
        "points/rule_list.html",
        {
            "rules": rules,
            "today": today,
            "policy": selectors.policy_for(today),
            "last_accrued": services.last_accrued(),
        },
    )


def _rule_data(cleaned: dict) -> services.RuleData:
    return services.RuleData(
        code=cleaned["code"].strip().upper(),
        name=cleaned["name"].strip(),
        kind=cleaned["kind"],
        points=cleaned["points"],
        effective_from=cleaned["effective_from"],
        category=cleaned.get("category") or "",
        event_kind=cleaned.get("event_kind") or "",
        unit_yuan=cleaned.get("unit_yuan"),
        excluded_products=tuple(cleaned.get("excluded_products") or ()),
        excluded_channels=tuple(cleaned.get("excluded_channels") or ()),
        note=cleaned.get("note") or "",
    )


@permission_required("points.add_earningrule", raise_exception=True)
def rule_create(request: HttpRequest) -> HttpResponse:
    """A new rule, or (``?from=<id>``) a new version of an existing one."""
    initial = {}
    base = request.GET.get("from", "")
    if base.isdigit():
        rule = get_object_or_404(EarningRule, pk=int(base))
        initial = {
            "code": rule.code,
            "name": rule.name,
            "kind": rule.kind,
            "points": rule.points,
            "category": rule.category,
            "unit_yuan": rule.unit_yuan,
            "event_kind": rule.event_kind,
            "excluded_products": list(rule.excluded_products.all()),
            "excluded_channels": rule.excluded_channels,
        }
    return form_page(
        request,
        RuleForm(request.POST or None, initial=initial),
        save=lambda data: services.rule_create(actor=request.user, data=_rule_data(data)),
        done=lambda rule: reverse("points:rule_list"),
        message=lambda rule: (
            _("积分规则 %(r)s 将自 %(d)s 起生效。")
            % {"r": rule, "d": rule.effective_from.isoformat()}
        ),
        title=_("新建积分规则或新版本"),
        cancel_url=reverse("points:rule_list"),
    )


@permission_required("points.change_earningrule", raise_exception=True)
def rule_end(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(EarningRule, pk=pk)
    return form_page(
        request,
        RuleEndForm(request.POST or None),
        save=lambda data: services.rule_end(
            actor=request.user, rule=rule, effective_to=data["effective_to"]
        ),
        done=lambda rule: reverse("points:rule_list"),
        message=lambda rule: (
            _("积分规则 %(r)s 自 %(d)s 起停用。") % {"r": rule, "d": rule.effective_to.isoformat()}
        ),
        title=_("停用积分规则：%(r)s") % {"r": rule},
        cancel_url=reverse("points:rule_list"),
    )


@permission_required("points.add_pointspolicy", raise_exception=True)
def policy_create(request: HttpRequest) -> HttpResponse:
    current = selectors.policy_for(timezone.localdate())
    initial = {
        "monthly_cap": current.monthly_cap,
        "expiry_years": current.expiry_years,
        "tier_multipliers": "\n".join(
            f"{tier}={value}" for tier, value in (current.tier_multipliers or {}).items()
        ),
    }
    return form_page(
        request,
        PolicyForm(request.POST or None, initial=initial),
        save=lambda data: services.policy_set(actor=request.user, **data),
        done=lambda policy: reverse("points:rule_list"),
        message=lambda policy: (
            _("积分参数将自 %(d)s 起生效。") % {"d": policy.effective_from.isoformat()}
        ),
        title=_("修改积分参数"),
        cancel_url=reverse("points:rule_list"),
    )


@permission_required("points.view_pointsentry", raise_exception=True)
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer's points statement, with filters; printable and exportable."""
    customer = get_object_or_404(Customer, pk=pk)
    form = StatementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.points_statement(
        customer,
        start=filters.get("start"),
        end=filters.get("end"),
        kind=filters.get("kind", ""),
    )
    today = timezone.localdate()
    return render(
        request,
        "points/statement.html",
        {
            "customer": customer,
            "form": form,
            "page_obj": Paginator(entries, 50).get_page(request.GET.get("page")),
            "balance": selectors.points_balance(customer),
            "expiring": selectors.points_expiring(customer, on=today),
            "printed_at": timezone.localtime(),
        },
    )


@require_POST
@permission_required("points.view_pointsentry", raise_exception=True)
def statement_export(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = StatementFilterForm(request.POST)
    filters = form.cleaned_data if form.is_valid() else {}
    run = job_start(
        actor=request.user,
        kind="points.statement",
        params={
            "customer": customer.pk,
            "start": filters["start"].isoformat() if filters.get("start") else "",
            "end": filters["end"].isoformat() if filters.get("end") else "",
            "kind": filters.get("kind", ""),
        },
    )
    return redirect(run)
