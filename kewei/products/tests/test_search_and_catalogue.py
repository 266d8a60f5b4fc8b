"""Searching customers by products held, and the rules of the product catalogue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kewei.customers.selectors import CustomerQuery, customer_search
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.products.models import Product, ProductStatus
from kewei.products.services import (
    ProductData,
    product_close,
    product_create,
    product_delete,
    product_update,
)
from kewei.testing.factories import product, small_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(tmp_path):
    bank = small_bank()
    product("D001", "demand_deposit")
    product("WM01", "wealth")
    product("MB", "mobile_banking")
    a1, b1 = bank.customer_a1, bank.customer_b1

    def row(account, customer, code, balance):
        return (account, customer.customer_number, code, "2025-01-01", "", "", balance)

    write_day(
        tmp_path,
        dt.date(2026, 11, 25),
        holdings=[
            row("6222000000000001", a1, "D001", "100"),
            row("6222000000000002", a1, "WM01", "100000"),
            row("6222000000000003", a1, "MB", "0"),
            row("6222000000000004", b1, "D001", "5"),
        ],
    )
    load_day(dt.date(2026, 11, 25), tmp_path)
    return bank


def names(query: CustomerQuery) -> set[str]:
    return set(customer_search(query).values_list("name", flat=True))


def test_search_by_products_held_and_not_held(bank):
    assert names(CustomerQuery(holds=["wealth"])) == {"张三"}
    assert names(CustomerQuery(holds=["wealth", "demand_deposit"])) == {"张三"}
    assert names(CustomerQuery(holds=["demand_deposit"])) == {"张三", "王五"}
    assert names(CustomerQuery(lacks=["wealth"])) == {"李四", "王五"}
    assert names(CustomerQuery(holds=["demand_deposit"], lacks=["wealth"])) == {"王五"}


def test_search_by_number_of_product_categories(bank):
    assert names(CustomerQuery(categories_min=2)) == {"张三"}
    assert names(CustomerQuery(categories_max=0)) == {"李四"}
    assert names(CustomerQuery(categories_min=1, categories_max=1)) == {"王五"}


def test_product_filters_survive_the_query_string(bank):
    query = CustomerQuery(holds=["wealth"], lacks=["mobile_banking"], categories_min=2)
    from django.http import QueryDict

    again = CustomerQuery.from_params(QueryDict(query.querystring()))
    assert (again.holds, again.lacks, again.categories_min) == (
        ["wealth"],
        ["mobile_banking"],
        2,
    )


def test_the_customer_page_shows_holdings_masked(bank, client):
    client.force_login(bank.manager_a1)
    page = client.get(reverse("customers:customer_detail", args=[bank.customer_a1.pk]))
    html = page.content.decode()
    assert "6222****0002" in html
    assert "6222000000000002" not in html
    assert "资产与持仓" in html


def test_a_held_product_cannot_be_deleted_or_recoded_but_can_be_closed(bank):
    wealth = Product.objects.get(code="WM01")
    with pytest.raises(ValidationError, match="不能删除"):
        product_delete(actor=bank.retail_a, product=wealth)
    data = ProductData(code="WM02", name=wealth.name, category="wealth", risk_level="R2")
    with pytest.raises(ValidationError, match="不能修改产品代码"):
        product_update(actor=bank.retail_a, product=wealth, data=data)
    closed = product_close(actor=bank.retail_a, product=wealth, on=dt.date(2026, 12, 31))
    assert (closed.status, closed.sale_end) == (ProductStatus.CLOSED, dt.date(2026, 12, 31))
    assert Product.objects.filter(code="WM01").exists()


def test_an_unheld_product_can_be_deleted(bank):
    spare = product("T9", "time_deposit", term_days=90)
    product_delete(actor=bank.retail_a, product=spare)
    assert not Product.objects.filter(code="T9").exists()


def test_investment_products_need_a_risk_level_and_others_refuse_one(bank):
    with pytest.raises(ValidationError) as missing:
        product_create(
            actor=bank.retail_a, data=ProductData(code="FD9", name="基金", category="fund")
        )
    assert "risk_level" in missing.value.message_dict
    with pytest.raises(ValidationError) as extra:
        product_create(
            actor=bank.retail_a,
            data=ProductData(code="T10", name="定期", category="time_deposit", risk_level="R1"),
        )
    assert "risk_level" in extra.value.message_dict


def test_only_the_catalogue_keepers_may_change_it(bank):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        product_create(
            actor=bank.manager_a1,
            data=ProductData(code="X1", name="x", category="demand_deposit"),
        )
    assert not Product.objects.filter(code="X1").exists()
