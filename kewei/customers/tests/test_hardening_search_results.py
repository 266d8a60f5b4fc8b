"""The search as the counter uses it: a search that finds nobody says so (with what was
looked for), a mobile's last four digits and a given name alone find the customer, and
the last four digits are kept by every path that writes a mobile."""

from __future__ import annotations

import csv
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from kewei.core.scope import scope_activated
from kewei.customers import services
from kewei.customers.importing import import_customers
from kewei.customers.models import Customer
from kewei.customers.selectors import CustomerQuery, customer_search
from kewei.organisation.selectors import data_scope_for
from kewei.testing import factories

pytestmark = pytest.mark.django_db


def _names(query: CustomerQuery, user=None) -> list[str]:
    if user is None:
        return sorted(c.name for c in customer_search(query))
    with scope_activated(data_scope_for(user)):
        return sorted(c.name for c in customer_search(query))


# --- a search that finds nobody -----------------------------------------------------------


def test_a_search_without_result_says_it_ran_and_shows_the_filters(client, bank):
    # given
    client.force_login(bank.head_a1)
    # when: a name nobody has, in one outlet, born in May
    page = client.get(
        reverse("customers:customer_search"),
        {"text": "诸葛", "department": bank.outlet_a1.pk, "birth_month": "5"},
    )
    # then
    html = page.content.decode()
    assert "查询已完成，没有符合条件的客户。" in html
    assert "请输入条件后查询" not in html
    assert page.context["filters_shown"] == [
        ("姓名/拼音/客户号", "诸葛", ""),
        ("机构", "中关村网点", ""),
        ("生日月份", "5月", ""),
    ]
    assert "姓名/拼音/客户号：诸葛" in html and "机构：中关村网点" in html


def test_an_exact_identity_that_finds_nobody_is_named_but_not_shown(client, bank):
    client.force_login(bank.head_a1)
    # the search form posts; the results page carries the mobile as its blind index
    answer = client.post(reverse("customers:customer_search"), {"text": "13700001111"})
    page = client.get(answer["Location"])
    html = page.content.decode()
    assert page.context["filters_shown"] == [("手机号码", "精确匹配（号码不显示）", "")]
    assert "查询已完成，没有符合条件的客户。" in html and "13700001111" not in html


def test_the_empty_form_still_asks_for_filters(client, bank):
    client.force_login(bank.head_a1)
    html = client.get(reverse("customers:customer_search")).content.decode()
    assert "请输入条件后查询" in html
    assert "查询已完成" not in html


# --- the mobile's last four digits ---------------------------------------------------------


def test_four_digits_find_the_customers_whose_mobile_ends_with_them(bank):
    # given
    factories.customer(department=bank.outlet_a1, name="赵六", mobile="13912345678")
    factories.customer(department=bank.outlet_a1, name="钱七", mobile="13698765678")
    factories.customer(department=bank.outlet_a1, name="孙八", mobile="13912340000")
    # when / then
    assert _names(CustomerQuery(text="5678")) == ["赵六", "钱七"]
    assert _names(CustomerQuery(text=" 5678 ")) == ["赵六", "钱七"]
    # five digits or three are not a mobile's tail
    assert _names(CustomerQuery(text="45678")) == []
    assert _names(CustomerQuery(text="678")) == []


def test_four_digits_stay_within_the_users_scope(bank):
    factories.customer(
        department=bank.outlet_a1, name="赵六", mobile="13912345678", manager=bank.manager_a1
    )
    factories.customer(department=bank.outlet_b1, name="钱七", mobile="13698765678")
    assert _names(CustomerQuery(text="5678"), bank.head_a1) == ["赵六"]
    assert _names(CustomerQuery(text="5678"), bank.manager_b1) == []


def test_the_last_four_digits_follow_an_edit_of_the_mobile(bank):
    # given
    customer = factories.customer(department=bank.outlet_a1, name="赵六", mobile="13912345678")
    # when
    services.customer_update(
        actor=None,
        customer=customer,
        data=factories.customer_data_of(customer, mobile="13912349999"),
    )
    # then
    assert Customer.objects.get(pk=customer.pk).mobile_last4 == "9999"
    assert _names(CustomerQuery(text="5678")) == []
    assert _names(CustomerQuery(text="9999")) == ["赵六"]


def test_imported_customers_have_their_last_four_digits_new_or_changed(bank, tmp_path):
    # given: a file with one new customer
    number = factories.resident_id("19820304", 101)
    header = ["客户姓名", "证件类型", "证件号码", "手机号码", "联系地址", "归属网点"]
    row = ["赵一", "身份证", number, "13900002468", "北京市海淀区学院路1号", "110101"]

    def write(name, rows):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        path = tmp_path / name
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return path

    # when
    import_customers(write("a.csv", [row]))
    # then
    assert Customer.objects.get(name="赵一").mobile_last4 == "2468"
    # when: the same customer comes again with another mobile
    changed = import_customers(write("b.csv", [[*row[:3], "13900001357", *row[4:]]]))
    # then
    assert changed.updated == 1
    assert Customer.objects.get(name="赵一").mobile_last4 == "1357"


def test_the_migration_fills_the_last_four_digits_of_existing_customers(bank):
    # given: customers from before the column, in more than one batch
    migration = importlib.import_module("kewei.customers.migrations.0012_customer_mobile_last_four")
    Customer.objects.unrestricted().update(mobile_last4="")

    class Editor:
        connection = connection

    # when
    original, migration.BATCH = migration.BATCH, 2
    try:
        migration.fill_mobile_last4(django_apps, Editor())
    finally:
        migration.BATCH = original
    # then
    for customer in Customer.objects.unrestricted().all():
        assert customer.mobile_last4 == customer.mobile[-4:]
        assert len(customer.mobile_last4) == 4


# --- a given name alone --------------------------------------------------------------------


def test_a_given_name_alone_finds_the_customer(bank):
    # given
    for name in ("张三丰", "欧阳三丰", "三丰园", "李三"):
        factories.customer(department=bank.outlet_a1, name=name)
    # when / then: 三丰 is the given name of two, and the beginning of another's name
    assert _names(CustomerQuery(text="三丰")) == ["三丰园", "张三丰", "欧阳三丰"]
    # the surname still finds from the beginning only
    assert _names(CustomerQuery(text="张三")) == ["张三", "张三丰"]
    # a one-character given name
    assert _names(CustomerQuery(text="四")) == ["李四"]


def test_a_given_name_search_stays_within_the_users_scope(bank):
    factories.customer(department=bank.outlet_b1, name="张三丰")
    factories.customer(department=bank.outlet_a1, name="王三丰", manager=bank.manager_a1)
    assert _names(CustomerQuery(text="三丰"), bank.manager_a1) == ["王三丰"]
    assert _names(CustomerQuery(text="三丰"), bank.head_b1) == ["张三丰"]


def test_the_given_name_is_the_name_without_its_surname():
    from kewei.customers.identity import given_name

    assert given_name("张三丰") == "三丰"
    assert given_name("欧阳修") == "修"  # a two-character surname
    assert given_name("欧阳") == "阳"  # two characters: a surname and a given name
    assert given_name("王 小明") == "小明"
    assert given_name("李") == ""
    assert given_name("John Smith") == ""


def test_the_given_name_search_is_served_by_an_index(bank):
    # given: the counter's search by a given name must not read every row of the scope
    factories.customer(department=bank.outlet_a1, name="张三丰")
    query = customer_search(CustomerQuery(text="三丰")).query
    sql, params = query.sql_with_params()
    # when
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
    # then: the given-name column's index answers (no LIKE '%三丰' over every name)
    assert "given_name" in plan
