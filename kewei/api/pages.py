"""The system administrator's pages of API access: the systems that call the API,
their tokens (shown once when issued) and revocation."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.api import forms, services
from kewei.api.models import ApiToken, Scope, ServiceAccount
from kewei.core.form_views import act, add_errors, form_page

MANAGE = "api.manage_api_access"


@permission_required(MANAGE, raise_exception=True)
def access_list(request: HttpRequest) -> HttpResponse:
    accounts = ServiceAccount.objects.select_related("staff__department").prefetch_related(
        "tokens", "staff__groups"
    )
    return render(
        request,
        "api/access_list.html",
        {"accounts": accounts.order_by("name"), "scope_labels": dict(Scope.choices)},
    )


@permission_required(MANAGE, raise_exception=True)
def account_create(request: HttpRequest) -> HttpResponse:
    form = forms.AccountForm(request.POST or None)
    return form_page(
        request,
        form,
        save=lambda data: services.account_create(actor=request.user, **data),
        done=lambda account: reverse("api_access:access_list"),
        message=lambda account: _("已添加接入系统 %(name)s。") % {"name": account.name},
        title=_("添加接入系统"),
        cancel_url=reverse("api_access:access_list"),
    )


@permission_required(MANAGE, raise_exception=True)
def account_update(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ServiceAccount, pk=pk)
    form = forms.AccountUpdateForm(
        request.POST or None,
        initial={
            "allowed_networks": "\n".join(account.allowed_networks),
            "rate_per_minute": account.rate_per_minute,
            "is_active": account.is_active,
        },
    )
    return form_page(
        request,
        form,
        save=lambda data: services.account_update(actor=request.user, account=account, **data),
        done=lambda account: reverse("api_access:access_list"),
        message=_("已保存。"),
        title=_("修改接入系统：%(name)s") % {"name": account.name},
        cancel_url=reverse("api_access:access_list"),
    )


@permission_required(MANAGE, raise_exception=True)
def token_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a token; its clear text is on the answer page only, never again."""
    account = get_object_or_404(ServiceAccount, pk=pk)
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, clear = services.token_issue(
                actor=request.user, account=account, **form.cleaned_data
            )
        except services.ApiAccessError as error:
            add_errors(form, error)
        else:
            response = render(request, "api/token_issued.html", {"token": token, "clear": clear})
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": _("签发令牌：%(name)s") % {"name": account.name},
            "cancel_url": reverse("api_access:access_list"),
        },
    )


@require_POST
@permission_required(MANAGE, raise_exception=True)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("account"), pk=pk)

    def work() -> str:
        services.token_revoke(actor=request.user, token=token)
        return _("已吊销令牌 %(token)s。") % {"token": token}

    return act(request, reverse("api_access:access_list"), work)
