"""Who may receive a customer is one rule, ``selectors.assignable_managers``: the
services enforce it themselves, and every caller (the forms, the import, the API, the
outlet head's "to assign" list) offers or accepts exactly its set."""

from __future__ import annotations

import csv

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kewei.api.services import account_create
from kewei.api.tests.helpers import call, systems
from kewei.audit.models import AuditEvent
from kewei.core.scope import scope_activated
from kewei.customers import services
from kewei.customers.forms import AssignForm, BookTransferForm, CustomerForm
from kewei.customers.importing import import_customers
from kewei.customers.models import Customer, CustomerAssignment
from kewei.customers.selectors import assignable_managers
from kewei.organisation.models import Staff
from kewei.organisation.roles import Role
from kewei.organisation.selectors import data_scope_for
from kewei.testing import factories
from kewei.tiers import selectors as tier_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    """The messages are compared in Chinese, whatever an earlier test left active."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


NOT_ASSIGNABLE = "%s 不能担任客户经理：须为客户经理、客户经理主管或网点负责人（系统接口账号不能）。"


def _refused(bank, who: str) -> tuple[Staff, str, str]:
    """A staff member who may not be a responsible manager, with the error expected."""
    if who == "teller":
        return bank.teller_a1, "not_assignable", NOT_ASSIGNABLE % bank.teller_a1
    if who == "inactive":
        left = factories.staff(
            department=bank.outlet_a1, roles=(Role.CUSTOMER_MANAGER,), is_active=False
        )
        return left, "manager_inactive", f"{left} 已离职，不能分配客户。"
    if who == "service_account":
        system = account_create(
            actor=bank.admin, name="crm-a1", department=bank.outlet_a1, roles=[Role.OUTLET_HEAD]
        ).staff
        return system, "not_assignable", NOT_ASSIGNABLE % system
    assert who == "out_of_reach"
    return (
        bank.manager_b1,
        "target_out_of_scope",
        f"{bank.manager_b1} 不在您负责的机构范围内，不能接收客户。",
    )


def _history(customer) -> list[tuple]:
    return list(
        CustomerAssignment.objects.unrestricted()
        .filter(customer=customer)
        .order_by("pk")
        .values_list("pk", "manager_id", "ended_at")
    )


@pytest.mark.parametrize("who", ["teller", "inactive", "service_account", "out_of_reach"])
def test_customer_assign_refuses_who_may_not_be_a_responsible_manager(bank, who):
    # given: the supervisor of outlet A1 and a customer in manager_a1's book
    refused, code, message = _refused(bank, who)
    customer = bank.customer_a1
    history = _history(customer)
    # when
    with scope_activated(data_scope_for(bank.supervisor_a1)):
        with pytest.raises(services.CustomerError) as error:
            services.customer_assign(actor=bank.supervisor_a1, customer=customer, manager=refused)
    # then: refused, naming the field; nothing changed
    assert error.value.code == code
    assert error.value.message_dict == {"responsible_manager": [message]}
    assert Customer.objects.unrestricted().get(pk=customer.pk).responsible_manager_id == (
        bank.manager_a1.pk
    )
    assert _history(customer) == history
    assert not AuditEvent.objects.filter(action="customers.customer.assign").exists()


def test_customer_assign_accepts_each_of_the_roles_that_may_be_responsible(bank):
    with scope_activated(data_scope_for(bank.supervisor_a1)):
        for manager in (bank.supervisor_a1, bank.head_a1, bank.manager_a1):
            services.customer_assign(
                actor=bank.supervisor_a1, customer=bank.customer_a1_free, manager=manager
            )
            assert (
                Customer.objects.unrestricted().get(pk=bank.customer_a1_free.pk)
            ).responsible_manager_id == manager.pk


def test_create_and_update_refuse_a_teller_as_the_responsible_manager(bank):
    # given
    data = factories.customer_data(department=bank.outlet_a1, responsible_manager=bank.teller_a1)
    customers = Customer.objects.unrestricted().count()
    with scope_activated(data_scope_for(bank.supervisor_a1)):
        # when: created with the teller
        with pytest.raises(services.CustomerError) as created:
            services.customer_create(actor=bank.supervisor_a1, data=data)
        # when: an edit gives the customer to the teller
        changed = factories.customer_data_of(bank.customer_a1, responsible_manager=bank.teller_a1)
        with pytest.raises(services.CustomerError) as updated:
            services.customer_update(
                actor=bank.supervisor_a1, customer=bank.customer_a1, data=changed
            )
    # then
    message = {"responsible_manager": [NOT_ASSIGNABLE % bank.teller_a1]}
    assert created.value.message_dict == message
    assert updated.value.message_dict == message
    assert Customer.objects.unrestricted().count() == customers
    assert Customer.objects.unrestricted().get(pk=bank.customer_a1.pk).responsible_manager_id == (
        bank.manager_a1.pk
    )


def test_an_edit_that_keeps_the_manager_is_not_refused_for_him(bank):
    # given: manager_a1 has left but still holds the customer (his book not yet handed over)
    Staff.objects.unrestricted().filter(pk=bank.manager_a1.pk).update(is_active=False)
    customer = Customer.objects.unrestricted().get(pk=bank.customer_a1.pk)
    # when: the mobile is corrected
    data = factories.customer_data_of(customer, mobile="13911112222")
    with scope_activated(data_scope_for(bank.supervisor_a1)):
        services.customer_update(actor=bank.supervisor_a1, customer=customer, data=data)
    # then
    customer.refresh_from_db()
    assert (customer.mobile, customer.responsible_manager_id) == ("13911112222", bank.manager_a1.pk)


def test_book_transfer_and_assign_many_refuse_a_teller(bank):
    history = _history(bank.customer_a1)
    with scope_activated(data_scope_for(bank.supervisor_a1)):
        with pytest.raises(services.CustomerError) as transfer:
            services.book_transfer(
                actor=bank.supervisor_a1,
                from_manager=bank.manager_a1,
                to_managers=[bank.supervisor_a1, bank.teller_a1],
                reason="调岗",
            )
        with pytest.raises(services.CustomerError) as many:
            services.customers_assign(
                actor=bank.supervisor_a1,
                plan=[(bank.customer_a1_free.pk, bank.teller_a1.pk)],
                reason="达到等级",
            )
    message = {"responsible_manager": [NOT_ASSIGNABLE % bank.teller_a1]}
    assert transfer.value.message_dict == message
    assert many.value.message_dict == message
    assert _history(bank.customer_a1) == history
    assert not CustomerAssignment.objects.filter(customer=bank.customer_a1_free).exists()
    assert (
        Customer.objects.unrestricted().get(pk=bank.customer_a1_free.pk).responsible_manager_id
        is None
    )


def _import_one_per_staff(bank, path, candidates: list[Staff]) -> set[int]:
    """Import a customer per candidate naming them as manager; the managers accepted."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["姓名", "证件类型", "证件号码", "手机号码", "联系地址", "归属网点", "客户经理"]
        )
        for i, member in enumerate(candidates):
            writer.writerow(
                [
                    f"导入{i}",
                    "身份证",
                    factories.resident_id("19800101", 500 + i),
                    f"139000{i:05d}",
                    "北京市海淀区学院路1号",
                    "110101",
                    member.employee_number,
                ]
            )
    with scope_activated(data_scope_for(bank.head_a1)):
        result = import_customers(path, actor=bank.head_a1)
    assert result.rejected + result.imported == len(candidates)
    imported = Customer.objects.unrestricted().filter(name__startswith="导入")
    return set(imported.values_list("responsible_manager_id", flat=True))


