"""Pages of the customer archive. Customers come through the scoped default manager, so
one outside the user's scope answers 404 on every page here."""

from __future__ import annotations

import re
import uuid

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.core.form_views import form_page
from kewei.core.pagination import CappedPaginator
from kewei.customers import forms, selectors, services
from kewei.customers.models import Customer, CustomerProfile, FamilyMember, SavedSearch
from kewei.customers.panels import panels_for
from kewei.customers.validation import by_field, clean_customer
from kewei.jobs.models import JobRun
from kewei.jobs.services import job_start
from kewei.organisation.models import Staff

VIEW = "customers.view_customer"
CHANGE = "customers.change_customer"


def _by_number(number: str) -> Customer | None:
    return Customer.objects.filter(customer_number=number.strip().upper()).first()


@permission_required(VIEW, raise_exception=True)
def customer_search(request: HttpRequest) -> HttpResponse:
    query = selectors.CustomerQuery.from_params(request.GET)
    page = None
    if not query.is_empty() or request.GET.get("all") == "1":
        page = CappedPaginator(selectors.customer_search(query), 50).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "customers/search.html",
        {
            "query": query,
            "page_obj": page,
            "saved_searches": SavedSearch.objects.select_related("owner"),
            "departments": forms.customer_departments(),
            "managers": forms.manager_choices(),
            "save_form": forms.SavedSearchForm(),
            "months": [(m, _("%(m)d月") % {"m": m}) for m in range(1, 13)],
            "sorts": selectors.SORTS.keys(),
            "extra_filters": [(f, query.extra.get(f.name, "")) for f in selectors.extra_filters()],
            "categories": apps.get_model("products", "Product")._meta.get_field("category").choices,
        },
    )


@require_POST
@permission_required(VIEW, raise_exception=True)
def saved_search_create(request: HttpRequest) -> HttpResponse:
    form = forms.SavedSearchForm(request.POST)
    query = selectors.CustomerQuery.from_params(request.POST)
    if form.is_valid():
        SavedSearch.objects.create(
            name=form.cleaned_data["name"],
            shared=form.cleaned_data["shared"],
            owner=request.user,
            department=request.user.department,
            params=query.to_params(),
        )
        messages.success(request, _("查询已保存。"))
    else:
        messages.error(request, _("请填写查询名称。"))
    return redirect(f"{reverse('customers:customer_search')}?{query.querystring()}")


@permission_required(VIEW, raise_exception=True)
def saved_search_open(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=pk)
    query = selectors.CustomerQuery.from_params(saved.params)
    return redirect(f"{reverse('customers:customer_search')}?{query.querystring()}")


@require_POST
@permission_required(VIEW, raise_exception=True)
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    saved.delete()
    messages.success(request, _("已删除保存的查询。"))
    return redirect("customers:customer_search")


@require_POST
@permission_required("customers.export_customer", raise_exception=True)
def customer_export(request: HttpRequest) -> HttpResponse:
    query = selectors.CustomerQuery.from_params(request.POST)
    run = job_start(
        actor=request.user, kind="customers.export", params={"query": query.to_params()}
    )
    return redirect(run)


def _save_customer(user, data: dict, customer: Customer | None = None) -> Customer:
    """Validate with the rules every entry path shares, then call the service."""
    data = {
        **data,
        "vip_flag": bool(data.get("vip_flag")),
    }
    cleaned, errors = clean_customer(data, departments={}, managers={})
    if errors:
        raise ValidationError(by_field(errors))
    if customer is None:
        return services.customer_create(actor=user, data=cleaned)
    return services.customer_update(actor=user, customer=customer, data=cleaned)


@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request: HttpRequest) -> HttpResponse:
    form = forms.CustomerForm(
        request.POST or None, initial={"department": request.user.department_id}
    )
    return form_page(
        request,
        form,
        save=lambda data: _save_customer(request.user, data),
        done=lambda customer: customer,
        message=lambda customer: _("已建档：%(c)s。") % {"c": customer},
        title=_("新建客户"),
        cancel_url=reverse("customers:customer_search"),
    )


