"""The customer row's one field table (``services.fields.FIELDS``): the insert columns,
the prepared row, the comparison row and the creation's audit JSON all derive from it,
and read as the write path wrote them by hand before."""

import datetime as dt
import inspect
import json

import pytest
from django.db import transaction
from django.utils import timezone

from kewei.core.bulk import db_value
from kewei.customers import importing, services
from kewei.customers.models import Customer
from kewei.customers.services import fields
from kewei.customers.validation import CustomerData


def _data(bank, **overrides) -> CustomerData:
    values = dict(
        name='欧阳"小%s明"',
        gender="M",
        id_type="resident_id",
        id_number="110105197001011233",
        birthday=dt.date(1970, 1, 1),
        mobile="13812345678",
        address="北京市海淀区中关村大街1号",
        department=bank.outlet_a1,
        responsible_manager=bank.manager_a1,
        vip_flag=True,
        source="counter",
        email="wang.fang@example.com",
    )
    values.update(overrides)
    return CustomerData(**values)


def test_the_insert_and_compared_columns_are_the_ones_the_write_path_wrote_by_hand():
    # given the field table
    # when the write path's column lists are derived from it
    # then they are the lists the services and the import spelled out before
    assert services.INSERT_COLUMNS == (
        "customer_number",
        "name",
        "name_pinyin",
        "name_initials",
        "given_name",
        "gender",
        "id_type",
        "id_number",
        "id_number_index",
        "birthday",
        "birth_month",
        "birth_day",
        "mobile",
        "mobile_index",
        "mobile_last4",
        "address",
        "address_district",
        "email",
        "department_id",
        "responsible_manager_id",
        "vip_flag",
        "tier",
        "source",
        "status",
        "created_at",
        "updated_at",
    )
    assert set(services.PREPARED_COLUMNS) == {
        "id_number",
        "mobile",
        "address",
        "email",
        "birthday",
        "vip_flag",
        "created_at",
        "updated_at",
    }
    assert services.CUSTOMER_FIELDS == (
        "customer_number",
        "name",
        "gender",
        "id_type",
        "id_number",
        "birthday",
        "mobile",
        "address",
        "email",
        "department",
        "responsible_manager",
        "vip_flag",
        "source",
        "status",
    )
    assert services.COMPARED_COLUMNS == (
        *services.CUSTOMER_FIELDS[:9],
        "department_id",
        "responsible_manager_id",
        "vip_flag",
        "source",
        "status",
    )
    assert services.UPDATED_COLUMNS == tuple(
        c
        for c in services.INSERT_COLUMNS
        if c not in ("customer_number", "tier", "status", "created_at")
    )
    assert services.OPTIONAL_FIELDS == ("email", "responsible_manager", "vip_flag", "source")
    assert len({column.attname for column in fields.FIELDS}) == len(fields.FIELDS)


@pytest.mark.parametrize("with_manager", [True, False])
def test_the_creations_changes_text_is_the_audit_json_with_masked_values(bank, with_manager):
    # given a new customer's data (a name with a quote and a %s, a manager or none)
    manager = bank.manager_a1 if with_manager else None
    data = _data(bank, responsible_manager=manager)
    manager_id = manager.pk if manager else None
    # when the import builds its creation diff from the template
    parts = services.created_changes_text(data, manager_id=manager_id)
    text = services.numbered_changes_text(parts, "C00000000042")
    # then it is the diff of every basic field, personal ones masked, sorted, the manager
    # left out when there is none, as json.dumps writes it
    expected = {
        "address": {"before": None, "after": "****"},
        "birthday": {"before": None, "after": "1970-01-01"},
        "customer_number": {"before": None, "after": "C00000000042"},
        "department": {"before": None, "after": bank.outlet_a1.pk},
        "email": {"before": None, "after": "w***@example.com"},
        "gender": {"before": None, "after": "M"},
        "id_number": {"before": None, "after": "110105********1233"},
        "id_type": {"before": None, "after": "resident_id"},
        "mobile": {"before": None, "after": "138****5678"},
        "name": {"before": None, "after": '欧阳"小%s明"'},
        **({"responsible_manager": {"before": None, "after": manager_id}} if manager else {}),
        "source": {"before": None, "after": "counter"},
        "status": {"before": None, "after": "active"},
        "vip_flag": {"before": None, "after": True},
    }
    assert json.loads(text) == expected
    assert text == json.dumps(expected)


def test_the_comparison_row_equals_the_stored_row(bank):
    # given a new customer's data, inserted from its prepared row
    data = _data(bank, email="")
    number = services.customer_number_block(1)[0]
    stamp = db_value(Customer, "created_at", timezone.now())
    row = services.insert_row(data, number=number, manager_id=bank.manager_a1.pk, now=stamp)
    with transaction.atomic():
        ids = services.insert_customers([row])
    # when the import's comparison row is built from the prepared row
    compared = services.comparable_row(
        row, services.personal_values(data), customer_number=number, status="active"
    )
    # then it equals what the database stores, read back in clear, and the model's own
    stored = Customer.objects.filter(pk=ids[number]).values_list(*services.COMPARED_COLUMNS)
    assert compared == stored.get()
    assert compared == services.comparable(Customer.objects.get(pk=ids[number]))
    assert compared == (
        number,
        '欧阳"小%s明"',
        "M",
        "resident_id",
        "110105197001011233",
        dt.date(1970, 1, 1),
        "13812345678",
        "北京市海淀区中关村大街1号",
        "",
        bank.outlet_a1.pk,
        bank.manager_a1.pk,
        True,
        "counter",
        "active",
    )


