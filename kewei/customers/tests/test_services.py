import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from kewei.audit.models import AuditEvent
from kewei.core import bulk
from kewei.core.scope import scope_activated
from kewei.customers import services
from kewei.customers.models import (
    Consent,
    Customer,
    CustomerAssets,
    CustomerAssignment,
    CustomerRelationship,
    CustomerStatus,
    FamilyMember,
)
from kewei.customers.selectors import current_consents, customers_with_consent, household_summary
from kewei.organisation.errors import OrganisationError
from kewei.organisation.selectors import data_scope_for
from kewei.organisation.services import department_close
from kewei.testing import factories


def test_duplicate_identity_is_refused_pointing_to_the_existing_record(bank):
    with (
        scope_activated(data_scope_for(bank.head_a1)),
        pytest.raises(services.CustomerError) as error,
    ):
        factories.customer(department=bank.outlet_a1, id_number="11010519491231002x")
    assert "张三（" in error.value.message_dict["id_number"][0]
    assert Customer.objects.filter(name="张三").count() == 1


def test_duplicate_outside_scope_points_without_the_name(bank):
    number = bank.customer_b1.id_number
    with (
        scope_activated(data_scope_for(bank.head_a1)),
        pytest.raises(services.CustomerError) as error,
    ):
        factories.customer(department=bank.outlet_a1, id_number=number)
    message = error.value.message_dict["id_number"][0]
    assert bank.customer_b1.customer_number in message and "陆家嘴网点" in message
    assert "王五" not in message


def test_update_keeps_masked_history(bank):
    customer = bank.customer_a1
    data = factories.customer_data(
        id_number=customer.id_number,
        name="张三丰",
        mobile="13900001111",
        department=bank.outlet_a1,
        responsible_manager=bank.manager_a1,
    )
    services.customer_update(actor=bank.head_a1, customer=customer, data=data)
    event = AuditEvent.objects.filter(action="customers.customer.update").get()
    assert event.changes["name"] == {"before": "张三", "after": "张三丰"}
    assert event.changes["mobile"]["after"] == "139****1111"
    assert "13900001111" not in str(event.changes)
    customer.refresh_from_db()
    assert customer.name_initials == "zsf"


def test_unchanged_update_writes_nothing(bank):
    customer = bank.customer_a1
    data = factories.customer_data_of(customer)
    services.customer_update(actor=bank.head_a1, customer=customer, data=data)
    assert not AuditEvent.objects.filter(action="customers.customer.update").exists()


def test_assignment_keeps_history(bank):
    services.customer_assign(
        actor=bank.supervisor_a1,
        customer=bank.customer_a1_free,
        manager=bank.manager_a1,
        reason="新客户",
    )
    services.customer_assign(
        actor=bank.supervisor_a1,
        customer=bank.customer_a1_free,
        manager=bank.supervisor_a1,
        reason="升级维护",
    )
    periods = list(
        CustomerAssignment.objects.filter(customer=bank.customer_a1_free)
        .order_by("started_at", "pk")
        .values_list("manager_id", "ended_at")
    )
    assert [p[0] for p in periods] == [bank.manager_a1.pk, bank.supervisor_a1.pk]
    assert periods[0][1] is not None and periods[1][1] is None
    assert AuditEvent.objects.filter(action="customers.customer.assign").count() == 2


def test_vip_must_keep_a_manager(bank):
    Customer.objects.filter(pk=bank.customer_a1.pk).update(vip_flag=True)
    with pytest.raises(services.CustomerError) as error:
        services.customer_assign(actor=bank.supervisor_a1, customer=bank.customer_a1, manager=None)
    assert error.value.code == "vip_needs_manager"
    bank.customer_a1.refresh_from_db()
    assert bank.customer_a1.responsible_manager_id == bank.manager_a1.pk


