"""Pages of the points: the earning rules and settings (kept by the retail banking
department), a customer's points statement (积分查询), the gift catalogue (礼品管理),
redemption at the counter (积分兑换) and manual adjustments (maker–checker)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.core.form_views import add_errors, form_page
from kewei.core.params import int_param
from kewei.customers.models import Customer
from kewei.jobs.services import job_start
from kewei.points import redemptions, selectors, services
from kewei.points.forms import (
    AdjustmentForm,
    GiftCreateForm,
    GiftForm,
    PolicyForm,
    ReasonForm,
    RedeemForm,
    RuleEndForm,
    RuleForm,
    StatementFilterForm,
    StockForm,
)
from kewei.points.models import (
    Adjustment,
    AdjustmentStatus,
    EarningRule,
    Gift,
    GiftStatus,
    Redemption,
    RedemptionStatus,
)
from kewei.tiers.selectors import tier_names


@permission_required("points.view_earningrule", raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rules = EarningRule.objects.prefetch_related("excluded_products").order_by(
        "code", "-effective_from"
    )
    policy = selectors.policy_for(today)
    names = tier_names()
    return render(
        request,
        "points/rule_list.html",
        {
            "rules": rules,
            "today": today,
            "policy": policy,
            # Tier names, not codes (a tier gone from the scheme keeps its code).
            "multipliers": [
                (names.get(tier, tier), value)
                for tier, value in (policy.tier_multipliers or {}).items()
            ],
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
        "tier_multipliers": current.tier_multipliers or {},
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


# --- gifts ---------------------------------------------------------------------------


@permission_required("points.view_gift", raise_exception=True)
def gift_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", GiftStatus.ACTIVE)
    gifts = Gift.objects.order_by("points_price", "code")
    if status in GiftStatus.values:
        gifts = gifts.filter(status=status)
    return render(
        request,
        "points/gift_list.html",
        {"page_obj": Paginator(gifts, 50).get_page(request.GET.get("page")), "status": status},
    )


@permission_required("points.view_gift", raise_exception=True)
def gift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gift = get_object_or_404(Gift, pk=pk)
    form = StockForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("points.add_stockmovement"):
            raise PermissionDenied
        if form.is_valid():
            try:
                redemptions.gift_stock_move(actor=request.user, gift=gift, **form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("库存已登记。"))
                return redirect(gift)
    names = tier_names()
    return render(
        request,
        "points/gift_detail.html",
        {
            "gift": gift,
            "form": form,
            "movements": gift.movements.select_related("actor").order_by("-created_at", "-id")[:50],
            "outlets": list(gift.outlets.order_by("code")),
            "tier_labels": [names.get(code, code) for code in gift.tiers],
        },
    )


@permission_required("points.view_gift", raise_exception=True)
def gift_picture(request: HttpRequest, pk: int) -> HttpResponse:
    gift = get_object_or_404(Gift, pk=pk)
    if not gift.picture:
        raise Http404
    return FileResponse(gift.picture.open("rb"))


def _gift_data(cleaned: dict) -> redemptions.GiftData:
    return redemptions.GiftData(
        code=cleaned["code"].strip().upper(),
        name=cleaned["name"].strip(),
        points_price=cleaned["points_price"],
        cash_price=cleaned.get("cash_price") or Decimal("0"),
        per_customer_limit=cleaned.get("per_customer_limit"),
        valid_from=cleaned.get("valid_from"),
        valid_to=cleaned.get("valid_to"),
        tiers=cleaned.get("tiers") or (),
        outlets=tuple(cleaned.get("outlets") or ()),
        description=cleaned.get("description") or "",
        picture=cleaned.get("picture"),
    )


@permission_required("points.add_gift", raise_exception=True)
def gift_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        GiftCreateForm(request.POST or None, request.FILES or None),
        save=lambda data: redemptions.gift_create(
            actor=request.user, data=_gift_data(data), opening_stock=data["opening_stock"]
        ),
        done=lambda gift: gift,
        message=lambda gift: (
            _("已新建礼品 %(g)s，期初库存 %(n)d 件。") % {"g": gift, "n": gift.stock}
        ),
        title=_("新建礼品"),
        cancel_url=reverse("points:gift_list"),
    )


@permission_required("points.change_gift", raise_exception=True)
def gift_update(request: HttpRequest, pk: int) -> HttpResponse:
    gift = get_object_or_404(Gift, pk=pk)
    initial = {
        "code": gift.code,
        "name": gift.name,
        "points_price": gift.points_price,
        "cash_price": gift.cash_price,
        "per_customer_limit": gift.per_customer_limit,
        "valid_from": gift.valid_from,
        "valid_to": gift.valid_to,
        "tiers": list(gift.tiers),
        "outlets": list(gift.outlets.all()),
        "description": gift.description,
    }
    return form_page(
        request,
        GiftForm(request.POST or None, request.FILES or None, initial=initial),
        save=lambda data: redemptions.gift_update(
            actor=request.user, gift=gift, data=_gift_data(data)
        ),
        done=lambda gift: gift,
        message=_("礼品信息已保存。"),
        title=_("修改礼品：%(g)s") % {"g": gift},
        cancel_url=gift.get_absolute_url(),
    )


@require_POST
@permission_required("points.change_gift", raise_exception=True)
def gift_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    gift = get_object_or_404(Gift, pk=pk)
    redemptions.gift_withdraw(actor=request.user, gift=gift)
    messages.success(request, _("礼品 %(g)s 已下架。") % {"g": gift})
    return redirect(gift)


# --- redemption at the counter ----------------------------------------------------------


REDEEM_FORM_KEYS = "points.redeem_form_keys"  # session: {customer id: form key}


def _redeem_form_key(request: HttpRequest, customer: Customer, *, new: bool = False) -> str:
    """The idempotency key of the customer's redeem form in this session. It is issued
    once and kept after the form has redeemed, so the form shown again (the browser's
    Back re-fetches it: pages are not stored) is the same form and cannot redeem a
    second time; the next redemption starts with ``new``, from the page's button."""
    keys = dict(request.session.get(REDEEM_FORM_KEYS, {}))
    key = keys.pop(str(customer.pk), None)
    if key is None or new:
        key = uuid.uuid4().hex
    keys[str(customer.pk)] = key  # the latest last; only the last few are kept
    request.session[REDEEM_FORM_KEYS] = dict(list(keys.items())[-20:])
    return key


