"""Pages of the customer archive. Customers come through the scoped default manager, so
one outside the user's scope answers 404 on every page here."""

from __future__ import annotations

import re
import uuid

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
from kewei.customers.panels import panels_for, quick_actions_for, summary_for
from kewei.customers.validation import by_field, clean_customer
from kewei.jobs.models import JobRun
from kewei.jobs.services import job_start
from kewei.organisation.models import Staff

VIEW = "customers.view_customer"
CHANGE = "customers.change_customer"


def _by_number(number: str) -> Customer | None:
    return Customer.objects.filter(customer_number=number.strip().upper()).first()


def _search_url(query: selectors.CustomerQuery) -> str:
    """The search page showing ``query``: its parameters carry an ID number or a mobile
    only as blind indexes."""
    url = reverse("customers:customer_search")
    querystring = query.querystring()
    return f"{url}?{querystring}" if querystring else url


@permission_required(VIEW, raise_exception=True)
def customer_search(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # The search form posts, so what was typed (an ID number, say) never becomes a
        # URL; the results page's URL has the query with identities as blind indexes.
        return redirect(_search_url(selectors.CustomerQuery.from_params(request.POST)))
    query = selectors.CustomerQuery.from_params(request.GET)
    if request.GET.get("text", "").strip() and not query.text:
        return redirect(_search_url(query))  # an identity in clear in an old link
    page = None
    if not query.is_empty() or request.GET.get("all") == "1":
        page = CappedPaginator(selectors.customer_search(query), 50).get_page(
            request.GET.get("page")
        )
    departments = selectors.customer_departments()
    managers = selectors.assignable_managers()
    from kewei.products.models import Category  # products imports this app

    categories = Category.choices
    return render(
        request,
        "customers/search.html",
        {
            "query": query,
            "query_pairs": query.param_pairs(),
            # Whether the search ran (a page, maybe empty), not whether it found anyone.
            "searched": page is not None,
            "filters_shown": _filters_shown(query, departments, managers, categories)
            if page is not None and not page.object_list
            else [],
            "page_obj": page,
            "saved_searches": SavedSearch.objects.select_related("owner"),
            "departments": departments,
            "managers": managers,
            "save_form": forms.SavedSearchForm(),
            "can_reveal": request.user.has_perm("customers.reveal_customer"),
            "months": [(m, _("%(m)d月") % {"m": m}) for m in range(1, 13)],
            "sorts": selectors.SORTS.keys(),
            "extra_filters": [(f, query.extra.get(f.name, "")) for f in selectors.extra_filters()],
            "categories": categories,
        },
    )


def _filters_shown(query: selectors.CustomerQuery, departments, managers, categories) -> list:
    """The filters of a search that found nobody, as (label, value, kind) for the page
    to say what was looked for; ``kind`` "tier" leaves the tier's name to the page. An
    exact identity is named, never shown."""
    shown: list[tuple[str, str, str]] = []

    def add(label, value, kind=""):
        shown.append((str(label), str(value), kind))

    if query.text:
        if selectors.is_mobile_last4(query.text):
            add(_("手机尾号"), query.text)
        else:
            add(_("姓名/拼音/客户号"), query.text)
    if query.identity_kind == "id_number":
        add(_("证件号码"), _("精确匹配（号码不显示）"))
    elif query.identity_kind == "mobile":
        add(_("手机号码"), _("精确匹配（号码不显示）"))
    if query.department:
        name = next((d.name for d in departments if d.pk == query.department), query.department)
        add(_("机构"), name)
    if query.manager == "none":
        add(_("客户经理"), _("（未分配）"))
    elif query.manager.isdigit():
        manager = managers.filter(pk=int(query.manager)).first()
        add(_("客户经理"), manager.full_name if manager else query.manager)
    if query.tier:
        add(_("客户等级"), query.tier, "tier")
    if query.aum_min_wan is not None or query.aum_max_wan is not None:
        low = "" if query.aum_min_wan is None else query.aum_min_wan
        high = "" if query.aum_max_wan is None else query.aum_max_wan
        add(_("资产（万元）"), f"{low} – {high}")
    if query.birth_month:
        add(_("生日月份"), _("%(m)d月") % {"m": query.birth_month})
    if query.tags:
        add(_("兴趣标签"), "、".join(query.tags))
    if query.vip is not None:
        add(_("贵宾"), _("是") if query.vip else _("否"))
    labels = dict(categories)
    if query.holds:
        add(_("持有产品"), "、".join(str(labels.get(c, c)) for c in query.holds))
    if query.lacks:
        add(_("未持有产品"), "、".join(str(labels.get(c, c)) for c in query.lacks))
    if query.categories_min is not None or query.categories_max is not None:
        low = "" if query.categories_min is None else query.categories_min
        high = "" if query.categories_max is None else query.categories_max
        add(_("持有产品类别数"), f"{low} – {high}")
    for search_filter in selectors.extra_filters():
        if search_filter.name in query.extra:
            value = query.extra[search_filter.name]
            add(search_filter.label, dict(search_filter.choices()).get(value, value))
    if query.not_contacted_days is not None:
        add(_("超过天数未联系"), query.not_contacted_days)
    if query.include_merged:
        add(_("包括已合并客户"), _("是"))
    return shown


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
            params=query.to_params(),  # an ID number or a mobile as its blind index
        )
        messages.success(request, _("查询已保存。"))
    else:
        messages.error(request, _("请填写查询名称。"))
    return redirect(_search_url(query))


