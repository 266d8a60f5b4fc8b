"""Retention of personal data after a customer leaves the bank (PIPL, 个人信息保护法
art. 19 and 47): a customer marked as departed (:func:`customer_depart`) keeps their
record for ``KEWEI_PERSONAL_DATA_RETENTION_DAYS`` after ``departed_on``; then
:func:`customers_anonymise_departed` removes what identifies them and keeps what the
bank must keep.

Removed: the name (a placeholder instead), its pinyin and given name, the ID number, the
mobile, the address and the e-mail with their blind indexes and derived columns, the
birthday (1900-01-01), the household, the profile, the family members, the interest
tags and the relationships to other customers. Kept: the customer number and the
status, the department, the points ledger, holdings and flows (the bank's accounting
records), consents (the proof of what the customer agreed to), and the audit trail,
whose personal values were masked when written.

Set-based: one statement per table, whatever the number of customers; run again, it
finds no one left to do (``anonymised_at`` is set).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.customers.actions import CustomersAction
from kewei.customers.models import (
    Customer,
    CustomerProfile,
    CustomerRelationship,
    CustomerStatus,
    FamilyMember,
)
from kewei.customers.services.errors import CustomerError

ANONYMISED_NAME = "（已匿名）"
ANONYMISED_BIRTHDAY = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class AnonymiseResult:
    cutoff: dt.date  # customers who left on or before this day
    customers: int
    dry_run: bool


@transaction.atomic
def customer_depart(*, actor, customer: Customer, on: dt.date) -> Customer:
    """Record that ``customer`` left the bank on ``on`` (离行): the retention period of
    their personal data starts that day."""
    if customer.status != CustomerStatus.ACTIVE:
        raise CustomerError(_("只有正常状态的客户才能办理离行。"), code="not_active")
    if on > timezone.localdate():
        raise CustomerError(_("离行日期不能晚于今天。"), code="departed_in_future")
    customer.status = CustomerStatus.DEPARTED
    customer.departed_on = on
    customer.updated_at = timezone.now()
    customer.save(update_fields=["status", "departed_on", "updated_at"])
    audit_record(
        actor=actor,
        action=CustomersAction.CUSTOMER_DEPART,
        subject=customer,
        after={"status": customer.status, "departed_on": on.isoformat()},
    )
    return customer


def departed_due(*, today: dt.date) -> tuple[dt.date, models.QuerySet[Customer]]:
    """The cut-off day and the customers whose retention period has ended by ``today``
    and who are not anonymised yet."""
    cutoff = today - dt.timedelta(days=settings.KEWEI_PERSONAL_DATA_RETENTION_DAYS)
    due = Customer.objects.unrestricted().filter(
        status=CustomerStatus.DEPARTED, departed_on__lte=cutoff, anonymised_at__isnull=True
    )
    return cutoff, due


@transaction.atomic
def customers_anonymise_departed(
    *, today: dt.date | None = None, dry_run: bool = False, actor=None
) -> AnonymiseResult:
    """Anonymise every departed customer past the retention period (see the module);
    one audit row per run with the count. ``dry_run`` counts them and writes nothing."""
    today = today or timezone.localdate()
    cutoff, due = departed_due(today=today)
    # The rows are taken before they change: a second run at the same time waits.
    ids = list(due.select_for_update().values_list("pk", flat=True))
    if dry_run or not ids:
        return AnonymiseResult(cutoff=cutoff, customers=len(ids), dry_run=dry_run)
    chosen = Customer.objects.unrestricted().filter(pk__in=ids, anonymised_at__isnull=True)
    customer_ids = chosen.values("pk")
    FamilyMember.objects.unrestricted().filter(customer__in=customer_ids)._raw_delete("default")
    CustomerProfile.objects.unrestricted().filter(customer__in=customer_ids)._raw_delete("default")
    CustomerRelationship.objects.unrestricted().filter(
        models.Q(customer__in=customer_ids) | models.Q(other__in=customer_ids)
    )._raw_delete("default")
    Customer.tags.through.objects.filter(customer__in=customer_ids)._raw_delete("default")
    now = timezone.now()
    count = chosen.update(
        name=ANONYMISED_NAME,
        name_pinyin="",
        name_initials="",
        given_name="",
        id_number="",
        # Unique with the ID type: a distinct placeholder per customer, no HMAC of anything.
        id_number_index=Concat(models.Value("anonymised-"), Cast("pk", models.CharField())),
        mobile="",
        mobile_index="",
        mobile_last4="",
        address="",
        address_district="",
        email="",
        birthday=ANONYMISED_BIRTHDAY,
        birth_month=ANONYMISED_BIRTHDAY.month,
        birth_day=ANONYMISED_BIRTHDAY.day,
        household=None,
        anonymised_at=now,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action=CustomersAction.ANONYMISE_DEPARTED,
        after={
            "customers": count,
            "cutoff": cutoff.isoformat(),
            "retention_days": settings.KEWEI_PERSONAL_DATA_RETENTION_DAYS,
        },
    )
    return AnonymiseResult(cutoff=cutoff, customers=count, dry_run=False)
