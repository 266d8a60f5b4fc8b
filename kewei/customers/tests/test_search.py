from decimal import Decimal

import pytest
from django.http import QueryDict

from kewei.core.scope import scope_activated
from kewei.customers import services
from kewei.customers.models import Customer, CustomerAssets, SavedSearch
from kewei.customers.selectors import CustomerQuery, customer_search
from kewei.organisation.selectors import data_scope_for
from kewei.testing import factories


def _numbers(query, scope_user=None, bank=None):
    if scope_user is not None:
        with scope_activated(data_scope_for(scope_user)):
            return sorted(c.name for c in customer_search(query))
    return sorted(c.name for c in customer_search(query))


@pytest.mark.parametrize("text", ["zs", "ZS", "zhangs", "张", "张三"])
def test_name_by_pinyin_initials_full_pinyin_and_characters(bank, text):
    assert _numbers(CustomerQuery(text=text)) == ["张三"]


def test_exact_id_number_through_blind_index(bank):
    assert _numbers(CustomerQuery(text="11010519491231002x")) == ["张三"]
    assert _numbers(CustomerQuery(text="110105491231002")) == ["张三"]  # old 15-digit form
    assert _numbers(CustomerQuery(text="11010519491231003X")) == []


def test_exact_mobile_and_customer_number(bank):
    mobile = bank.customer_b1.mobile
    assert _numbers(CustomerQuery(text=f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}")) == ["王五"]
    assert _numbers(CustomerQuery(text=bank.customer_a1.customer_number.lower())) == ["张三"]


def test_scope_wins_over_any_filter(bank):
    query = CustomerQuery(text="11010519491231002X")
    assert _numbers(query, bank.manager_b1) == []
    assert _numbers(query, bank.manager_a1) == ["张三"]
    assert _numbers(CustomerQuery(), bank.manager_a1) == ["张三"]
    assert _numbers(CustomerQuery(), bank.head_a1) == ["张三", "李四"]
    assert _numbers(CustomerQuery(), bank.retail_a) == ["张三", "李四"]


def test_filters_combine(bank):
    rich = factories.customer(
        department=bank.outlet_a2,
        name="赵六",
        aum=Decimal("800000"),
        id_number=factories.resident_id("19850512", 55),
    )
    services.tags_set(actor=None, customer=rich, names=["高尔夫", "书法"])
    assert _numbers(CustomerQuery(aum_min_wan=Decimal("50"))) == ["赵六"]
    assert _numbers(CustomerQuery(aum_max_wan=Decimal("1"))) == ["张三", "李四", "王五"]
    assert _numbers(CustomerQuery(birth_month=5)) == ["赵六"]
    assert _numbers(CustomerQuery(tags=["高尔夫", "书法"])) == ["赵六"]
    assert _numbers(CustomerQuery(tags=["高尔夫", "摄影"])) == []
    assert _numbers(CustomerQuery(manager="none")) == ["李四", "赵六"]
    assert _numbers(CustomerQuery(manager=str(bank.manager_a1.pk))) == ["张三"]
    assert _numbers(CustomerQuery(department=bank.sub_branch_a.pk)) == ["张三", "李四", "赵六"]
    assert _numbers(CustomerQuery(department=bank.outlet_a2.pk, birth_month=5)) == ["赵六"]


def test_sorting_by_assets(bank):
    CustomerAssets.objects.filter(customer=bank.customer_a1_free).update(aum=Decimal("50000"))
    services.sync_aum_wan([bank.customer_a1_free.pk])
    ordered = [c.name for c in customer_search(CustomerQuery(sort="-aum"))]
    assert ordered[0] == "李四"


def test_query_round_trips_through_parameters():
    params = QueryDict("text=zs&aum_min_wan=20&tags=高尔夫 书法&birth_month=13&vip=1&sort=bad")
    query = CustomerQuery.from_params(params)
    assert query.tags == ["高尔夫", "书法"] and query.birth_month is None and query.vip is True
    assert query.sort == "-aum"
    assert CustomerQuery.from_params(query.to_params()) == query


def test_saved_searches_are_shared_inside_the_department_only(bank):
    SavedSearch.objects.create(
        name="私有", owner=bank.supervisor_a1, department=bank.outlet_a1, params={}
    )
    SavedSearch.objects.create(
        name="共享", owner=bank.supervisor_a1, department=bank.outlet_a1, shared=True, params={}
    )
    with scope_activated(data_scope_for(bank.manager_a1)):
        assert list(SavedSearch.objects.values_list("name", flat=True)) == ["共享"]
    with scope_activated(data_scope_for(bank.manager_b1)):
        assert not SavedSearch.objects.exists()
    with scope_activated(data_scope_for(bank.supervisor_a1)):
        assert sorted(SavedSearch.objects.values_list("name", flat=True)) == ["共享", "私有"]


def test_search_page_query_count_does_not_grow(client, bank, django_assert_max_num_queries):
    for index in range(30):
        factories.customer(
            department=bank.outlet_a1,
            manager=bank.manager_a1,
            name=f"张{index}",
            id_number=factories.resident_id("19700101", index),
        )
    client.force_login(bank.manager_a1)
    with django_assert_max_num_queries(16):
        response = client.get("/customers/?text=zhang")
    assert response.status_code == 200
    assert response.content.decode().count("/customers/") >= 31


def test_counts_stop_at_the_cap(bank, client):
    from kewei.core.pagination import CappedPaginator

    paginator = CappedPaginator(Customer.objects.order_by("pk"), 1, cap=2)
    assert paginator.count == 3 and paginator.capped
    assert CappedPaginator(Customer.objects.order_by("pk"), 1, cap=5).count == 3


def test_pages_link_to_the_next_page_keeping_the_filters(client, bank):
    for index in range(51):
        factories.customer(
            department=bank.outlet_a1,
            manager=bank.manager_a1,
            id_number=factories.resident_id("19700101", index),
        )
    client.force_login(bank.manager_a1)
    html = client.get("/customers/?text=zs&sort=name").content.decode()
    assert 'href="?text=zs&amp;sort=name&amp;page=2"' in html


def test_assets_order_and_bounds_are_exact_within_a_wan(bank):
    # given two customers in the same 万元 (1.2 万 and 1.8 万)
    for name, aum, digit in (("甲", "12000", 61), ("乙", "18000.01", 62)):
        factories.customer(
            department=bank.outlet_a2,
            name=name,
            aum=Decimal(aum),
            id_number=factories.resident_id("19800101", digit),
        )
    # then the exact assets order them, and a bound inside the 万元 is exact
    ordered = [c.name for c in customer_search(CustomerQuery(sort="-aum"))]
    assert ordered[:2] == ["乙", "甲"]
    assert _numbers(CustomerQuery(aum_min_wan=Decimal("1.5"))) == ["乙"]
    assert _numbers(CustomerQuery(aum_min_wan=Decimal("1.2"), aum_max_wan=Decimal("1.2"))) == ["甲"]
    assert Customer.objects.get(name="乙").aum_wan == 1


# Measured: 15 queries (the session and its save, the user, their roles and permissions,
# the scope's department lookup, the count and the page of results, the filters' choices
# and the saved searches), whatever the number of customers found.
OUTLET_HEAD_SEARCH_MAX_QUERIES = 16


def test_the_search_page_query_count_for_an_outlet_head_is_bounded(
    client, bank, django_assert_max_num_queries
):
    # given: thirty more customers of the outlet, with and without a manager
    for index in range(30):
        factories.customer(
            department=bank.outlet_a1,
            manager=bank.manager_a1 if index % 2 else None,
            name=f"张{index}",
            id_number=factories.resident_id("19700101", index),
        )
    client.force_login(bank.head_a1)
    client.get("/customers/?text=zhang")
    # when / then
    with django_assert_max_num_queries(OUTLET_HEAD_SEARCH_MAX_QUERIES):
        response = client.get("/customers/?text=zhang")
    assert response.status_code == 200
    assert response.content.decode().count('<td><a href="/customers/') == 31
