"""Separation of duties: every user has a role, no one holds an incompatible set of
roles (KEWEI_INCOMPATIBLE_ROLES), whichever way the user is made; and the systems that
call the API are not listed as staff."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from kewei.api.services import account_create
from kewei.customers.selectors import assignable_managers
from kewei.organisation.errors import OrganisationError
from kewei.organisation.models import Staff
from kewei.organisation.roles import Role, incompatible_role_sets
from kewei.organisation.services import staff_create, staff_update
from kewei.testing.factories import small_bank

pytestmark = pytest.mark.django_db

PASSWORD = "Kewei@Strong2026"


@pytest.fixture
def bank():
    return small_bank()


def _create(bank, roles, username="newuser"):
    return staff_create(
        actor=bank.admin,
        username=username,
        employee_number="E9001",
        full_name="新员工",
        department=bank.outlet_a1,
        roles=roles,
        password=PASSWORD,
    )


def _role_errors(error: OrganisationError) -> list[tuple[str, str]]:
    return [(problem.code, problem.message) for problem in error.error_dict["roles"]]


def test_a_user_without_a_role_is_refused(bank):
    # when
    with pytest.raises(OrganisationError) as refused:
        _create(bank, roles=[])
    # then
    assert _role_errors(refused.value) == [("no_role", "请至少选择一个角色。")]
    assert not Staff.objects.unrestricted().filter(username="newuser").exists()


def test_the_administrator_cannot_also_be_the_auditor(bank):
    with pytest.raises(OrganisationError) as refused:
        _create(bank, roles=[Role.AUDITOR, Role.SYSTEM_ADMIN])
    assert _role_errors(refused.value) == [
        ("incompatible_roles", "职责分离：系统管理员、审计员 不能由同一人兼任。")
    ]
    assert not Staff.objects.unrestricted().filter(username="newuser").exists()


@pytest.mark.parametrize(
    "business_role",
    [Role.CUSTOMER_MANAGER, Role.COUNTER_STAFF, Role.RETAIL_BANKING, Role.OUTLET_HEAD],
)
def test_the_administrator_cannot_hold_a_role_with_customer_data(bank, business_role):
    with pytest.raises(OrganisationError) as refused:
        _create(bank, roles=[Role.SYSTEM_ADMIN, business_role])
    assert [code for code, _message in _role_errors(refused.value)] == ["incompatible_roles"]
    assert not Staff.objects.unrestricted().filter(username="newuser").exists()


def test_an_update_cannot_add_an_incompatible_role_or_remove_every_role(bank):
    # given: the auditor
    auditor = bank.auditor
    for roles in ([Role.AUDITOR, Role.SYSTEM_ADMIN], []):
        # when
        with pytest.raises(OrganisationError):
            staff_update(
                actor=bank.admin,
                staff=auditor,
                full_name=auditor.full_name,
                department=auditor.department,
                roles=roles,
                is_active=True,
            )
        # then: the auditor is still only the auditor
        assert sorted(auditor.groups.values_list("name", flat=True)) == [Role.AUDITOR]


def test_compatible_roles_are_accepted(bank):
    made = _create(bank, roles=[Role.CUSTOMER_MANAGER, Role.LOBBY_MANAGER])
    assert sorted(made.groups.values_list("name", flat=True)) == [
        Role.CUSTOMER_MANAGER,
        Role.LOBBY_MANAGER,
    ]


def test_the_incompatible_sets_are_a_setting(bank, settings):
    # given: a bank that forbids only the auditor being a customer manager
    settings.KEWEI_INCOMPATIBLE_ROLES = ["auditor+customer_manager"]
    # when / then: the administrator may now audit, the auditor may not manage customers
    assert incompatible_role_sets() == [frozenset({Role.AUDITOR, Role.CUSTOMER_MANAGER})]
    _create(bank, roles=[Role.SYSTEM_ADMIN, Role.AUDITOR], username="both")
    with pytest.raises(OrganisationError):
        _create(bank, roles=[Role.AUDITOR, Role.CUSTOMER_MANAGER], username="other")


def test_the_default_sets_are_the_administrator_with_the_auditor_or_any_business_role():
    sets = incompatible_role_sets()
    assert frozenset({Role.SYSTEM_ADMIN, Role.AUDITOR}) in sets
    assert frozenset({Role.SYSTEM_ADMIN, Role.LOBBY_MANAGER}) in sets
    assert len(sets) == 1 + 7  # the auditor, and each of the seven business roles
    assert frozenset({Role.AUDITOR, Role.CUSTOMER_MANAGER}) not in sets


@pytest.mark.parametrize("entry", ["system_admin", "system_admin+boss", ""])
def test_a_malformed_setting_fails_loudly(settings, entry):
    settings.KEWEI_INCOMPATIBLE_ROLES = [entry]
    with pytest.raises(ImproperlyConfigured):
        incompatible_role_sets()


def test_the_staff_form_shows_the_refusal_on_the_roles(client, bank):
    # given
    client.force_login(bank.admin)
    form = {
        "username": "newuser",
        "employee_number": "E9001",
        "full_name": "新员工",
        "department": bank.outlet_a1.pk,
        "roles": [Role.SYSTEM_ADMIN, Role.AUDITOR],
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    # when
    answer = client.post(reverse("organisation:staff_create"), form)
    # then
    assert answer.status_code == 200
    assert answer.context["form"].errors["roles"] == [
        "职责分离：系统管理员、审计员 不能由同一人兼任。"
    ]
    assert not Staff.objects.unrestricted().filter(username="newuser").exists()
    # and: without a role, the form says so before the service is asked
    form["roles"] = []
    answer = client.post(reverse("organisation:staff_create"), form)
    assert answer.context["form"].errors["roles"] == ["请至少选择一个角色。"]


def test_service_accounts_are_neither_staff_nor_managers(client, bank):
    # given: a system of outlet A1 that calls the API as an outlet head
    account = account_create(
        actor=bank.admin, name="counter-a1", department=bank.outlet_a1, roles=[Role.OUTLET_HEAD]
    )
    client.force_login(bank.admin)
    # when
    listed = client.get(reverse("organisation:staff_list"))
    department = client.get(reverse("organisation:department_detail", args=[bank.outlet_a1.pk]))
    # then: the staff list and the department's staff show people only
    shown = {member.pk for member in listed.context["page_obj"]}
    assert account.staff_id not in shown
    assert bank.head_a1.pk in shown
    assert account.staff.username not in department.content.decode()
    # and: a system is never offered as a customer's responsible manager
    assert not assignable_managers().filter(pk=account.staff_id).exists()
    assert assignable_managers().filter(pk=bank.head_a1.pk).exists()
