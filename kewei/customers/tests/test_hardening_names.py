"""The longest name a customer may have fits its pinyin columns on every entry path, and
a longer one is that path's error on the name, never a database error. (SQLite does not
enforce column lengths: the PostgreSQL pass is the one that proves the widths.)"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from kewei.api.tests.helpers import call, systems
from kewei.customers.identity import _SURNAME_READINGS, name_pinyin
from kewei.customers.models import (
    NAME_MAX_LENGTH,
    NAME_PINYIN_MAX_LENGTH,
    PINYIN_SYLLABLE_MAX_LENGTH,
    Customer,
)
from kewei.customers.pinyin_table import read
from kewei.customers.tests.test_import import _csv
from kewei.products.feed import format as spec
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.testing.factories import resident_id

# 50 characters that each read as six letters: the longest pinyin a valid name has.
LONGEST = "庄" * NAME_MAX_LENGTH
TOO_LONG = "庄" * (NAME_MAX_LENGTH + 1)
# 31 Latin letters once the spaces go (the probe's first failure: over 30 initials).
LATIN = "Maximilian Alexander Montgomery Li"
LATIN_STORED = "MaximilianAlexanderMontgomeryLi"


def test_the_pinyin_columns_follow_from_the_longest_name():
    # given: every reading a name can be read with
    readings = [*read().values(), *(s for r in _SURNAME_READINGS.values() for s in r)]
    # then
    assert max(map(len, readings)) == PINYIN_SYLLABLE_MAX_LENGTH
    assert Customer._meta.get_field("name").max_length == NAME_MAX_LENGTH == 50
    assert Customer._meta.get_field("name_pinyin").max_length == NAME_PINYIN_MAX_LENGTH == 300
    assert Customer._meta.get_field("name_initials").max_length == NAME_MAX_LENGTH
    assert name_pinyin(LONGEST) == ("zhuang" * 50, "z" * 50)


def test_an_import_takes_the_longest_names_and_reports_a_longer_one(bank, tmp_path):
    # given
    header = ["姓名", "证件号码", "手机号码", "联系地址", "归属网点"]
    rows = [
        [LONGEST, resident_id("19800101", 11), "13900000011", "北京市海淀区", "110101"],
        [TOO_LONG, resident_id("19800101", 12), "13900000012", "北京市海淀区", "110101"],
        [LATIN, resident_id("19800101", 13), "13900000013", "北京市海淀区", "110101"],
    ]
    path = _csv(tmp_path / "names.csv", header, rows, "utf-8")
    report = tmp_path / "report.csv"
    out = StringIO()
    # when
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_customers",
            str(path),
            "--report",
            str(report),
            no_progress=True,
            stdout=out,
            stderr=StringIO(),
        )
    # then
    assert exit_info.value.code == 1
    assert out.getvalue().strip() == "imported 2, updated 0, unchanged 0, rejected 1"
    assert report.read_text(encoding="utf-8-sig").splitlines() == [
        "行号,列,原因",
        "3,姓名,不能超过 50 个字",
    ]
    stored = Customer.objects.filter(name__in=[LONGEST, LATIN_STORED])
    assert sorted(stored.values_list("name", "name_pinyin", "name_initials")) == [
        (LATIN_STORED, LATIN_STORED.lower(), LATIN_STORED.lower()),
        (LONGEST, "zhuang" * 50, "z" * 50),
    ]


def test_the_api_takes_the_longest_name_and_refuses_a_longer_one_as_a_400(db):
    # given
    s = systems()
    good = {
        "name": LONGEST,
        "id_number": resident_id("19850505", 41),
        "mobile": "13912345678",
        "address": "北京市海淀区学院路1号",
        "department": "110101",
    }
    customer = s.bank.customer_a1
    url = f"/api/v1/customers/{customer.customer_number}/"
    # when
    created = call("POST", "/api/v1/customers/", s.core, good)
    refused = call(
        "POST",
        "/api/v1/customers/",
        s.core,
        {**good, "name": TOO_LONG, "id_number": resident_id("19850505", 42)},
    )
    updated = call("PATCH", url, s.core, {"name": LATIN})
    refused_update = call("PATCH", url, s.core, {"name": TOO_LONG})
    # then
    assert created.status_code == 201
    assert Customer.objects.get(customer_number=created.json()["number"]).name == LONGEST
    assert refused.status_code == 400 and refused.json()["field"] == "name"
    assert updated.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.name_initials) == (LATIN_STORED, LATIN_STORED.lower())
    assert refused_update.status_code == 400 and refused_update.json()["field"] == "name"
    assert not Customer.objects.filter(name=TOO_LONG).exists()


def test_the_customer_form_takes_the_longest_name_and_refuses_a_longer_one(client, bank):
    # given
    client.force_login(bank.teller_a1)
    form = {
        "name": LONGEST,
        "id_type": "resident_id",
        "id_number": resident_id("19920202", 77),
        "mobile": "13912345678",
        "address": "北京市海淀区学院路",
        "department": bank.outlet_a1.pk,
        "source": "counter",
    }
    # when
    refused = client.post(reverse("customers:customer_create"), {**form, "name": TOO_LONG})
    created = client.post(reverse("customers:customer_create"), form)
    # then
    assert refused.status_code == 200
    assert "确保该变量包含不超过 50 字符 (目前字符数 51)。" in refused.content.decode()
    assert not Customer.objects.filter(name=TOO_LONG).exists()
    customer = Customer.objects.get(name=LONGEST)
    assert created["Location"] == customer.get_absolute_url()
    assert customer.name_pinyin == "zhuang" * 50


def test_the_feed_rejects_a_too_long_name_and_loads_the_rest_of_the_day(bank, tmp_path):
    # given
    day = dt.date(2026, 11, 25)

    def customer(number, name, sequence):
        id_number = resident_id("19880808", sequence)
        return (number, name, "", "身份证", id_number, "", "13912345678", "北京市海淀区", "110101")

    write_day(
        tmp_path,
        day,
        customers=[customer("K000001", LONGEST, 21), customer("K000002", TOO_LONG, 22)],
    )
    # when
    result = load_day(day, tmp_path)
    # then
    assert result.lines()[0] == "customers.csv: loaded 1, rejected 1"
    assert [(r.file, r.row, r.column, r.reason) for r in result.rejects] == [
        (spec.CUSTOMERS, 3, "姓名", "不能超过 50 个字")
    ]
    assert Customer.objects.get(customer_number="K000001").name_pinyin == "zhuang" * 50