def redeem(request: HttpRequest, pk: int) -> HttpResponse:
    # The customer first: out of scope is 404 here as everywhere, whatever the caller's
    # permissions.
    customer = get_object_or_404(Customer, pk=pk)
    if not request.user.has_perm("points.redeem_gift"):
        raise PermissionDenied
    if request.method == "POST" and "new" in request.POST:
        _redeem_form_key(request, customer, new=True)
        return redirect("points:redeem", pk=customer.pk)
    key = _redeem_form_key(request, customer)
    today = timezone.localdate()
    offer = redemptions.gifts_on_offer(
        actor=request.user, customer=customer, outlet=request.user.department, on=today
    )
    form = RedeemForm(request.POST or None, initial={"idempotency_key": key}, offered=offer.gifts)
    if request.method == "POST" and form.is_valid():
        posted = form.cleaned_data["idempotency_key"]
        replayed = Redemption.objects.filter(idempotency_key=posted).exists()
        try:
            redemption = redemptions.points_redeem(
                actor=request.user,
                customer=customer,
                gift=form.cleaned_data["gift"],
                quantity=form.cleaned_data["quantity"],
                outlet=request.user.department,
                idempotency_key=posted,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if replayed:
                text = _("此兑换已办理：单号 %(n)s，未重复扣减积分。") % {"n": redemption.number}
            else:
                text = _("兑换成功：单号 %(n)s，扣减 %(p)s 积分。") % {
                    "n": redemption.number,
                    "p": redemption.points,
                }
            # The message carries the way to the receipt the customer signs.
            receipt = format_html(
                '{} <a href="{}" data-testid="receipt-link">{}</a>',
                text,
                reverse("points:redemption_receipt", args=[redemption.pk]),
                _("打印兑换凭证"),
            )
            (messages.info if replayed else messages.success)(request, receipt)
            return redirect("points:statement", pk=customer.pk)
    return render(
        request,
        "points/redeem.html",
        {
            "customer": customer,
            "form": form,
            "offer": offer,
            "spendable": redemptions.spendable_points(customer, today),
            "done": Redemption.objects.filter(idempotency_key=key).first(),
        },
    )


@permission_required("points.view_redemption", raise_exception=True)
def redemption_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", RedemptionStatus.TO_COLLECT)
    items = Redemption.objects.select_related("customer", "gift", "outlet").order_by(
        "-created_at", "-id"
    )
    if status in RedemptionStatus.values:
        items = items.filter(status=status)
    return render(
        request,
        "points/redemption_list.html",
        {
            "page_obj": Paginator(items, 50).get_page(request.GET.get("page")),
            "status": status,
            "statuses": RedemptionStatus.choices,
        },
    )


@require_POST
@permission_required("points.change_redemption", raise_exception=True)
def redemption_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Redemption, pk=pk)
    status = request.POST.get("status", "")
    if status not in (RedemptionStatus.COLLECTED, RedemptionStatus.SENT):
        return redirect("points:redemption_list")
    try:
        redemptions.redemption_deliver(actor=request.user, redemption=item, status=status)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("兑换单 %(n)s 已交付。") % {"n": item.number})
    return redirect("points:redemption_list")