@permission_required(CHANGE, raise_exception=True)
def customer_update(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    initial = {
        "name": customer.name,
        "id_type": customer.id_type,
        "id_number": customer.id_number,
        "gender": customer.gender,
        "birthday": customer.birthday,
        "mobile": customer.mobile,
        "address": customer.address,
        "email": customer.email,
        "department": customer.department_id,
        "responsible_manager": customer.responsible_manager_id,
        "vip_flag": customer.vip_flag,
        "source": customer.source,
    }
    return form_page(
        request,
        forms.CustomerForm(request.POST or None, initial=initial),
        save=lambda data: _save_customer(request.user, data, customer),
        done=lambda customer: customer,
        message=_("客户信息已保存。"),
        title=_("修改客户：%(c)s") % {"c": customer},
        cancel_url=customer.get_absolute_url(),
    )


@permission_required(VIEW, raise_exception=True)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(
        Customer.objects.select_related(
            "department", "responsible_manager", "household", "merged_into", "assets"
        ),
        pk=pk,
    )
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "panels": panels_for(request, customer),
            "reveal_form": forms.RevealForm(),
            "can_reveal": request.user.has_perm("customers.reveal_customer"),
        },
    )


@require_POST
@permission_required("customers.reveal_customer", raise_exception=True)
def customer_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "customers/_reveal_error.html", {"message": _("请填写查看原因。")})
    value = services.customer_reveal(
        actor=request.user,
        customer=customer,
        field=form.cleaned_data["field"],
        reason=form.cleaned_data["reason"],
    )
    return render(
        request, "customers/_revealed.html", {"value": value, "field": form.cleaned_data["field"]}
    )


