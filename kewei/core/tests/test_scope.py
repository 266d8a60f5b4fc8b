"""The data-scope mechanism, proved on the organisation's own data."""

from kewei.core.scope import DataScope, scope_activated
from kewei.organisation.models import Department, Staff
from kewei.organisation.selectors import data_scope_for


def _codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_no_active_scope_sees_everything(bank):
    assert Department.objects.count() == 7


def test_nothing_scope_sees_nothing(bank):
    with scope_activated(DataScope.nothing()):
        assert Department.objects.count() == 0
        assert Staff.objects.count() == 0


def test_outlet_head_sees_own_subtree_only(bank):
    with scope_activated(data_scope_for(bank.head_a1)):
        assert _codes(Department.objects.all()) == ["110101"]
        assert set(Staff.objects.values_list("username", flat=True)) == {
            "head_a1",
            "supervisor_a1",
            "manager_a1",
            "teller_a1",
        }


def test_branch_retail_department_sees_the_branch(bank):
    with scope_activated(data_scope_for(bank.retail_a)):
        assert _codes(Department.objects.all()) == ["110000", "110100", "110101", "110102"]


def test_customer_manager_sees_only_self_among_staff(bank):
    with scope_activated(data_scope_for(bank.manager_a1)):
        assert list(Staff.objects.values_list("username", flat=True)) == ["manager_a1"]
        assert Department.objects.count() == 0


def test_administrator_sees_all_organisation_but_no_customers(bank):
    scope = data_scope_for(bank.admin)
    assert scope.org_all
    assert scope.customer_subtrees == () and not scope.customer_book
    with scope_activated(scope):
        assert Department.objects.count() == 7


def test_auditor_sees_no_organisation_data(bank):
    scope = data_scope_for(bank.auditor)
    with scope_activated(scope):
        assert Department.objects.count() == 0
        assert list(Staff.objects.values_list("username", flat=True)) == ["auditor"]
    assert scope.customer_subtrees == () and not scope.customer_book


def test_scope_of_roles_adds_up(bank):
    scope = data_scope_for(bank.teller_a1)
    assert scope.customer_subtrees == (bank.outlet_a1.path,)
    assert not scope.customer_book
    manager = data_scope_for(bank.manager_a1)
    assert manager.customer_book and manager.customer_subtrees == ()


def test_inactive_staff_see_nothing(bank):
    bank.head_a1.is_active = False
    assert data_scope_for(bank.head_a1) == DataScope.nothing()


def test_reverse_relations_are_scoped_forward_ones_are_not(bank):
    with scope_activated(data_scope_for(bank.head_a1)):
        # Reverse managers inherit the scope: the sub-branch's children outside it vanish.
        assert list(bank.sub_branch_a.children.values_list("code", flat=True)) == ["110101"]
        # A forward link from a visible row still resolves (the base manager).
        assert Staff.objects.get(username="head_a1").department.parent.code == "110100"


def test_unrestricted_escapes_the_scope_explicitly(bank):
    with scope_activated(DataScope.nothing()):
        assert Department.objects.unrestricted().count() == 7