@permission_required("points.change_redemption", raise_exception=True)
def redemption_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirm step of a cancellation: what it gives back, and why (required)."""
    item = get_object_or_404(Redemption.objects.select_related("customer", "gift"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            redemptions.redemption_cancel(
                actor=request.user, redemption=item, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("兑换单 %(n)s 已撤销，积分与库存已退回。") % {"n": item.number}
            )
            return redirect("points:statement", pk=item.customer_id)
    return render(request, "points/redemption_cancel.html", {"item": item, "form": form})


@permission_required("points.view_redemption", raise_exception=True)
def redemption_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable receipt of a redemption (兑换凭证) that the customer signs."""
    item = get_object_or_404(
        Redemption.objects.select_related("customer", "gift", "outlet", "created_by"), pk=pk
    )
    return render(
        request,
        "points/redemption_receipt.html",
        {"item": item, "bank_name": settings.KEWEI_BANK_NAME, "printed_at": timezone.localtime()},
    )


# --- manual adjustments -----------------------------------------------------------------


@permission_required("points.add_adjustment", raise_exception=True)
def adjustment_propose(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return form_page(
        request,
        AdjustmentForm(request.POST or None),
        save=lambda data: redemptions.adjustment_propose(
            actor=request.user, customer=customer, **data
        ),
        done=lambda adjustment: reverse("points:statement", args=[customer.pk]),
        message=_("积分调整已提交，待另一人复核后生效。"),
        title=_("积分调整：%(c)s") % {"c": customer},
        cancel_url=reverse("points:statement", args=[customer.pk]),
    )


@permission_required("points.approve_adjustment", raise_exception=True)
def adjustment_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        item = get_object_or_404(Adjustment, pk=int_param(request.POST, "adjustment") or 0)
        approve = request.POST.get("decision") == "approve"
        try:
            redemptions.adjustment_decide(
                actor=request.user,
                adjustment=item,
                approve=approve,
                note=request.POST.get("note", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("已批准。") if approve else _("已驳回。"))
        return redirect("points:adjustment_list")
    pending = Adjustment.objects.filter(status=AdjustmentStatus.PROPOSED).select_related(
        "customer", "proposed_by"
    )
    return render(
        request,
        "points/adjustment_list.html",
        {"pending": pending.order_by("proposed_at"), "limit": redemptions.adjustment_limit()},
    )