def test_every_caller_offers_and_accepts_exactly_the_selectors_set(client, bank, tmp_path):
    # given: besides the bank's staff, a manager who left and a system's account
    factories.staff(department=bank.outlet_a1, roles=(Role.CUSTOMER_MANAGER,), is_active=False)
    account_create(
        actor=bank.admin, name="crm-a1", department=bank.outlet_a1, roles=[Role.OUTLET_HEAD]
    )
    candidates = list(Staff.objects.unrestricted().order_by("pk"))
    with scope_activated(data_scope_for(bank.head_a1)):
        expected = set(assignable_managers().values_list("pk", flat=True))
        # when: the forms and the tiers' list are built for the outlet head
        offered = {
            "customer form": CustomerForm().fields["responsible_manager"].queryset,
            "assign form": AssignForm().fields["manager"].queryset,
            "book transfer": BookTransferForm().fields["to_managers"].queryset,
            "tiers list": tier_selectors.assignable_managers(),
        }
        offered = {name: {m.pk for m in choices} for name, choices in offered.items()}
    client.force_login(bank.head_a1)
    page = client.get(reverse("tiers:to_assign"))
    offered["tiers page"] = {m.pk for m in page.context["managers"]}
    offered["import"] = _import_one_per_staff(bank, tmp_path / "a.csv", candidates)
    # then: the outlet head's staff who may be responsible, and no one else
    assert expected == {bank.head_a1.pk, bank.supervisor_a1.pk, bank.manager_a1.pk}
    assert offered == dict.fromkeys(offered, expected)


def test_the_api_accepts_exactly_the_selectors_set():
    # given: a bank-wide system; every staff member of the bank named as manager in turn
    s = systems()
    candidates = list(Staff.objects.unrestricted().order_by("pk"))
    expected = set(assignable_managers().values_list("pk", flat=True))
    accepted = set()
    # when
    for i, member in enumerate(candidates):
        body = {
            "name": f"接口{i}",
            "id_number": factories.resident_id("19850505", 600 + i),
            "mobile": f"137000{i:05d}",
            "address": "北京市海淀区学院路1号",
            "department": "110101",
            "responsible_manager": member.employee_number,
        }
        answer = call("POST", "/api/v1/customers/", s.core, body)
        if answer.status_code == 201:
            accepted.add(member.pk)
        else:
            assert answer.json()["field"] == "responsible_manager"
    # then
    assert expected == {
        s.bank.head_a1.pk,
        s.bank.supervisor_a1.pk,
        s.bank.manager_a1.pk,
        s.bank.head_b1.pk,
        s.bank.manager_b1.pk,
    }
    assert accepted == expected