def test_book_transfer_balances_assets_and_keeps_history(bank):
    # given: manager_a1 has four customers of different sizes
    other = factories.staff(department=bank.outlet_a1, roles=("customer_manager",))
    for aum in ("900000", "500000", "300000"):
        factories.customer(department=bank.outlet_a1, manager=bank.manager_a1, aum=Decimal(aum))
    # when
    plan = services.book_transfer_plan(
        from_manager=bank.manager_a1, to_managers=[bank.supervisor_a1, other]
    )
    counts = services.book_transfer(
        actor=bank.head_a1,
        from_manager=bank.manager_a1,
        to_managers=[bank.supervisor_a1, other],
        reason="调岗",
    )
    # then: greedy by assets: 90万 → A; 50万, 30万 and the 1万 of customer_a1 → B
    assert len(plan) == 4 and sum(counts.values()) == 4
    assert not Customer.objects.filter(responsible_manager=bank.manager_a1).exists()
    totals = {
        m.pk: sum(
            Customer.objects.filter(responsible_manager=m).values_list("assets__aum", flat=True)
        )
        for m in (bank.supervisor_a1, other)
    }
    assert sorted(totals.values()) == [Decimal("810000.00"), Decimal("900000.00")]
    assert CustomerAssignment.objects.filter(reason="调岗", ended_at__isnull=True).count() == 4
    assert AuditEvent.objects.filter(action="customers.book.transfer").count() == 1


def test_consent_latest_statement_wins(bank):
    services.consent_record(
        actor=bank.manager_a1,
        customer=bank.customer_a1,
        channel="sms",
        granted=True,
        source="柜面签署",
    )
    assert current_consents(bank.customer_a1)["sms"] is True
    assert list(customers_with_consent("sms")) == [bank.customer_a1]
    services.consent_record(
        actor=None, customer=bank.customer_a1, channel="sms", granted=False, source="回复TD"
    )
    assert current_consents(bank.customer_a1) == {"sms": False, "phone": False, "email": False}
    assert not customers_with_consent("sms").exists()
    assert Consent.objects.filter(customer=bank.customer_a1).count() == 2


def test_reveal_needs_permission_and_reason_and_is_audited(bank):
    with pytest.raises(PermissionDenied):
        services.customer_reveal(
            actor=bank.teller_a1, customer=bank.customer_a1, field="id_number", reason="核实"
        )
    with pytest.raises(services.CustomerError):
        services.customer_reveal(
            actor=bank.manager_a1, customer=bank.customer_a1, field="id_number", reason=" "
        )
    value = services.customer_reveal(
        actor=bank.manager_a1,
        customer=bank.customer_a1,
        field="id_number",
        reason="办理业务核实身份",
    )
    assert value == "11010519491231002X"
    event = AuditEvent.objects.get(action="customers.customer.reveal")
    assert (event.actor_id, event.note, event.changes["field"]["after"]) == (
        bank.manager_a1.pk,
        "办理业务核实身份",
        "id_number",
    )


def test_merge_moves_everything_and_marks_the_duplicate(bank):
    keep, duplicate = bank.customer_a1, bank.customer_a1_free
    services.family_member_add(actor=None, customer=duplicate, relation="child", name="李小四")
    services.consent_record(actor=None, customer=duplicate, channel="phone", granted=True)
    services.relationship_add(actor=None, customer=bank.customer_b1, other=duplicate, kind="friend")
    services.tags_set(actor=None, customer=duplicate, names=["书法"])
    CustomerAssets.objects.filter(customer=duplicate).update(aum=Decimal("2500.50"))
    services.customer_merge(actor=bank.head_a1, keep=keep, duplicate=duplicate, reason="同一人")
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.status == CustomerStatus.MERGED and duplicate.merged_into_id == keep.pk
    # The duplicate's assets (its holdings moved too) now count for the kept record.
    assert (keep.aum, duplicate.aum) == (Decimal("12500.50"), 0)
    assert FamilyMember.objects.get(name="李小四").customer_id == keep.pk
    assert current_consents(keep)["phone"] is True
    assert CustomerRelationship.objects.get(customer=bank.customer_b1).other_id == keep.pk
    assert list(keep.tags.values_list("name", flat=True)) == ["书法"]
    assert AuditEvent.objects.filter(
        action="customers.customer.merge", subject_id=str(keep.pk)
    ).exists()


def test_every_customer_has_one_assets_row_from_creation(bank):
    created = factories.customer(department=bank.outlet_a1, aum=None)
    assert created.aum == 0
    assert not Customer.objects.filter(assets__isnull=True).exists()
    assert CustomerAssets.objects.count() == Customer.objects.count()