def test_the_inserted_row_and_the_applied_instance_store_the_same_customer(bank):
    # given one customer's data
    data = _data(bank)
    number = services.customer_number_block(1)[0]
    stamp = db_value(Customer, "created_at", timezone.now())
    # when it is inserted as a row and applied to a model instance
    with transaction.atomic():
        ids = services.insert_customers(
            [services.insert_row(data, number=number, manager_id=bank.manager_a1.pk, now=stamp)]
        )
    applied = Customer(customer_number=number)
    services.apply_data(applied, data)
    # then every column the instance was given is the one the row stored
    inserted = Customer.objects.get(pk=ids[number])
    given = [c.attname for c in fields.FIELDS if c.value is not None]
    assert len(given) == 21
    assert [getattr(inserted, a) for a in given] == [getattr(applied, a) for a in given]
    assert (inserted.name_pinyin, inserted.name_initials) == (
        applied.name_pinyin,
        applied.name_initials,
    )
    assert inserted.address_district == applied.address_district != ""


def test_every_public_name_of_the_sub_modules_is_re_exported():
    # given the services' and the import's sub-modules
    modules = {
        # (derived.py, the derived columns' owner, is being extended meanwhile: not here)
        services: ("archive", "assignment", "errors", "fields", "merge", "parts"),
        importing: ("reading", "rows", "writing"),
    }
    for package, names in modules.items():
        for name in names:
            module = getattr(package, name)
            # when their public functions and classes are listed
            defined = {
                attribute
                for attribute, value in vars(module).items()
                if not attribute.startswith("_")
                and (inspect.isfunction(value) or inspect.isclass(value))
                and getattr(value, "__module__", "") == module.__name__
            }
            # then the package exports each of them, as the same object
            assert defined <= set(package.__all__), (
                module.__name__,
                defined - set(package.__all__),
            )
            for attribute in defined:
                assert getattr(package, attribute) is getattr(module, attribute)


def test_a_reimport_writes_the_changed_fields_and_keeps_the_number_tier_and_status(bank, tmp_path):
    # given a known customer with a tier, and a file that changes its mobile
    customer = bank.customer_a1
    Customer.objects.unrestricted().filter(pk=customer.pk).update(tier="vip")
    number, created_at = customer.customer_number, customer.created_at
    path = tmp_path / "changed.csv"
    header = "姓名,证件号码,手机号码,联系地址,归属网点,客户经理"
    manager = bank.manager_a1.employee_number
    row = ",".join(["张三", customer.id_number, "13911112222", customer.address, "110101", manager])
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    # when it is imported
    result = importing.import_customers(path)
    # then only the changed columns (and the time of the change) are written
    assert (result.updated, result.rejected) == (1, 0)
    customer.refresh_from_db()
    assert customer.mobile == "13911112222"
    assert (customer.customer_number, customer.tier, customer.status) == (number, "vip", "active")
    assert customer.created_at == created_at


def test_a_new_column_is_one_entry_in_the_table(bank):
    # given the table with one entry more: a choice the import compares and the
    # creation audits (as a nationality would be, once the model and the data have it)
    nationality = fields.Column(
        "nationality",
        "data.extra['nationality']",
        row="_plain(data.extra['nationality'])",
        field="nationality",
        optional=True,
    )
    path = fields.WritePath((*fields.FIELDS, nationality))
    data = _data(bank, responsible_manager=None)
    data.extra["nationality"] = "CN"
    # when the write path is derived from it
    row = path.insert_row(data, number="C00000000042", manager_id=None, now="now")
    compared = path.comparable_row(
        row, fields.personal_values(data), customer_number="C00000000042", status="active"
    )
    parts = path.created_changes_text(data, manager_id=None)
    applied = Customer()
    path.apply_data(applied, data)
    # then the insert, the comparison, the creation's audit, the re-import and the model
    # instance all have it, and nothing else changed
    assert path.insert_columns == (*services.INSERT_COLUMNS, "nationality")
    assert row[-1] == "CN" and len(row) == len(services.INSERT_COLUMNS) + 1
    assert path.compared_columns == (*services.COMPARED_COLUMNS, "nationality")
    assert compared[-1] == "CN"
    assert path.updated_columns == (*services.UPDATED_COLUMNS, "nationality")
    assert path.optional_fields == (*services.OPTIONAL_FIELDS, "nationality")
    changes = json.loads(services.numbered_changes_text(parts, "C00000000042"))
    assert list(changes) == sorted(changes)
    assert changes.pop("nationality") == {"before": None, "after": "CN"}
    assert changes == json.loads(
        services.numbered_changes_text(
            services.created_changes_text(data, manager_id=None), "C00000000042"
        )
    )
    assert applied.nationality == "CN"
