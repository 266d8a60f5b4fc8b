import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kewei.audit.models import AuditEvent
from kewei.core.scope import scope_activated
from kewei.organisation import services
from kewei.organisation.errors import OrganisationError
from kewei.organisation.models import Staff
from kewei.organisation.roles import Role
from kewei.organisation.selectors import data_scope_for


def _create(bank, **overrides):
    values = dict(
        actor=bank.admin,
        username="lisi",
        employee_number="E90001",
        full_name="李四",
        department=bank.outlet_a1,
        roles=[Role.CUSTOMER_MANAGER, Role.LOBBY_MANAGER],
        password="Zhongguancun#2026",
    )
    values.update(overrides)
    return services.staff_create(**values)


def test_create_hashes_with_argon2_and_sets_roles(bank):
    staff = _create(bank)
    assert staff.password.startswith("argon2")
    assert staff.check_password("Zhongguancun#2026")
    assert staff.role_codes == {"customer_manager", "lobby_manager"}
    event = AuditEvent.objects.get(action="organisation.staff.create")
    assert event.changes["roles"]["after"] == ["customer_manager", "lobby_manager"]
    assert "password" not in event.changes


def test_duplicate_username_is_refused(bank):
    with pytest.raises(OrganisationError) as error:
        _create(bank, username="manager_a1")
    assert error.value.code == "duplicate_username"


def test_weak_password_is_refused_and_nothing_written(bank):
    before = Staff.objects.count()
    with pytest.raises(ValidationError):
        _create(bank, password="12345678")
    assert Staff.objects.count() == before


def test_unknown_role_is_refused(bank):
    with pytest.raises(OrganisationError) as error:
        _create(bank, roles=["superuser"])
    assert error.value.code == "unknown_role"
    assert not Staff.objects.filter(username="lisi").exists()


def test_update_changes_roles_and_department(bank):
    services.staff_update(
        actor=bank.admin,
        staff=bank.manager_a1,
        full_name="王五",
        department=bank.outlet_a2,
        roles=[Role.CM_SUPERVISOR],
        is_active=True,
    )
    bank.manager_a1.refresh_from_db()
    assert bank.manager_a1.department_id == bank.outlet_a2.pk
    assert set(bank.manager_a1.groups.values_list("name", flat=True)) == {"cm_supervisor"}
    changes = AuditEvent.objects.get(action="organisation.staff.update").changes
    assert changes["roles"] == {"before": ["customer_manager"], "after": ["cm_supervisor"]}
    assert changes["department"] == {"before": bank.outlet_a1.pk, "after": bank.outlet_a2.pk}


def test_administrator_cannot_deactivate_self(bank):
    with pytest.raises(OrganisationError) as error:
        services.staff_update(
            actor=bank.admin,
            staff=bank.admin,
            full_name="管理员",
            department=bank.head_office,
            roles=[Role.SYSTEM_ADMIN],
            is_active=False,
        )
    assert error.value.code == "deactivate_self"


def test_moving_staff_out_of_the_actor_scope_is_rolled_back(bank):
    # 北京分行's retail department may not send a colleague somewhere it cannot see.
    with scope_activated(data_scope_for(bank.retail_a)), pytest.raises(PermissionDenied):
        services.staff_update(
            actor=bank.retail_a,
            staff=bank.manager_a1,
            full_name="x",
            department=bank.outlet_b1,
            roles=[Role.CUSTOMER_MANAGER],
            is_active=True,
        )
    bank.manager_a1.refresh_from_db()
    assert bank.manager_a1.department_id == bank.outlet_a1.pk
    assert not AuditEvent.objects.filter(action="organisation.staff.update").exists()


def test_set_password_is_audited_without_the_password(bank):
    services.staff_set_password(actor=bank.admin, staff=bank.teller_a1, password="Counter#Teller88")
    bank.teller_a1.refresh_from_db()
    assert bank.teller_a1.check_password("Counter#Teller88")
    event = AuditEvent.objects.get(action="organisation.staff.set_password")
    assert event.changes == {}