def _new_rows(bank, count):
    """Rows of insert_row for new customers of outlet A1, numbered."""
    from kewei.core.bulk import db_value
    from kewei.customers.validation import clean_customer
    from kewei.testing.factories import resident_id

    stamp = db_value(Customer, "created_at", timezone.now())
    rows = []
    for number, index in zip(services.customer_number_block(count), range(count), strict=True):
        data, errors = clean_customer(
            {
                "name": f"批量{index}",
                "id_number": resident_id("19800101", 500 + index),
                "mobile": f"1390000{index:04d}",
                "address": "北京市海淀区学院路1号",
                "department": bank.outlet_a1,
            },
            departments={},
            managers={},
        )
        assert not errors
        rows.append(services.insert_row(data, number=number, manager_id=None, now=stamp))
    return rows


def test_inserted_customers_are_given_their_own_ids_and_empty_assets_rows(bank):
    rows = _new_rows(bank, 5)
    with transaction.atomic():
        ids = services.insert_customers(rows)
        services.open_empty_assets(list(ids.values()))
    assert ids == dict(
        Customer.objects.filter(customer_number__in=ids).values_list("customer_number", "pk")
    )
    assert len(set(ids.values())) == 5
    assert {
        a.customer_id: a.aum for a in CustomerAssets.objects.filter(customer__in=ids.values())
    } == dict.fromkeys(ids.values(), Decimal(0))


def test_ids_in_insertion_order_are_not_assumed_once_another_row_was_inserted(bank):
    # The ids are read from the last row inserted only while it is the last customer's:
    # once another table's row was inserted after it, they are looked up instead.
    rows = _new_rows(bank, 3)
    services.insert_customers(rows)
    numbers = [row[0] for row in rows]
    inserted = dict(
        Customer.objects.filter(customer_number__in=numbers).values_list("customer_number", "pk")
    )
    # PostgreSQL's ids come from a sequence other transactions draw on too: looked up.
    assert bulk._ids_in_order(Customer, "customer_number", numbers) == (
        inserted if connection.vendor == "sqlite" else None
    )
    AuditEvent.objects.create(action="test.other_row", changes={})
    assert bulk._ids_in_order(Customer, "customer_number", numbers) is None


def test_merge_needs_its_permission(bank):
    with pytest.raises(PermissionDenied):
        services.customer_merge(
            actor=bank.manager_a1, keep=bank.customer_a1, duplicate=bank.customer_a1_free
        )
    assert Customer.objects.filter(status=CustomerStatus.MERGED).count() == 0


def test_household_total_counts_members_the_user_cannot_see(bank):
    services.household_join(actor=None, customer=bank.customer_b1, other=bank.customer_a1)
    with scope_activated(data_scope_for(bank.manager_a1)):
        summary = household_summary(Customer.objects.get(pk=bank.customer_a1.pk))
    assert [m.pk for m in summary["members"]] == [bank.customer_a1.pk]
    assert summary["hidden_members"] == 1
    assert summary["total_aum"] == bank.customer_a1.aum + bank.customer_b1.aum


def test_department_with_customers_cannot_close(bank):
    for member in bank.outlet_b1.staff_members.all():
        member.is_active = False
        member.save()
    with pytest.raises(OrganisationError, match="仍有 1 名客户"):
        department_close(actor=bank.admin, department=bank.outlet_b1)


def test_referral_once_and_never_self(bank):
    services.referral_record(
        actor=None,
        customer=bank.customer_a1_free,
        referrer_customer=bank.customer_a1,
        referred_on=dt.date(2026, 1, 5),
    )
    with pytest.raises(services.CustomerError):
        services.referral_record(
            actor=None,
            customer=bank.customer_a1_free,
            referrer_staff=bank.manager_a1,
            referred_on=dt.date(2026, 1, 6),
        )
    with pytest.raises(services.CustomerError):
        services.referral_record(
            actor=None,
            customer=bank.customer_a1,
            referrer_customer=bank.customer_a1,
            referred_on=dt.date(2026, 1, 6),
        )


