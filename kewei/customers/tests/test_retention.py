"""Retention after a customer leaves (PIPL): ``kewei anonymise_departed`` anonymises
the customers who left longer ago than the retention period, and no one else; keeps the
points ledger and the audit trail; writes one audit row per run; run twice, changes
nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from kewei.audit.models import AuditEvent
from kewei.customers.models import (
    Customer,
    CustomerProfile,
    CustomerRelationship,
    CustomerStatus,
    FamilyMember,
    Tag,
)
from kewei.customers.services import CustomerError
from kewei.customers.services.retention import customer_depart, customers_anonymise_departed
from kewei.points.models import EntryKind, PointsEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _with_personal_parts(customer, other):
    FamilyMember.objects.create(customer=customer, relation="child", name="王小明")
    CustomerProfile.objects.update_or_create(customer=customer, defaults={"employer": "某公司"})
    CustomerRelationship.objects.create(customer=customer, other=other, kind="spouse")
    customer.tags.add(Tag.objects.get_or_create(name="钓鱼")[0])
    PointsEntry.objects.create(
        customer=customer,
        kind=EntryKind.EARN,
        points=250,
        occurred_on=TODAY,
        expires_on=TODAY + dt.timedelta(days=365),
        reason="测试",
        idempotency_key=f"retention-{customer.pk}",
    )


@pytest.fixture
def departed(bank, settings):
    """customer_a1 left 31 days ago, customer_a1_free 29 days ago, customer_b1 stays."""
    settings.KEWEI_PERSONAL_DATA_RETENTION_DAYS = 30
    _with_personal_parts(bank.customer_a1, bank.customer_b1)
    _with_personal_parts(bank.customer_a1_free, bank.customer_b1)
    customer_depart(actor=bank.admin, customer=bank.customer_a1, on=TODAY - dt.timedelta(days=31))
    customer_depart(
        actor=bank.admin, customer=bank.customer_a1_free, on=TODAY - dt.timedelta(days=29)
    )
    return bank


def _personal(customer) -> tuple:
    customer = Customer.objects.unrestricted().get(pk=customer.pk)
    return (
        customer.name,
        customer.id_number,
        customer.mobile,
        customer.address,
        customer.email,
        customer.birthday,
    )


def test_who_left_long_enough_is_anonymised_and_no_one_else(departed):
    # given
    bank = departed
    recent, active = _personal(bank.customer_a1_free), _personal(bank.customer_b1)
    ledger = sorted(PointsEntry.objects.values_list("pk", "customer_id", "points"))
    audit = sorted(AuditEvent.objects.values_list("pk", "action", "changes"))
    # when
    out = io.StringIO()
    call_command("anonymise_departed", stdout=out)
    # then: customer_a1 anonymised, with its parts and indexes
    cutoff = TODAY - dt.timedelta(days=30)
    assert out.getvalue() == (
        f"已匿名化 1 名客户（{cutoff} 及以前离行） / anonymised 1 customers "
        f"(left on or before {cutoff})\n"
    )
    gone = Customer.objects.unrestricted().get(pk=bank.customer_a1.pk)
    assert _personal(gone) == ("（已匿名）", "", "", "", "", dt.date(1900, 1, 1))
    assert (gone.name_pinyin, gone.name_initials, gone.given_name) == ("", "", "")
    assert (gone.mobile_index, gone.mobile_last4, gone.address_district) == ("", "", "")
    assert gone.id_number_index == f"anonymised-{gone.pk}"
    assert (gone.customer_number, gone.status) == (
        bank.customer_a1.customer_number,
        CustomerStatus.DEPARTED,
    )
    assert gone.anonymised_at is not None
    assert not FamilyMember.objects.unrestricted().filter(customer=gone).exists()
    assert not CustomerProfile.objects.unrestricted().filter(customer=gone).exists()
    assert not CustomerRelationship.objects.unrestricted().filter(customer=gone).exists()
    assert list(gone.tags.all()) == []
    # and the one who left recently and the active one are untouched
    assert _personal(bank.customer_a1_free) == recent
    assert _personal(bank.customer_b1) == active
    assert FamilyMember.objects.unrestricted().filter(customer=bank.customer_a1_free).count() == 1
    assert Customer.objects.unrestricted().get(pk=bank.customer_b1.pk).anonymised_at is None
    # and the ledger and the trail are kept, with one more audit row for the run
    assert sorted(PointsEntry.objects.values_list("pk", "customer_id", "points")) == ledger
    after = sorted(AuditEvent.objects.values_list("pk", "action", "changes"))
    assert after[: len(audit)] == audit
    (run,) = after[len(audit) :]
    assert run[1] == "customers.anonymise_departed"
    assert AuditEvent.objects.get(pk=run[0]).changes["customers"] == {"before": None, "after": 1}


def test_running_twice_changes_nothing(departed):
    # given
    customers_anonymise_departed()
    rows = sorted(Customer.objects.unrestricted().values_list())
    events = AuditEvent.objects.count()
    # when
    result = customers_anonymise_departed()
    # then
    assert result.customers == 0
    assert sorted(Customer.objects.unrestricted().values_list()) == rows
    assert AuditEvent.objects.count() == events


def test_dry_run_counts_and_changes_nothing(departed):
    # given
    rows = sorted(Customer.objects.unrestricted().values_list())
    events = AuditEvent.objects.count()
    out = io.StringIO()
    # when
    call_command("anonymise_departed", "--dry-run", stdout=out)
    # then
    cutoff = TODAY - dt.timedelta(days=30)
    assert out.getvalue() == (
        f"将匿名化 1 名客户（{cutoff} 及以前离行） / would anonymise 1 customers "
        f"(left on or before {cutoff})\n"
    )
    assert sorted(Customer.objects.unrestricted().values_list()) == rows
    assert AuditEvent.objects.count() == events


def test_only_an_active_customer_can_depart(departed):
    # given
    bank = departed
    # when
    with pytest.raises(CustomerError) as error:
        customer_depart(actor=bank.admin, customer=bank.customer_a1, on=TODAY)
    # then
    assert error.value.messages == ["只有正常状态的客户才能办理离行。"]
    assert Customer.objects.unrestricted().get(pk=bank.customer_a1.pk).departed_on == (
        TODAY - dt.timedelta(days=31)
    )
