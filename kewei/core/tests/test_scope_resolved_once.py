"""The data scope's department subtrees are looked up once per request or job, not once
per scoped query; a change of the tree within the request is seen at once, and the
re-check after a write sees the tree as it is now."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kewei.api.tests.helpers import call, systems
from kewei.core.scope import DataScope, forget_resolved, scope_activated
from kewei.customers.models import Customer, CustomerAssets, Tag
from kewei.jobs.models import JobRun, JobStatus
from kewei.jobs.registry import JobOutcome, register_job
from kewei.jobs.services import job_start
from kewei.organisation import selectors
from kewei.organisation.selectors import data_scope_for
from kewei.organisation.services import department_create, department_move
from kewei.products.models import Holding
from kewei.testing import factories

pytestmark = pytest.mark.django_db


def _subtree_lookups(queries) -> int:
    """The queries that look a department subtree's ids up on their own (a subquery on
    the path inside another query is not one)."""
    return sum(
        1
        for query in queries
        if query["sql"].startswith('SELECT "organisation_department"."id" AS ')
        and '"organisation_department"."path"' in query["sql"]
        and "LIKE" in query["sql"]
    )


def _names(queryset) -> list[str]:
    return sorted(queryset.values_list("name", flat=True))


# --- the scope object ------------------------------------------------------------------


def test_a_scope_remembers_what_it_resolved_until_told_to_forget():
    # given
    scope = DataScope(staff_id=1, customer_subtrees=("/000000/",))
    calls = []

    def resolve():
        calls.append(1)
        return (1, 2, 3)

    # when
    first = scope.resolved("ids", resolve)
    second = scope.resolved("ids", resolve)
    with scope_activated(scope):
        forget_resolved()
    third = scope.resolved("ids", resolve)
    # then
    assert (first, second, third, len(calls)) == ((1, 2, 3), (1, 2, 3), (1, 2, 3), 2)


def test_what_a_scope_resolved_is_no_part_of_what_it_is():
    # given
    used = DataScope(staff_id=1, customer_subtrees=("/000000/",))
    used.resolved("ids", lambda: (1,))
    # when
    fresh = used.fresh()
    # then
    assert used == DataScope(staff_id=1, customer_subtrees=("/000000/",)) == fresh
    assert hash(used) == hash(fresh)
    assert fresh.resolved("ids", lambda: (2,)) == (2,)
    assert "resolved" not in repr(used)


def test_forgetting_outside_a_request_or_job_does_nothing():
    forget_resolved()  # no active scope: nothing to forget, no error


# --- one lookup per scope --------------------------------------------------------------


def test_every_scoped_query_of_a_scope_reuses_one_subtree_lookup(bank):
    # given
    scope = data_scope_for(bank.head_a1)
    with scope_activated(scope), CaptureQueriesContext(connection) as queries:
        # when: five scoped queries of three models
        customers = _names(Customer.objects.all())
        assets = CustomerAssets.objects.count()
        holdings = Holding.objects.count()
        tagged = Customer.objects.filter(tags__in=Tag.objects.none()).count()
        found = Customer.objects.filter(pk=bank.customer_b1.pk).exists()
    # then
    assert (customers, assets, holdings, tagged, found) == (["张三", "李四"], 2, 0, 0, False)
    assert _subtree_lookups(queries.captured_queries) == 1


def test_two_scopes_look_their_subtrees_up_each(bank):
    # given
    with CaptureQueriesContext(connection) as queries:
        # when: two requests of the same outlet head
        for _ in range(2):
            with scope_activated(data_scope_for(bank.head_a1)):
                assert Customer.objects.count() == 2
                assert Customer.objects.count() == 2
    # then
    assert _subtree_lookups(queries.captured_queries) == 2


def test_a_small_subtree_is_matched_by_its_ids_a_large_one_by_its_path(bank, monkeypatch):
    # given: branch A has four departments
    branch_a_ids = ", ".join(
        str(department.pk)
        for department in (bank.branch_a, bank.sub_branch_a, bank.outlet_a1, bank.outlet_a2)
    )

    def customer_queries(scope) -> list[str]:
        with scope_activated(scope), CaptureQueriesContext(connection) as queries:
            assert _names(Customer.objects.all()) == ["张三", "李四"]
            assert not Customer.objects.filter(pk=bank.customer_b1.pk).exists()
        assert _subtree_lookups(queries.captured_queries) == 1
        return [q["sql"] for q in queries.captured_queries if "customers_customer" in q["sql"]]

    # when
    small = customer_queries(data_scope_for(bank.retail_a))
    monkeypatch.setattr(selectors, "SUBTREE_ID_LIST_MAX", 3)
    large = customer_queries(data_scope_for(bank.retail_a))
    # then: the ids in each query, or (above the limit) the path inside each query
    assert len(small) == len(large) == 2
    assert all(f'"customers_customer"."department_id" IN ({branch_a_ids})' in sql for sql in small)
    assert all(
        '"customers_customer"."department_id" IN (SELECT' in sql
        and f"LIKE '{bank.branch_a.path}%'" in sql
        for sql in large
    )


def test_a_customer_manager_looks_their_department_up_once(bank):
    # given
    from kewei.customers.models import customer_department_paths

    with scope_activated(data_scope_for(bank.manager_a1)):
        with CaptureQueriesContext(connection) as queries:
            # when
            first = customer_department_paths()
            second = customer_department_paths()
    # then
    assert first == second == (bank.outlet_a1.path,)
    assert len(queries.captured_queries) == 1


# --- a change of the tree within the request -------------------------------------------


def _branch_a_customers_whole_organisation(bank) -> DataScope:
    """Sees every department (so it may move any) and the customers of branch A."""
    return DataScope(
        staff_id=bank.admin.pk,
        department_id=bank.branch_a.pk,
        org_all=True,
        org_subtrees=(),
        customer_subtrees=(bank.branch_a.path,),
    )


def test_a_department_moved_into_the_subtree_brings_its_customers_at_once(bank):
    # given: the scope has looked branch A up
    with scope_activated(_branch_a_customers_whole_organisation(bank)):
        assert _names(Customer.objects.all()) == ["张三", "李四"]
        # when
        department_move(actor=bank.admin, department=bank.outlet_b1, new_parent=bank.sub_branch_a)
        # then
        assert _names(Customer.objects.all()) == ["张三", "李四", "王五"]


def test_a_department_moved_out_of_the_subtree_takes_its_customers_at_once(bank):
    # given
    with scope_activated(_branch_a_customers_whole_organisation(bank)):
        assert _names(Customer.objects.all()) == ["张三", "李四"]
        # when
        department_move(actor=bank.admin, department=bank.outlet_a1, new_parent=bank.branch_b)
        # then
        assert _names(Customer.objects.all()) == []


def test_a_department_created_in_the_subtree_is_in_scope_at_once(bank):
    # given
    with scope_activated(_branch_a_customers_whole_organisation(bank)):
        assert _names(Customer.objects.all()) == ["张三", "李四"]
        # when
        outlet = department_create(
            actor=bank.admin, code="110103", name="学院路网点", level=4, parent=bank.sub_branch_a
        )
        factories.customer(
            department=outlet, name="赵六", id_number=factories.resident_id("19800101", 7)
        )
        # then
        assert _names(Customer.objects.filter(department=outlet)) == ["赵六"]


def test_the_check_after_a_write_sees_the_tree_as_it_is_now(bank):
    # given: branch A's retail department has looked its subtree up (outlet A2 in it)
    customer = factories.customer(
        department=bank.outlet_a2, name="钱七", id_number=factories.resident_id("19810202", 8)
    )
    with scope_activated(data_scope_for(bank.retail_a)):
        assert "钱七" in _names(Customer.objects.all())
        # when: another request moves outlet A2 to branch B meanwhile
        with scope_activated(DataScope.everything()):
            department_move(actor=bank.admin, department=bank.outlet_a2, new_parent=bank.branch_b)
        # then: a write to its customer is checked against the tree as it is now
        with pytest.raises(PermissionDenied):
            customer.ensure_still_visible()


# --- jobs, pages and the API -----------------------------------------------------------


@register_job("test.scoped_reads", "测试")
def _scoped_reads(*, actor, progress):
    names = _names(Customer.objects.all())
    assets = CustomerAssets.objects.count()
    holdings = Holding.objects.count()
    return JobOutcome(summary=f"{','.join(names)};{assets};{holdings}")


def test_a_job_looks_its_scope_up_once(bank, django_capture_on_commit_callbacks):
    # given
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            # when
            run = job_start(actor=bank.head_a1, kind="test.scoped_reads", params={})
    # then
    run = JobRun.objects.get(pk=run.pk)
    assert (run.status, run.summary) == (JobStatus.SUCCEEDED, "张三,李四;2;0")
    assert _subtree_lookups(queries.captured_queries) == 1


def test_the_customer_page_looks_the_subtree_up_once(client, bank):
    # given
    client.force_login(bank.head_a1)
    url = reverse("customers:customer_detail", args=[bank.customer_a1.pk])
    # when
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    # then
    assert answer.status_code == 200
    assert _subtree_lookups(queries.captured_queries) == 1


def test_an_api_request_looks_its_scope_up_once():
    # given: branch B's system (an outlet head of branch B) and its customer
    s = systems()
    url = f"/api/v1/customers/{s.bank.customer_b1.customer_number}/holdings/"
    # when
    with CaptureQueriesContext(connection) as queries:
        answer = call("GET", url, s.branch_b)
    # then
    assert (answer.status_code, answer.json()) == (200, [])
    assert _subtree_lookups(queries.captured_queries) == 1