@permission_required(CHANGE, raise_exception=True)
def customer_profile(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    profile = CustomerProfile.objects.filter(customer=customer).first() or CustomerProfile(
        customer=customer
    )
    return form_page(
        request,
        forms.ProfileForm(request.POST or None, instance=profile),
        save=lambda data: services.profile_update(
            actor=request.user, customer=customer, values=data
        ),
        done=lambda _result: customer,
        message=_("客户档案已保存。"),
        title=_("客户档案：%(c)s") % {"c": customer},
        cancel_url=customer.get_absolute_url(),
    )


def _small_form_view(request, pk, form_class, apply):
    """POST-only edits on the customer page: apply, report, return to the page."""
    customer = get_object_or_404(Customer, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = apply(customer, form.cleaned_data)
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
        else:
            messages.success(request, message)
    else:
        for field, problems in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for problem in problems:
                messages.error(request, f"{label}：{problem}" if label else problem)
    return redirect(customer)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def family_add(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(customer, data):
        services.family_member_add(actor=request.user, customer=customer, **data)
        return _("已添加家庭成员。")

    return _small_form_view(request, pk, forms.FamilyMemberForm, apply)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def family_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    member = get_object_or_404(FamilyMember, pk=member_pk, customer_id=pk)
    services.family_member_remove(actor=request.user, member=member)
    messages.success(request, _("已删除家庭成员。"))
    return redirect(member.customer)


def _other(number: str) -> Customer:
    other = _by_number(number)
    if other is None:
        raise ValidationError(_("找不到客户号 %(n)s（或不在您的数据权限范围内）。") % {"n": number})
    return other


@require_POST
@permission_required(CHANGE, raise_exception=True)
def relationship_add(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(customer, data):
        services.relationship_add(
            actor=request.user,
            customer=customer,
            other=_other(data["other_number"]),
            kind=data["kind"],
        )
        return _("已添加客户关系。")

    return _small_form_view(request, pk, forms.RelationshipForm, apply)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def household_join(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(customer, data):
        services.household_join(
            actor=request.user, customer=customer, other=_other(data["other_number"])
        )
        return _("已加入家庭。")

    return _small_form_view(request, pk, forms.HouseholdForm, apply)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def referral_add(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(customer, data):
        referrer = _other(data["referrer_number"]) if data["referrer_number"] else None
        services.referral_record(
            actor=request.user,
            customer=customer,
            referred_on=data["referred_on"],
            referrer_customer=referrer,
            referrer_staff=data["referrer_staff"],
            channel=data["channel"],
        )
        return _("已记录推荐关系。")

    return _small_form_view(request, pk, forms.ReferralForm, apply)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def tags_update(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(customer, data):
        services.tags_set(
            actor=request.user, customer=customer, names=re.split(r"[,，、\s]+", data["tags"])
        )
        return _("兴趣标签已保存。")

    return _small_form_view(request, pk, forms.TagsForm, apply)


@require_POST
@permission_required(CHANGE, raise_exception=True)
def consent_update(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(customer, data):
        services.consent_record(actor=request.user, customer=customer, **data)
        return _("营销同意已记录。")

    return _small_form_view(request, pk, forms.ConsentForm, apply)


@permission_required("customers.assign_customer", raise_exception=True)
def customer_assign(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return form_page(
        request,
        forms.AssignForm(
            request.POST or None, initial={"manager": customer.responsible_manager_id}
        ),
        save=lambda data: services.customer_assign(
            actor=request.user, customer=customer, manager=data["manager"], reason=data["reason"]
        ),
        done=lambda customer: customer,
        message=_("客户经理已更新。"),
        title=_("分配客户经理：%(c)s") % {"c": customer},
        cancel_url=customer.get_absolute_url(),
    )


@permission_required("customers.merge_customer", raise_exception=True)
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    keep = get_object_or_404(Customer, pk=pk)
    form = forms.MergeForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        duplicate = _by_number(form.cleaned_data["duplicate_number"])
        if duplicate is None:
            form.add_error("duplicate_number", _("找不到该客户号（或不在您的数据权限范围内）。"))
        elif form.cleaned_data["confirm"]:
            try:
                services.customer_merge(
                    actor=request.user,
                    keep=keep,
                    duplicate=duplicate,
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, "；".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(
                    request, _("已将 %(d)s 合并到 %(k)s。") % {"d": duplicate, "k": keep}
                )
                return redirect(keep)
    return render(
        request, "customers/merge.html", {"form": form, "keep": keep, "duplicate": duplicate}
    )


@permission_required("customers.assign_customer", raise_exception=True)
def book_transfer(request: HttpRequest) -> HttpResponse:
    form = forms.BookTransferForm(request.POST or request.GET or None)
    preview = None
    if (request.POST or request.GET) and form.is_valid():
        data = form.cleaned_data
        try:
            if request.method == "POST" and data["confirm"]:
                counts = services.book_transfer(
                    actor=request.user,
                    from_manager=data["from_manager"],
                    to_managers=list(data["to_managers"]),
                    reason=data["reason"],
                )
                messages.success(request, _("已移交 %(n)d 名客户。") % {"n": sum(counts.values())})
                return redirect("customers:book_transfer")
            plan = services.book_transfer_plan(
                from_manager=data["from_manager"], to_managers=list(data["to_managers"])
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, "；".join(getattr(error, "messages", [str(error)])))
        else:
            preview = _preview(plan)
    return render(request, "customers/book_transfer.html", {"form": form, "preview": preview})


def _preview(plan: list[tuple[int, int]]) -> list[dict]:
    by_manager: dict[int, list[int]] = {}
    for customer_id, manager_id in plan:
        by_manager.setdefault(manager_id, []).append(customer_id)
    staff = {s.pk: s for s in Staff.objects.unrestricted().filter(pk__in=by_manager)}
    rows = []
    for manager_id, ids in by_manager.items():
        customers = Customer.objects.filter(pk__in=ids)
        rows.append(
            {
                "manager": staff[manager_id],
                "count": len(ids),
                "aum": customers.aggregate(total=Sum("assets__aum"))["total"] or 0,
                "sample": list(customers.order_by("-assets__aum")[:10]),
            }
        )
    return rows


@permission_required("customers.import_customer", raise_exception=True)
def customer_import(request: HttpRequest) -> HttpResponse:
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = ".xlsx" if upload.name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
        relative = f"imports/{uuid.uuid4().hex}{suffix}"
        target = settings.MEDIA_ROOT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        run = job_start(
            actor=request.user,
            kind="customers.import",
            params={"file": relative, "dry_run": True, "original_name": upload.name[:200]},
        )
        return redirect("customers:import_detail", pk=run.pk)
    return render(request, "customers/import.html", {"form": form})


@permission_required("customers.import_customer", raise_exception=True)
def import_detail(request: HttpRequest, pk) -> HttpResponse:
    run = get_object_or_404(JobRun, pk=pk, kind="customers.import")
    return render(request, "customers/import_detail.html", {"run": run, "result": run.result})


@require_POST
@permission_required("customers.import_customer", raise_exception=True)
def import_confirm(request: HttpRequest, pk) -> HttpResponse:
    preview = get_object_or_404(JobRun, pk=pk, kind="customers.import")
    if not preview.result.get("dry_run") or not preview.result.get("file"):
        raise PermissionDenied
    run = job_start(
        actor=request.user,
        kind="customers.import",
        params={
            "file": preview.result["file"],
            "dry_run": False,
            "original_name": preview.result.get("original_name", ""),
        },
    )
    return redirect("customers:import_detail", pk=run.pk)