def _looks_like_authentication_data(name: str) -> bool:
    tokens = set(name.lower().split("_"))
    return (
        "密码" in name
        or bool(tokens & {"password", "passwd", "pwd", "pin", "cvv", "cvv2", "cvn", "cvc"})
        or ("card" in tokens and bool(tokens & {"expiry", "expiration", "exp", "valid"}))
    )


@pytest.mark.parametrize("name", ["password", "card_pin", "cvv2", "card_expiry", "交易密码"])
def test_the_detector_catches_authentication_fields(name):
    assert _looks_like_authentication_data(name)


def test_no_authentication_data_is_stored_anywhere():
    """JR/T 0171: no customer passwords, PINs, CVV or card expiry in any table."""
    from django.apps import apps

    allowed = {("organisation", "staff", "password")}  # staff sign-in, Argon2-hashed
    offenders = [
        (m._meta.app_label, m._meta.model_name, f.name)
        for m in apps.get_models()
        if m._meta.app_label not in {"auth", "sessions"}
        for f in m._meta.get_fields()
        if hasattr(f, "column")
        if _looks_like_authentication_data(f.name)
        and (m._meta.app_label, m._meta.model_name, f.name) not in allowed
    ]
    assert offenders == []


def test_customers_go_only_to_staff_within_reach(bank):
    with scope_activated(data_scope_for(bank.supervisor_a1)):
        with pytest.raises(services.CustomerError) as error:
            services.book_transfer(
                actor=bank.supervisor_a1,
                from_manager=bank.manager_a1,
                to_managers=[bank.manager_b1],
                reason="调岗",
            )
        assert error.value.code == "target_out_of_scope"
        with pytest.raises(services.CustomerError):
            services.customer_assign(
                actor=bank.supervisor_a1, customer=bank.customer_a1, manager=bank.manager_b1
            )
    bank.customer_a1.refresh_from_db()
    assert bank.customer_a1.responsible_manager_id == bank.manager_a1.pk
    assert not AuditEvent.objects.filter(action="customers.book.transfer").exists()


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"responsible_manager": None},
        {"email": "Wang.Fang@example.com", "vip_flag": True},
        {"name": '欧阳"小%s明"', "address": "北京市海淀区中关村大街1号"},
    ],
)
def test_bulk_created_changes_equal_the_snapshot_diff(bank, changes):
    # The import builds creation diffs from a template, without model instances; they
    # must read the same as the audit's own diff of the customer, character for
    # character (what the audit's JSON column stores).
    from kewei.audit.services import diff, snapshot

    customer = bank.customer_a1
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.save()
    data = factories.customer_data_of(customer, vip_flag=customer.vip_flag)
    expected = diff(None, snapshot(customer, services.CUSTOMER_FIELDS))
    parts = services.created_changes_text(data, manager_id=customer.responsible_manager_id)
    text = services.numbered_changes_text(parts, customer.customer_number)
    assert list(json.loads(text).items()) == list(expected.items())
    assert text == json.dumps(expected)
    assert ("responsible_manager" in expected) == (customer.responsible_manager_id is not None)


def test_comparable_row_tells_what_applying_the_data_would_change(bank):
    # The import decides "unchanged" from a prepared row, without applying it.
    customer = bank.customer_a1
    kept = {"customer_number": customer.customer_number, "status": customer.status}

    def comparable_row(data):
        manager = data.responsible_manager
        row = services.insert_row(
            data, number="", manager_id=manager and manager.pk, now=timezone.now()
        )
        return services.comparable_row(row, services.personal_values(data), **kept)

    same = factories.customer_data_of(customer)
    assert comparable_row(same) == services.comparable(customer)
    for change in (
        {"mobile": "13912345678"},
        {"address": customer.address + "1号"},
        {"email": "new@bank.cn"},
        {"responsible_manager": None},
        {"department": bank.outlet_a2},
        {"id_number": "110105195001010039"},  # another person, born on another day
        {"name": "张三丰"},
    ):
        data = factories.customer_data_of(customer, **change)
        assert comparable_row(data) != services.comparable(customer), change
        services.apply_data(customer, data)
        assert comparable_row(data) == services.comparable(customer), change
