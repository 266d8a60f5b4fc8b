"""Writes of the product catalogue (产品管理). Holdings, balances and flows are written
only by the daily feed's loader (:mod:`kewei.products.feed.loading`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import ibis
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, snapshot
from kewei.engine import runner
from kewei.products.actions import ProductsAction
from kewei.products.models import (
    RISK_RATED_CATEGORIES,
    BusinessEvent,
    Holding,
    Product,
    ProductStatus,
)

PRODUCT_FIELDS = (
    "code",
    "name",
    "category",
    "risk_level",
    "term_days",
    "currency",
    "status",
    "sale_start",
    "sale_end",
    "description",
)


class ProductError(ValidationError):
    """A change to the catalogue that its rules refuse; the message is shown as it is."""


@dataclass
class ProductData:
    code: str
    name: str
    category: str
    risk_level: str = ""
    term_days: int | None = None
    currency: str = "CNY"
    sale_start: date | None = None
    sale_end: date | None = None
    description: str = ""


def _require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(_("您没有维护产品目录的权限。"))


def _validate(product: Product) -> None:
    errors: dict[str, list[str]] = {}
    if product.category in RISK_RATED_CATEGORIES and not product.risk_level:
        errors["risk_level"] = [_("投资类产品必须填写风险等级（R1–R5）。")]
    if product.category not in RISK_RATED_CATEGORIES and product.risk_level:
        errors["risk_level"] = [_("只有投资类产品有风险等级。")]
    if product.sale_start and product.sale_end and product.sale_end < product.sale_start:
        errors["sale_end"] = [_("止售日不能早于起售日。")]
    if errors:
        raise ValidationError(errors)
    product.full_clean()


@transaction.atomic
def product_create(*, actor, data: ProductData) -> Product:
    _require(actor, "products.add_product")
    code = data.code.strip().upper()
    if Product.objects.filter(code=code).exists():
        raise ProductError(_("产品代码 %(code)s 已存在。") % {"code": code}, code="duplicate_code")
    product = Product(**{f.name: getattr(data, f.name) for f in fields(data)})
    product.code = code
    product.name = data.name.strip()
    _validate(product)
    product.save(force_insert=True)
    audit_record(
        actor=actor,
        action=ProductsAction.PRODUCT_CREATE,
        subject=product,
        after=snapshot(product, PRODUCT_FIELDS),
    )
    return product


@transaction.atomic
def product_update(*, actor, product: Product, data: ProductData) -> Product:
    """Edit a product. Its code and category stay once anyone holds it: the feed and
    every derived figure refer to them."""
    _require(actor, "products.change_product")
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = snapshot(product, PRODUCT_FIELDS)
    held = Holding.objects.unrestricted().filter(product=product).exists()
    code = data.code.strip().upper()
    if held and (code != product.code or data.category != product.category):
        raise ProductError(
            _("产品已有客户持有，不能修改产品代码或类别。"), code="held_product_identity"
        )
    if code != product.code and Product.objects.filter(code=code).exists():
        raise ProductError(_("产品代码 %(code)s 已存在。") % {"code": code}, code="duplicate_code")
    for f in fields(data):
        setattr(product, f.name, getattr(data, f.name))
    product.code = code
    product.name = data.name.strip()
    product.updated_at = timezone.now()
    _validate(product)
    product.save()
    after = snapshot(product, PRODUCT_FIELDS)
    if after != before:
        audit_record(
            actor=actor,
            action=ProductsAction.PRODUCT_UPDATE,
            subject=product,
            before=before,
            after=after,
        )
    return product


@transaction.atomic
def product_close(*, actor, product: Product, on: date | None = None) -> Product:
    """Stop selling a product (停售). Holdings stay; the feed still loads them."""
    _require(actor, "products.change_product")
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == ProductStatus.CLOSED:
        return product
    before = snapshot(product, PRODUCT_FIELDS)
    product.status = ProductStatus.CLOSED
    product.sale_end = on or product.sale_end or timezone.localdate()
    if product.sale_start and product.sale_end < product.sale_start:
        product.sale_end = product.sale_start
    product.updated_at = timezone.now()
    product.save()
    audit_record(
        actor=actor,
        action=ProductsAction.PRODUCT_CLOSE,
        subject=product,
        before=before,
        after=snapshot(product, PRODUCT_FIELDS),
    )
    return product


@transaction.atomic
def product_delete(*, actor, product: Product) -> None:
    """Delete a product entered by mistake; refused once anyone has held it."""
    _require(actor, "products.delete_product")
    product = Product.objects.select_for_update().get(pk=product.pk)
    if Holding.objects.unrestricted().filter(product=product).exists():
        raise ProductError(_("产品已有客户持有，不能删除，只能停售。"), code="held_product_delete")
    audit_record(
        actor=actor,
        action=ProductsAction.PRODUCT_DELETE,
        subject=product,
        before=snapshot(product, PRODUCT_FIELDS),
    )
    product.delete()


# The columns of a business event that another app's pipeline gives.
EVENT_COLUMNS = ("event_id", "kind", "customer_id", "occurred_on", "feed_day")


def business_events_insert(*, events: ibis.Table) -> int:
    """Add the business events (业务事件) of a pipeline in one ``INSERT ... SELECT``
    (the referral rewards, for the points accrual's event rules); ``events`` has the
    columns :data:`EVENT_COLUMNS`. Runs in the caller's transaction; returns how many
    were added."""
    return runner.insert_into(BusinessEvent._meta.db_table, EVENT_COLUMNS, events)
