"""Pages of complaints: recording at the counter, the lists, a complaint with its steps
and the actions its handler may take, and the statistics."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.complaints import selectors, services
from kewei.complaints.forms import (
    ActionForm,
    ComplaintForm,
    ReassignForm,
    SettingsForm,
    StatsForm,
)
from kewei.complaints.models import Action, Complaint, DeadlinePolicy, RoutingRule, Status
from kewei.core.form_views import act, add_errors, form_page
from kewei.core.params import int_param
from kewei.customers.models import Customer
from kewei.customers.selectors import CustomerQuery, customer_search
from kewei.organisation.models import Staff


@permission_required("complaints.add_complaint", raise_exception=True)
def complaint_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    customer = None
    customer_id = int_param(request.GET, "customer")
    if customer_id is not None:
        customer = get_object_or_404(Customer, pk=customer_id)
        initial["customer_number"] = customer.customer_number
    form = ComplaintForm(request.POST or None, initial=initial, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        number = data["customer_number"].strip().upper()
        customer = Customer.objects.filter(customer_number=number).first() if number else None
        if number and customer is None:
            form.add_error("customer_number", _("客户号不存在或不在您的权限范围内。"))
        else:
            department = customer.department if customer else request.user.department
            try:
                complaint = services.complaint_record(
                    actor=request.user,
                    data=services.ComplaintData(
                        channel=data["channel"],
                        category=data["category"],
                        severity=data["severity"],
                        description=data["description"],
                        department=department,
                        customer=customer,
                        caller_name=data["caller_name"],
                        caller_phone=data["caller_phone"],
                    ),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("投诉已受理：%(n)s，处理人 %(owner)s。")
                    % {"n": complaint.number, "owner": complaint.owner or "—"},
                )
                return redirect(complaint)
    return render(request, "complaints/complaint_form.html", {"form": form, "customer": customer})


LOOKUP_LIMIT = 8


@permission_required("complaints.add_complaint", raise_exception=True)
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """The complaint form's customer box (htmx): ``customer_q`` lists the first customers
    the customer search finds for the text, in the user's scope and masked; ``pick``
    answers the box again with that customer's number filled in."""
    picked = int_param(request.GET, "pick")
    if picked is not None:
        customer = get_object_or_404(Customer.objects.select_related("department"), pk=picked)
        form = ComplaintForm(
            initial={"customer_number": customer.customer_number}, customer=customer
        )
        return HttpResponse(form["customer_number"].as_widget())
    text = request.GET.get("customer_q", "").strip()[:50]
    found = []
    if text:
        query = CustomerQuery.from_params({"text": text, "sort": "name"})
        found = list(customer_search(query)[: LOOKUP_LIMIT + 1])
    return render(
        request,
        "complaints/_customer_results.html",
        {
            "customers": found[:LOOKUP_LIMIT],
            "more": len(found) > LOOKUP_LIMIT,
            "searched": bool(text),
            "lookup_url": reverse("complaints:customer_lookup"),
        },
    )


@permission_required("complaints.view_complaint", raise_exception=True)
def complaint_list(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "")
    if view not in selectors.LIST_VIEWS:
        view = selectors.default_list_view(request.user)
    rows = selectors.complaint_list(
        status=request.GET.get("status", ""),
        mine_for=request.user if view == "mine" else None,
        overdue=view == "overdue",
        open_in_department=request.user.department if view == "department" else None,
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/complaint_list.html",
        {
            "page": page,
            "view": view,
            "status": request.GET.get("status", ""),
            "statuses": Status.choices,
        },
    )


def _actions_for(complaint: Complaint) -> list[tuple[str, str]]:
    return [
        (action, Action(action).label)
        for action, (sources, _target) in services.TRANSITIONS.items()
        if complaint.status in sources
    ]


@permission_required("complaints.view_complaint", raise_exception=True)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.select_related("customer", "owner", "department", "escalated_to"), pk=pk
    )
    can_handle = services.may_handle(request.user, complaint)
    owners = Staff.objects.filter(is_active=True).order_by("department__path", "employee_number")
    return render(
        request,
        "complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "steps": complaint.steps.select_related("actor"),
            "actions": _actions_for(complaint) if can_handle else [],
            "form": ActionForm(),
            "reassign": ReassignForm(owners=owners)
            if request.user.has_perm("complaints.handle_complaint")
            else None,
            "overdue": complaint.overdue(),
        },
    )


@require_POST
@permission_required("complaints.view_complaint", raise_exception=True)
def complaint_act(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint, pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return redirect(complaint)

    def step() -> str:
        services.complaint_act(actor=request.user, complaint=complaint, **form.cleaned_data)
        return _("已保存。")

    return act(request, complaint, step)


@require_POST
@permission_required("complaints.handle_complaint", raise_exception=True)
def complaint_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint, pk=pk)
    form = ReassignForm(request.POST, owners=Staff.objects.filter(is_active=True))
    if not form.is_valid():
        messages.error(request, _("请选择新处理人并说明原因。"))
        return redirect(complaint)

    def reassign() -> str:
        services.complaint_reassign(actor=request.user, complaint=complaint, **form.cleaned_data)
        return _("已转派。")

    return act(request, complaint, reassign)


@permission_required("complaints.change_deadlinepolicy", raise_exception=True)
def complaint_settings(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(
        request.POST or None,
        policies=list(DeadlinePolicy.objects.order_by("severity")),
        routing=dict(RoutingRule.objects.values_list("category", "role")),
    )

    def save(data):
        policies, routing = form.values()
        services.settings_save(actor=request.user, policies=policies, routing=routing)

    return form_page(
        request,
        form,
        save=save,
        done=lambda result: reverse("complaints:complaint_list"),
        message=_("投诉时限与分派规则已保存，新受理的投诉生效。"),
        title=_("投诉时限与分派规则"),
        cancel_url=reverse("complaints:complaint_list"),
    )


@permission_required("complaints.view_complaint_stats", raise_exception=True)
def complaint_stats(request: HttpRequest) -> HttpResponse:
    form = StatsForm(request.GET or None, initial=StatsForm.defaults())
    params = form.cleaned_data if form.is_bound and form.is_valid() else StatsForm.defaults()
    rows = selectors.statistics(by=params["by"], start=params["start"], end=params["end"])
    return render(
        request,
        "complaints/stats.html",
        {
            "form": form,
            "rows": rows,
            "by": params["by"],
            "back": reverse("complaints:complaint_list"),
        },
    )