@permission_required(VIEW, raise_exception=True)
def saved_search_open(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=pk)
    return redirect(_search_url(selectors.CustomerQuery.from_params(saved.params)))


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
    """Export a search. An export with personal fields in full is a reveal: it needs the
    reveal permission and a reason, and is audited as one (the job does)."""
    query = selectors.CustomerQuery.from_params(request.POST)
    form = forms.ExportForm(request.POST)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return redirect(_search_url(query))
    params = {"query": query.to_params()}
    if form.cleaned_data["unmasked"]:
        if not request.user.has_perm("customers.reveal_customer"):
            raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
        params.update(unmasked=True, reason=form.cleaned_data["reason"])
    run = job_start(actor=request.user, kind="customers.export", params=params)
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
    # The personal fields are not given as initial values: the form shows them masked.
    initial = {
        "name": customer.name,
        "id_type": customer.id_type,
        "gender": customer.gender,
        "birthday": customer.birthday,
        "department": customer.department_id,
        "responsible_manager": customer.responsible_manager_id,
        "vip_flag": customer.vip_flag,
        "source": customer.source,
    }
    form = forms.CustomerEditForm(request.POST or None, initial=initial, customer=customer)
    return form_page(
        request,
        form,
        save=lambda data: _save_customer(
            request.user, {**data, **form.personal_values(customer)}, customer
        ),
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
    # The header first: its facts are read once and the panels showing them reuse them.
    facts, alerts = summary_for(request, customer)
    panels = panels_for(request, customer)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "facts": facts,
            "alerts": alerts,
            "quick_actions": quick_actions_for(request, customer),
            "panels": panels,
            "panel_names": {panel.name for panel, _context in panels},
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
    """Hand a manager's book over: the preview and the confirmation are both posted (the
    reason is no URL); choosing the one handing over posts the form back too, to offer
    the receivers without him, and shows no errors yet."""
    acting = request.method == "POST" and ("preview" in request.POST or "confirm" in request.POST)
    if request.method == "POST" and not acting:
        chosen = {
            "from_manager": request.POST.get("from_manager"),
            "to_managers": request.POST.getlist("to_managers"),
            "reason": request.POST.get("reason"),
        }
        form = forms.BookTransferForm(initial={k: v for k, v in chosen.items() if v})
    else:
        form = forms.BookTransferForm(request.POST if acting else None)
    preview = None
    if acting and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" in request.POST:
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
    return render(
        request,
        "customers/import_detail.html",
        {"run": run, "result": run.result, "upload_expired": _upload_expired(run)},
    )


def _upload_expired(preview: JobRun) -> bool:
    """Whether a preview's upload is gone (pruned after KEWEI_UPLOAD_RETENTION_HOURS)."""
    file = preview.result.get("file") if preview.result.get("dry_run") else None
    return bool(file) and not (settings.MEDIA_ROOT / file).is_file()


@require_POST
@permission_required("customers.import_customer", raise_exception=True)
def import_confirm(request: HttpRequest, pk) -> HttpResponse:
    preview = get_object_or_404(JobRun, pk=pk, kind="customers.import")
    if not preview.result.get("dry_run") or not preview.result.get("file"):
        raise PermissionDenied
    if _upload_expired(preview):
        messages.error(request, _("上传文件已过期并已删除，请重新上传。"))
        return redirect("customers:customer_import")
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
