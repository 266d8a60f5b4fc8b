"""The customer's record itself: creating and editing its basic information (with the
duplicate-identity check), the day it was last contacted, its profile, and the audited
reveals of its personal fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, snapshot
from kewei.core.scope import current_scope
from kewei.customers.actions import CustomersAction
from kewei.customers.models import Customer, CustomerProfile
from kewei.customers.services.assignment import ensure_assignable, reassign_customer
from kewei.customers.services.derived import open_empty_assets
from kewei.customers.services.errors import CustomerError
from kewei.customers.services.fields import (
    CUSTOMER_FIELDS,
    apply_data,
    comparable,
    customer_number_block,
    identity_index,
)
from kewei.customers.validation import CustomerData


def existing_identity(id_type: str, id_number: str, exclude_pk: int | None = None):
    existing = (
        Customer.objects.unrestricted()
        .select_related("department")
        .filter(id_type=id_type, id_number_index=identity_index(id_type, id_number))
    )
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    return existing.first()


def duplicate_message(existing: Customer) -> str:
    """Points to the existing record without showing more than the user may see."""
    scope = current_scope()
    if scope is None or existing.in_scope(scope):
        return _("该证件已登记为客户 %(customer)s，请勿重复建档。") % {"customer": existing}
    return _("该证件已登记为客户号 %(number)s（归属 %(department)s），请联系该机构。") % {
        "number": existing.customer_number,
        "department": existing.department.name,
    }


@transaction.atomic
def customer_create(*, actor, data: CustomerData) -> Customer:
    existing = existing_identity(data.id_type, data.id_number)
    if existing is not None:
        raise CustomerError({"id_number": duplicate_message(existing)}, code="duplicate")
    ensure_assignable([data.responsible_manager])
    customer = Customer(customer_number=data.customer_number or customer_number_block(1)[0])
    apply_data(customer, data)
    customer.save(force_insert=True)
    open_empty_assets([customer.pk])
    if customer.responsible_manager_id:
        reassign_customer(customer, customer.responsible_manager, actor=actor, reason=_("建档"))
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_CREATE,
        subject=customer,
        after=snapshot(customer, CUSTOMER_FIELDS),
    )
    customer.ensure_still_visible()
    return customer


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: CustomerData) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    existing = existing_identity(data.id_type, data.id_number, exclude_pk=customer.pk)
    if existing is not None:
        raise CustomerError({"id_number": duplicate_message(existing)}, code="duplicate")
    before, unchanged = snapshot(customer, CUSTOMER_FIELDS), comparable(customer)
    previous_manager = customer.responsible_manager_id
    manager = data.responsible_manager
    if (manager.pk if manager is not None else None) != previous_manager:
        ensure_assignable([manager])
    apply_data(customer, data)
    if comparable(customer) == unchanged:
        return customer
    after = snapshot(customer, CUSTOMER_FIELDS)
    customer.updated_at = timezone.now()
    customer.save()
    if customer.responsible_manager_id != previous_manager:
        reassign_customer(
            customer, customer.responsible_manager, actor=actor, reason=_("修改客户信息")
        )
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_UPDATE,
        subject=customer,
        before=before,
        after=after,
    )
    customer.ensure_still_visible()
    return customer


def customer_contacted(*, customer_id: int, day: dt.date) -> None:
    """Record that the customer was contacted on ``day`` (a later contact already
    recorded stays)."""
    Customer.objects.unrestricted().filter(pk=customer_id).filter(
        Q(last_contacted_on__isnull=True) | Q(last_contacted_on__lt=day)
    ).update(last_contacted_on=day)


REVEALABLE = {"id_number", "mobile", "address", "email"}


@transaction.atomic
def customer_reveal(*, actor, customer: Customer, field: str, reason: str) -> str:
    """The full value of a personal field, for a user with the reveal permission who gave
    a reason. Every reveal is audited (who, which customer, which field, why)."""
    if field not in REVEALABLE:
        raise CustomerError(_("该字段不可查看。"), code="not_revealable")
    if not actor.has_perm("customers.reveal_customer"):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    if len(reason.strip()) < 2:
        raise CustomerError(_("请填写查看原因。"), code="reason_required")
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_REVEAL,
        subject=customer,
        after={"field": field},
        note=reason.strip(),
    )
    return getattr(customer, field)


@transaction.atomic
def customers_reveal(*, actor, customers: Iterable[Customer], reason: str) -> None:
    """Audit showing every personal field of ``customers`` in full (the API's reveal,
    one audit row per customer, with the reason)."""
    if not actor.has_perm("customers.reveal_customer"):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    if len(reason.strip()) < 2:
        raise CustomerError({"reason": _("请填写查看原因。")}, code="reason_required")
    for customer in customers:
        audit_record(
            actor=actor,
            action=CustomersAction.CUSTOMER_REVEAL,
            subject=customer,
            after={"field": sorted(REVEALABLE)},
            note=reason.strip(),
        )


@transaction.atomic
def customers_export_reveal(*, actor, count: int, reason: str, criteria: dict) -> None:
    """Audit an export with personal fields in full: a reveal of every field of
    ``count`` customers (the search ``criteria``), with the reason. One row for the
    export, written before the file is, so no unmasked file exists unaudited."""
    if not actor.has_perm("customers.reveal_customer"):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    if len(reason.strip()) < 2:
        raise CustomerError({"reason": _("请填写查看原因。")}, code="reason_required")
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_REVEAL,
        after={
            "field": sorted(REVEALABLE),
            "export": "customers.export",
            "count": count,
            "query": criteria,
        },
        note=reason.strip(),
    )


PROFILE_FIELDS = (
    "education_level",
    "schools",
    "training",
    "employer",
    "position",
    "industry",
    "career_stage",
    "income_band",
    "lifestyle",
    "notes",
)


@transaction.atomic
def profile_update(*, actor, customer: Customer, values: dict) -> None:
    profile, _created = CustomerProfile.objects.unrestricted().get_or_create(customer=customer)
    before = snapshot(profile, PROFILE_FIELDS)
    for name in PROFILE_FIELDS:
        if name in values:
            setattr(profile, name, values[name] or "")
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile.save()
    after = snapshot(profile, PROFILE_FIELDS)
    if before != after:
        audit_record(
            actor=actor,
            action=CustomersAction.PROFILE_UPDATE,
            subject=customer,
            before=before,
            after=after,
        )
