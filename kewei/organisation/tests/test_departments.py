import pytest

from kewei.audit.models import AuditEvent
from kewei.core.scope import scope_activated
from kewei.organisation import services
from kewei.organisation.closure import blockers
from kewei.organisation.errors import OrganisationError
from kewei.organisation.models import Department, DepartmentLevel
from kewei.organisation.selectors import data_scope_for


def test_create_builds_path_and_audits(bank):
    # when
    outlet = services.department_create(
        actor=bank.admin,
        code="110103",
        name="清华园网点",
        level=DepartmentLevel.OUTLET,
        parent=bank.sub_branch_a,
    )
    # then
    assert outlet.path == "/000000/110000/110100/110103/"
    event = AuditEvent.objects.get(action="organisation.department.create")
    assert event.actor_id == bank.admin.pk
    assert event.subject_id == str(outlet.pk)
    assert event.changes["name"] == {"before": None, "after": "清华园网点"}


def test_duplicate_code_is_refused_and_nothing_written(bank):
    before = Department.objects.count()
    with pytest.raises(OrganisationError, match="110101 已被使用"):
        services.department_create(
            actor=bank.admin,
            code="110101",
            name="重复",
            level=DepartmentLevel.OUTLET,
            parent=bank.sub_branch_a,
        )
    assert Department.objects.count() == before
    assert not AuditEvent.objects.filter(action="organisation.department.create").exists()


def test_level_must_be_below_parent(bank):
    with pytest.raises(OrganisationError) as error:
        services.department_create(
            actor=bank.admin,
            code="119999",
            name="错层分行",
            level=DepartmentLevel.BRANCH,
            parent=bank.sub_branch_a,
        )
    assert error.value.code == "level_order"


def test_only_one_head_office(bank):
    with pytest.raises(OrganisationError) as error:
        services.department_create(
            actor=bank.admin,
            code="999999",
            name="第二总行",
            level=DepartmentLevel.HEAD_OFFICE,
            parent=None,
        )
    assert error.value.code == "second_head_office"


def test_rename_keeps_code_and_records_before_after(bank):
    services.department_rename(actor=bank.admin, department=bank.outlet_a1, name="中关村旗舰网点")
    bank.outlet_a1.refresh_from_db()
    assert (bank.outlet_a1.code, bank.outlet_a1.name) == ("110101", "中关村旗舰网点")
    change = AuditEvent.objects.get(action="organisation.department.rename").changes
    assert change == {"name": {"before": "中关村网点", "after": "中关村旗舰网点"}}


def test_move_rewrites_the_whole_subtree(bank):
    # given: 海淀支行 with two outlets moves from 北京分行 to 上海分行
    # when
    services.department_move(
        actor=bank.admin, department=bank.sub_branch_a, new_parent=bank.branch_b
    )
    # then
    paths = dict(Department.objects.values_list("code", "path"))
    assert paths["110100"] == "/000000/310000/110100/"
    assert paths["110101"] == "/000000/310000/110100/110101/"
    assert paths["110102"] == "/000000/310000/110100/110102/"
    assert paths["110000"] == "/000000/110000/"
    bank.sub_branch_a.refresh_from_db()
    assert bank.sub_branch_a.parent_id == bank.branch_b.pk
    # and the scope follows the tree: 北京分行's retail department no longer sees it
    with scope_activated(data_scope_for(bank.retail_a)):
        assert not Department.objects.filter(code="110101").exists()


@pytest.mark.parametrize("target", ["sub_branch_a", "outlet_a1"])
def test_move_under_itself_or_descendant_is_refused(bank, target):
    before = dict(Department.objects.values_list("code", "path"))
    with pytest.raises(OrganisationError) as error:
        services.department_move(
            actor=bank.admin, department=bank.sub_branch_a, new_parent=getattr(bank, target)
        )
    assert error.value.code == "move_into_own_subtree"
    assert "不能把 海淀支行（110100） 移到它自己或它的下级机构" in error.value.messages[0]
    assert dict(Department.objects.values_list("code", "path")) == before


def test_close_refused_while_staff_or_children_remain(bank):
    with pytest.raises(OrganisationError) as error:
        services.department_close(actor=bank.admin, department=bank.sub_branch_a)
    assert "仍有 2 个下级机构" in error.value.messages[0]
    with pytest.raises(OrganisationError) as error:
        services.department_close(actor=bank.admin, department=bank.outlet_a1)
    assert "仍有 4 名在职员工" in error.value.messages[0]
    assert Department.objects.filter(is_active=False).count() == 0


def test_close_refused_by_registered_blocker(bank):
    def has_customers(department):
        return "仍有 3 名客户" if department.code == "110102" else None

    with blockers.temporary("test.has_customers", has_customers):
        with pytest.raises(OrganisationError, match="仍有 3 名客户"):
            services.department_close(actor=bank.admin, department=bank.outlet_a2)
    bank.outlet_a2.refresh_from_db()
    assert bank.outlet_a2.is_active


def test_close_empty_department(bank):
    services.department_close(actor=bank.admin, department=bank.outlet_a2)
    bank.outlet_a2.refresh_from_db()
    assert not bank.outlet_a2.is_active and bank.outlet_a2.closed_at is not None
    with pytest.raises(OrganisationError) as error:
        services.department_create(
            actor=bank.admin,
            code="110199",
            name="新网点",
            level=DepartmentLevel.OUTLET,
            parent=bank.outlet_a2,
        )
    assert error.value.code == "parent_closed"


def test_moving_under_an_invisible_parent_is_not_possible(bank):
    with scope_activated(data_scope_for(bank.retail_a)), pytest.raises(Department.DoesNotExist):
        services.department_move(
            actor=bank.retail_a, department=bank.sub_branch_a, new_parent=bank.branch_b
        )
    assert Department.objects.get(code="110101").path == "/000000/110000/110100/110101/"


def test_staff_list_query_count_does_not_grow_with_staff(
    client, bank, django_assert_max_num_queries
):
    from kewei.testing import factories

    client.force_login(bank.admin)
    for _ in range(30):
        factories.staff(department=bank.outlet_a2, roles=("customer_manager",))
    with django_assert_max_num_queries(12):
        response = client.get("/org/staff/")
    assert response.status_code == 200
    assert response.content.decode().count("/org/staff/") >= 30


def test_department_list_query_count_is_constant(client, bank, django_assert_max_num_queries):
    client.force_login(bank.admin)
    with django_assert_max_num_queries(10):
        response = client.get("/org/departments/")
    assert response.status_code == 200
