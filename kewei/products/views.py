"""Pages of the product catalogue, a holding's history and the daily feed's log."""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kewei.core.form_views import form_page
from kewei.products import selectors, services
from kewei.products.forms import PeriodForm, ProductFilterForm, ProductForm
from kewei.products.models import FeedDay, Holding, Product


@permission_required("products.view_product", raise_exception=True)
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    products = selectors.product_list(
        category=filters.get("category", ""),
        status=filters.get("status", ""),
        text=filters.get("q", "").strip(),
    )
    page = Paginator(products, 50).get_page(request.GET.get("page"))
    return render(request, "products/product_list.html", {"form": form, "page_obj": page})


@permission_required("products.view_product", raise_exception=True)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    return render(
        request,
        "products/product_detail.html",
        {"product": product, "summary": selectors.product_summary(product)},
    )


def _data(cleaned: dict) -> services.ProductData:
    names = {f.name for f in dataclasses.fields(services.ProductData)}
    return services.ProductData(**{k: v for k, v in cleaned.items() if k in names})


@permission_required("products.add_product", raise_exception=True)
def product_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        ProductForm(request.POST or None),
        save=lambda data: services.product_create(actor=request.user, data=_data(data)),
        done=lambda product: product,
        message=lambda product: _("已新建产品 %(p)s。") % {"p": product},
        title=_("新建产品"),
        cancel_url=reverse("products:product_list"),
    )


@permission_required("products.change_product", raise_exception=True)
def product_update(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    initial = {f: getattr(product, f) for f in services.PRODUCT_FIELDS if f != "status"}
    return form_page(
        request,
        ProductForm(request.POST or None, initial=initial),
        save=lambda data: services.product_update(
            actor=request.user, product=product, data=_data(data)
        ),
        done=lambda product: product,
        message=_("产品信息已保存。"),
        title=_("修改产品：%(p)s") % {"p": product},
        cancel_url=product.get_absolute_url(),
    )


@require_POST
@permission_required("products.change_product", raise_exception=True)
def product_close(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    services.product_close(actor=request.user, product=product)
    messages.success(request, _("产品已停售。"))
    return redirect(product)


@require_POST
@permission_required("products.delete_product", raise_exception=True)
def product_delete(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    try:
        services.product_delete(actor=request.user, product=product)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(product)
    messages.success(request, _("产品已删除。"))
    return redirect("products:product_list")


@permission_required("customers.view_customer", raise_exception=True)
def holding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The scoped manager: a holding of a customer outside the user's scope is a 404.
    holding = get_object_or_404(Holding.objects.select_related("product", "customer"), pk=pk)
    latest = selectors.latest_feed_day()
    end = latest or timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"start": end.replace(day=1), "end": end})
    start, stop = (
        (form.cleaned_data["start"], form.cleaned_data["end"])
        if form.is_valid()
        else (end.replace(day=1), end)
    )
    transactions = Paginator(holding.transactions.order_by("-booked_on", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "products/holding_detail.html",
        {
            "holding": holding,
            "form": form,
            "average": selectors.average_daily_balance(holding, start, stop),
            "intervals": selectors.balance_history(holding),
            "page_obj": transactions,
        },
    )


@permission_required("products.view_feedday", raise_exception=True)
def feed_day_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(FeedDay.objects.order_by("-day"), 50).get_page(request.GET.get("page"))
    return render(request, "products/feed_day_list.html", {"page_obj": page})


@permission_required("products.view_feedday", raise_exception=True)
def feed_day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    feed_day = get_object_or_404(FeedDay, pk=pk)
    rejects = Paginator(feed_day.rejects.all(), 100).get_page(request.GET.get("page"))
    return render(
        request, "products/feed_day_detail.html", {"feed_day": feed_day, "page_obj": rejects}
    )
