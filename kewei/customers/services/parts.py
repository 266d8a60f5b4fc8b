"""What is attached to a customer besides its record: consent by channel, family
members, relationships to other customers, interest tags, the household and referrals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, snapshot
from kewei.customers.actions import CustomersAction
from kewei.customers.models import (
    Consent,
    ConsentChannel,
    Customer,
    CustomerRelationship,
    FamilyMember,
    Household,
    Referral,
    RelationshipKind,
    Tag,
)
from kewei.customers.services.errors import CustomerError
from kewei.organisation.models import Staff


@transaction.atomic
def consent_record(
    *, actor, customer: Customer, channel: str, granted: bool, source: str = ""
) -> Consent:
    if channel not in ConsentChannel.values:
        raise CustomerError(_("未知的渠道"), code="unknown_channel")
    consent = Consent.objects.create(
        customer=customer,
        channel=channel,
        granted=granted,
        source=source,
        recorded_by=actor if actor else None,
    )
    audit_record(
        actor=actor,
        action=CustomersAction.CONSENT_RECORD,
        subject=customer,
        after={"channel": channel, "granted": granted, "source": source},
    )
    return consent


@transaction.atomic
def family_member_add(
    *,
    actor,
    customer: Customer,
    relation: str,
    name: str,
    birthday: dt.date | None = None,
    schooling: str = "",
    notes: str = "",
) -> FamilyMember:
    member = FamilyMember(
        customer=customer,
        relation=relation,
        name=name.strip(),
        birthday=birthday,
        schooling=schooling,
        notes=notes,
    )
    member.full_clean()
    member.save()
    audit_record(
        actor=actor,
        action=CustomersAction.FAMILY_ADD,
        subject=customer,
        after={
            "relation": relation,
            "name": member.name,
            "birthday": birthday.isoformat() if birthday else None,
        },
    )
    return member


@transaction.atomic
def family_member_remove(*, actor, member: FamilyMember) -> None:
    customer = member.customer
    before = {"relation": member.relation, "name": member.name}
    member.delete()
    audit_record(actor=actor, action=CustomersAction.FAMILY_REMOVE, subject=customer, before=before)


@transaction.atomic
def relationship_add(
    *, actor, customer: Customer, other: Customer, kind: str
) -> CustomerRelationship:
    if customer.pk == other.pk:
        raise CustomerError(_("不能与自己建立关系。"), code="self_relationship")
    if kind not in RelationshipKind.values:
        raise CustomerError(_("未知的关系类型"), code="unknown_kind")
    relationship, created = CustomerRelationship.objects.unrestricted().get_or_create(
        customer=customer, other=other, kind=kind
    )
    if created:
        audit_record(
            actor=actor,
            action=CustomersAction.RELATIONSHIP_ADD,
            subject=customer,
            after={"other": other.pk, "kind": kind},
        )
    return relationship


@transaction.atomic
def tags_set(*, actor, customer: Customer, names: Iterable[str]) -> list[Tag]:
    wanted = sorted({name.strip() for name in names if name.strip()})
    before = sorted(customer.tags.values_list("name", flat=True))
    if wanted == before:
        return list(customer.tags.all())
    tags = [Tag.objects.get_or_create(name=name[:30])[0] for name in wanted]
    customer.tags.set(tags)
    audit_record(
        actor=actor,
        action=CustomersAction.TAGS_SET,
        subject=customer,
        before={"tags": before},
        after={"tags": wanted},
    )
    return tags


@transaction.atomic
def household_join(*, actor, customer: Customer, other: Customer, name: str = "") -> Household:
    """Put ``customer`` in ``other``'s household (created if ``other`` has none)."""
    other = Customer.objects.select_for_update().get(pk=other.pk)
    household = other.household
    if household is None:
        household = Household.objects.create(name=name or _("%(name)s家") % {"name": other.name})
        Customer.objects.unrestricted().filter(pk=other.pk).update(household=household)
    before = snapshot(customer, ["household"])
    Customer.objects.unrestricted().filter(pk=customer.pk).update(household=household)
    customer.household = household
    audit_record(
        actor=actor,
        action=CustomersAction.HOUSEHOLD_JOIN,
        subject=customer,
        before=before,
        after=snapshot(customer, ["household"]),
    )
    return household


@transaction.atomic
def referral_record(
    *,
    actor,
    customer: Customer,
    referred_on: dt.date,
    referrer_customer: Customer | None = None,
    referrer_staff: Staff | None = None,
    channel: str = "",
) -> Referral:
    if referrer_customer is None and referrer_staff is None:
        raise CustomerError(_("请指定推荐人。"), code="no_referrer")
    if referrer_customer is not None and referrer_customer.pk == customer.pk:
        raise CustomerError(_("客户不能推荐自己。"), code="self_referral")
    if Referral.objects.unrestricted().filter(customer=customer).exists():
        raise CustomerError(_("该客户已有推荐记录。"), code="already_referred")
    referral = Referral.objects.create(
        customer=customer,
        referrer_customer=referrer_customer,
        referrer_staff=referrer_staff,
        referred_on=referred_on,
        channel=channel,
    )
    audit_record(
        actor=actor,
        action=CustomersAction.REFERRAL_RECORD,
        subject=customer,
        after={
            "referrer_customer": getattr(referrer_customer, "pk", None),
            "referrer_staff": getattr(referrer_staff, "pk", None),
            "referred_on": referred_on.isoformat(),
        },
    )
    return referral
