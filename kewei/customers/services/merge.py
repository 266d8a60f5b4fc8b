"""Merging two records of the same person, and the handlers through which every app
moves what it attaches to customers."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.core.registry import Registry
from kewei.customers.actions import CustomersAction
from kewei.customers.models import (
    Consent,
    Customer,
    CustomerAssignment,
    CustomerRelationship,
    CustomerStatus,
    FamilyMember,
    Referral,
)
from kewei.customers.services.derived import assets_merge, sync_aum_wan
from kewei.customers.services.errors import CustomerError

# Apps that attach data to customers register how to move it when two records merge.
MergeHandler = Callable[[Customer, Customer], int]
merge_handlers: Registry[MergeHandler] = Registry("customer merge handler")


def register_merge_handler(name: str, handler: MergeHandler) -> None:
    merge_handlers.add(name, handler)


def _move_customer_parts(keep: Customer, duplicate: Customer) -> int:
    moved = 0
    for model in (FamilyMember, Consent, CustomerAssignment):
        moved += model.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    # Relationships: repoint both ends, dropping the ones keep already has.
    for relationship in CustomerRelationship.objects.unrestricted().filter(customer=duplicate):
        other = keep if relationship.other_id == keep.pk else relationship.other
        if other.pk != keep.pk:
            CustomerRelationship.objects.unrestricted().get_or_create(
                customer=keep, other=other, kind=relationship.kind
            )
        relationship.delete()
        moved += 1
    for relationship in CustomerRelationship.objects.unrestricted().filter(other=duplicate):
        if relationship.customer_id != keep.pk:
            CustomerRelationship.objects.unrestricted().get_or_create(
                customer=relationship.customer, other=keep, kind=relationship.kind
            )
        relationship.delete()
        moved += 1
    moved += (
        Referral.objects.unrestricted()
        .filter(referrer_customer=duplicate)
        .update(referrer_customer=keep)
    )
    if not Referral.objects.unrestricted().filter(customer=keep).exists():
        moved += Referral.objects.unrestricted().filter(customer=duplicate).update(customer=keep)
    keep.tags.add(*duplicate.tags.all())
    return moved


register_merge_handler("customers", _move_customer_parts)


@transaction.atomic
def customer_merge(*, actor, keep: Customer, duplicate: Customer, reason: str = "") -> Customer:
    """Merge two records of the same person: everything attached to ``duplicate``
    (holdings, points, contacts, complaints, relationships ...) moves to ``keep``;
    ``duplicate`` stays, marked merged, so its history can still be found."""
    if not actor.has_perm("customers.merge_customer"):
        raise PermissionDenied(_("您没有合并客户的权限。"))
    if keep.pk == duplicate.pk:
        raise CustomerError(_("不能与自身合并。"), code="merge_self")
    first, second = sorted([keep.pk, duplicate.pk])
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[first, second])}
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if CustomerStatus.MERGED in (keep.status, duplicate.status):
        raise CustomerError(_("已合并的客户不能再次合并。"), code="already_merged")
    counts = {name: handler(keep, duplicate) for name, handler in merge_handlers.items()}
    if keep.household_id is None and duplicate.household_id is not None:
        keep.household_id = duplicate.household_id
    if keep.responsible_manager_id is None and duplicate.responsible_manager_id:
        keep.responsible_manager_id = duplicate.responsible_manager_id
    keep.vip_flag = keep.vip_flag or duplicate.vip_flag
    contacted = [d for d in (keep.last_contacted_on, duplicate.last_contacted_on) if d]
    keep.last_contacted_on = max(contacted, default=None)
    assets_merge(keep_id=keep.pk, duplicate_id=duplicate.pk)
    keep.updated_at = timezone.now()
    keep.save()
    duplicate.status = CustomerStatus.MERGED
    duplicate.merged_into = keep
    duplicate.responsible_manager = None
    duplicate.vip_flag = False
    duplicate.household = None
    duplicate.updated_at = timezone.now()
    duplicate.save()
    sync_aum_wan([keep.pk, duplicate.pk])  # after the saves, which write the old copy
    duplicate.tags.clear()
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_MERGE,
        subject=keep,
        after={"merged": duplicate.pk, "moved": counts},
        note=reason,
    )
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_MERGED_INTO,
        subject=duplicate,
        after={"merged_into": keep.pk},
        note=reason,
    )
    return keep
