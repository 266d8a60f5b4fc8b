"""Issue #29, personal data: the edit form, the unmasked export, identity searches in
URLs and saved searches (and #28: multi-value filters surviving save and export)."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from openpyxl import load_workbook

from kewei.audit.models import AuditEvent
from kewei.core.progress import SilentProgress
from kewei.customers.jobs import export_customers
from kewei.customers.models import Customer, SavedSearch
from kewei.customers.selectors import CustomerQuery, customer_search
from kewei.customers.services import CustomerError
from kewei.jobs.models import JobRun
from kewei.messaging.services import search_customers
from kewei.testing import factories

ID_NUMBER = "11010519491231002X"  # bank.customer_a1 (张三)
ADDRESS = "北京市海淀区中关村大街1号"
_accounts = itertools.count(1)


def _edit_form(customer, **changes):
    """What the edit page posts when the user touches nothing but ``changes``."""
    form = {
        "name": customer.name,
        "id_type": customer.id_type,
        "id_number": "",
        "gender": customer.gender,
        "birthday": customer.birthday.isoformat(),
        "mobile": "",
        "address": "",
        "email": "",
        "department": customer.department_id,
        "responsible_manager": customer.responsible_manager_id or "",
        "source": customer.source,
    }
    return {**form, **changes}


def _reload(customer):
    return Customer.objects.unrestricted().get(pk=customer.pk)


# --- the edit form -------------------------------------------------------------------


def test_the_edit_page_shows_personal_fields_masked_and_never_in_full(client, bank):
    # given
    customer = bank.customer_a1
    Customer.objects.unrestricted().filter(pk=customer.pk).update(email="zhangsan@bank.cn")
    client.force_login(bank.teller_a1)
    # when
    html = client.get(reverse("customers:customer_update", args=[customer.pk])).content.decode()
    # then
    assert customer.address == ADDRESS
    for full in (ID_NUMBER, customer.mobile, ADDRESS, "中关村大街", "zhangsan@bank.cn"):
        assert full not in html
    for masked in ("110105********002X", customer.masked_mobile, "北京市海淀区****"):
        assert f'placeholder="{masked}"' in html
    assert "z***@bank.cn" in html and 'name="clear_email"' in html


def test_saving_the_edit_form_untouched_keeps_the_stored_personal_values(client, bank):
    # given
    customer = bank.customer_a1
    Customer.objects.unrestricted().filter(pk=customer.pk).update(email="zhangsan@bank.cn")
    before = _reload(customer)
    client.force_login(bank.teller_a1)
    # when: only the name changes
    response = client.post(
        reverse("customers:customer_update", args=[customer.pk]),
        _edit_form(before, name="张三丰"),
    )
    # then
    assert response.status_code == 302
    after = _reload(customer)
    assert after.name == "张三丰"
    assert (after.id_number, after.mobile, after.address, after.email) == (
        ID_NUMBER,
        before.mobile,
        ADDRESS,
        "zhangsan@bank.cn",
    )
    assert (after.id_number_index, after.mobile_index) == (
        before.id_number_index,
        before.mobile_index,
    )
    event = AuditEvent.objects.get(action="customers.customer.update")
    assert sorted(event.changes) == ["name"]


def test_a_typed_mobile_replaces_the_stored_one_with_its_audit(client, bank):
    # given
    customer = bank.customer_a1
    old_mobile = customer.mobile
    client.force_login(bank.teller_a1)
    # when
    response = client.post(
        reverse("customers:customer_update", args=[customer.pk]),
        _edit_form(customer, mobile="139 0000 1234", address="上海市浦东新区世纪大道8号"),
    )
    # then
    assert response.status_code == 302
    after = _reload(customer)
    assert (after.mobile, after.address, after.id_number) == (
        "13900001234",
        "上海市浦东新区世纪大道8号",
        ID_NUMBER,
    )
    event = AuditEvent.objects.get(action="customers.customer.update")
    assert sorted(event.changes) == ["address", "mobile"]
    assert event.changes["mobile"] == {
        "before": f"{old_mobile[:3]}****{old_mobile[-4:]}",
        "after": "139****1234",
    }
    assert "13900001234" not in json.dumps(event.changes, ensure_ascii=False)


def test_a_typed_id_number_is_validated_like_any_other(client, bank):
    client.force_login(bank.teller_a1)
    response = client.post(
        reverse("customers:customer_update", args=[bank.customer_a1.pk]),
        _edit_form(bank.customer_a1, id_number="11010519491231003X"),
    )
    # the untouched mobile and address are not missing: only the typed number is wrong
    assert response.status_code == 200
    assert response.context["form"].errors == {"id_number": ["身份证号码校验位错误"]}
    assert _reload(bank.customer_a1).id_number == ID_NUMBER
    assert not AuditEvent.objects.filter(action="customers.customer.update").exists()


def test_the_email_is_cleared_only_by_its_own_box(client, bank):
    # given
    customer = bank.customer_a1
    Customer.objects.unrestricted().filter(pk=customer.pk).update(email="zhangsan@bank.cn")
    client.force_login(bank.teller_a1)
    url = reverse("customers:customer_update", args=[customer.pk])
    # when: a new address and the box together, then the box alone
    both = client.post(url, _edit_form(customer, email="a@b.cn", clear_email="on"))
    cleared = client.post(url, _edit_form(customer, clear_email="on"))
    # then
    assert "已输入新的电子邮箱，不能同时清除。" in both.content.decode()
    assert cleared.status_code == 302
    assert _reload(customer).email == ""


# --- the export ----------------------------------------------------------------------


def test_an_unmasked_export_without_a_reason_is_refused_and_nothing_is_written(
    client, bank, django_capture_on_commit_callbacks
):
    # given
    client.force_login(bank.head_a1)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customers:customer_export"), {"text": "zs", "unmasked": "on", "reason": " "}
        )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/customers/?text=zs"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["导出完整个人信息须填写原因（将记入审计）。"]
    assert not JobRun.objects.unrestricted().exists()
    assert not AuditEvent.objects.filter(
        action__in=["customers.export", "customers.customer.reveal"]
    )


def test_an_unmasked_export_needs_the_reveal_permission(client, bank):
    from django.contrib.auth.models import Permission

    bank.supervisor_a1.groups.first().permissions.remove(
        Permission.objects.get(codename="reveal_customer")
    )
    client.force_login(bank.supervisor_a1)
    response = client.post(
        reverse("customers:customer_export"), {"text": "zs", "unmasked": "on", "reason": "核对"}
    )
    assert response.status_code == 403
    assert not JobRun.objects.unrestricted().exists()


def test_an_unmasked_export_with_a_reason_is_audited_as_a_reveal_with_the_count(
    client, bank, settings, django_capture_on_commit_callbacks
):
    # given: two customers in the head's outlet
    client.force_login(bank.head_a1)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("customers:customer_export"),
            {"department": bank.outlet_a1.pk, "unmasked": "on", "reason": "年度资料核对"},
        )
    # then
    run = JobRun.objects.unrestricted().get()
    assert run.status == "succeeded"
    rows = list(load_workbook(settings.MEDIA_ROOT / run.result_file).active.values)
    assert sorted(row[4] for row in rows[1:]) == sorted(
        [ID_NUMBER, bank.customer_a1_free.id_number]
    )
    reveal = AuditEvent.objects.get(action="customers.customer.reveal")
    assert reveal.actor_id == bank.head_a1.pk and reveal.note == "年度资料核对"
    assert reveal.changes["count"] == {"before": None, "after": 2}
    assert reveal.changes["export"] == {"before": None, "after": "customers.export"}


def test_the_export_job_refuses_full_values_without_a_reason(bank, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = tmp_path
    # when
    with pytest.raises(CustomerError) as refused:
        export_customers(
            actor=bank.head_a1, progress=SilentProgress(), query={}, unmasked=True, reason=""
        )
    # then
    assert refused.value.message_dict == {"reason": ["请填写查看原因。"]}
    assert not (tmp_path / "exports").exists()
    assert not AuditEvent.objects.filter(
        action__in=["customers.export", "customers.customer.reveal"]
    )


def test_a_masked_export_stays_masked_for_a_user_who_may_reveal(
    client, bank, settings, django_capture_on_commit_callbacks
):
    client.force_login(bank.head_a1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customers:customer_export"), {"text": ID_NUMBER})
    run = JobRun.objects.unrestricted().get()
    rows = list(load_workbook(settings.MEDIA_ROOT / run.result_file).active.values)
    assert [row[4] for row in rows[1:]] == ["110105********002X"]
    assert not AuditEvent.objects.filter(action="customers.customer.reveal").exists()
    assert ID_NUMBER not in json.dumps(run.params)


# --- identity searches: never in a URL or a saved search in clear ---------------------


def test_a_search_by_id_number_posts_and_the_results_url_has_no_clear_number(client, bank):
    # given
    client.force_login(bank.manager_a1)
    # when
    response = client.post(reverse("customers:customer_search"), {"text": ID_NUMBER.lower()})
    # then
    assert response.status_code == 302
    location = response["Location"]
    assert ID_NUMBER not in location.upper() and "110105" not in location
    assert f"id_number_index={bank.customer_a1.id_number_index}" in location
    page = client.get(location)
    html = page.content.decode()
    assert "张三" in html and "李四" not in html
    assert ID_NUMBER not in html and "证件号码精确匹配" in html


def test_a_search_by_mobile_posts_and_the_results_url_has_no_clear_mobile(client, bank):
    client.force_login(bank.manager_a1)
    mobile = bank.customer_a1.mobile
    response = client.post(reverse("customers:customer_search"), {"text": mobile})
    assert mobile not in response["Location"]
    assert f"mobile_index={bank.customer_a1.mobile_index}" in response["Location"]
    assert "张三" in client.get(response["Location"]).content.decode()


def test_an_old_link_with_an_id_number_is_redirected_without_it(client, bank):
    client.force_login(bank.manager_a1)
    response = client.get(reverse("customers:customer_search"), {"text": ID_NUMBER})
    assert response.status_code == 302 and ID_NUMBER not in response["Location"]
    assert "id_number_index=" in response["Location"]


def test_a_name_search_still_posts_to_a_plain_url(client, bank):
    client.force_login(bank.manager_a1)
    response = client.post(reverse("customers:customer_search"), {"text": "zs", "sort": "name"})
    assert response["Location"] == "/customers/?text=zs&sort=name"


def test_a_saved_search_by_id_number_keeps_only_its_blind_index_and_still_finds(client, bank):
    # given: the results page of a search by ID number
    client.force_login(bank.manager_a1)
    results = client.post(reverse("customers:customer_search"), {"text": ID_NUMBER})["Location"]
    html = client.get(results).content.decode()
    index = bank.customer_a1.id_number_index
    assert f'<input type="hidden" name="id_number_index" value="{index}">' in html
    # when: it is saved (the form posts the page's hidden fields), then reopened
    saved_response = client.post(
        reverse("customers:saved_search_create"), {"name": "张三证件", "id_number_index": index}
    )
    saved = SavedSearch.objects.unrestricted().get()
    reopened = client.get(reverse("customers:saved_search_open", args=[saved.pk]))
    # then
    assert ID_NUMBER not in json.dumps(saved.params) and "110105" not in json.dumps(saved.params)
    assert index in saved.params["id_number_index"]
    assert ID_NUMBER not in saved_response["Location"]
    assert ID_NUMBER not in reopened["Location"]
    assert "张三" in client.get(reopened["Location"]).content.decode()
    # and what runs saved searches (event guest lists, SMS batches) finds the same
    assert [c.name for c in search_customers(saved.params)] == ["张三"]


def test_a_saved_search_posted_with_a_clear_id_number_stores_its_index(client, bank):
    client.force_login(bank.manager_a1)
    client.post(reverse("customers:saved_search_create"), {"name": "x", "text": ID_NUMBER})
    params = SavedSearch.objects.unrestricted().get().params
    assert params == {"id_number_index": [bank.customer_a1.id_number_index]}


def test_the_migration_turns_clear_identities_of_saved_searches_into_blind_indexes(bank):
    # given: saved searches from before, one by ID number, one by mobile, one by name
    def saved(name, params):
        return SavedSearch.objects.unrestricted().create(
            name=name, owner=bank.manager_a1, department=bank.outlet_a1, params=params
        )

    by_id = saved("证件", {"text": ID_NUMBER, "vip": "0"})
    by_mobile = saved("手机", {"text": bank.customer_b1.mobile})
    by_name = saved("姓名", {"text": "zs"})
    migration = importlib.import_module(
        "kewei.customers.migrations.0010_saved_search_identity_blind_index"
    )
    # when: run twice (a second run finds nothing to convert)
    migration.identities_to_blind_indexes(django_apps, None)
    migration.identities_to_blind_indexes(django_apps, None)
    # then
    by_id.refresh_from_db()
    by_mobile.refresh_from_db()
    by_name.refresh_from_db()
    assert ID_NUMBER not in json.dumps(by_id.params)
    assert by_id.params["vip"] == "0" and "text" not in by_id.params
    assert bank.customer_b1.mobile not in json.dumps(by_mobile.params)
    assert by_name.params == {"text": "zs"}
    assert [c.name for c in search_customers(by_id.params)] == ["张三"]
    assert [c.name for c in search_customers(by_mobile.params)] == ["王五"]


# --- #28: multi-value filters survive save, reopen and export -------------------------


def _holding(customer, code, category):
    from kewei.products.models import Holding, Product

    product = Product.objects.filter(code=code).first() or factories.product(code, category)
    return Holding.objects.unrestricted().create(
        account_number=f"H{next(_accounts):010d}",
        customer=customer,
        product=product,
        opened_on=dt.date(2024, 1, 1),
        balance=0,
    )


def test_a_search_for_two_products_survives_save_reopen_and_export(
    client, bank, settings, django_capture_on_commit_callbacks
):
    # given: 张三 holds a fund and a wealth product, 李四 only the fund
    _holding(bank.customer_a1, "F001", "fund")
    _holding(bank.customer_a1, "W001", "wealth")
    _holding(bank.customer_a1_free, "F001", "fund")
    client.force_login(bank.head_a1)
    url = client.post(reverse("customers:customer_search"), {"holds": ["fund", "wealth"]})[
        "Location"
    ]
    html = client.get(url).content.decode()
    assert "共 1 名客户" in html
    hidden = [
        ('<input type="hidden" name="holds" value="fund">'),
        ('<input type="hidden" name="holds" value="wealth">'),
    ]
    assert all(html.count(field) == 2 for field in hidden)  # the export and save forms
    # when: saved and reopened, and exported, as the page's forms post
    client.post(
        reverse("customers:saved_search_create"), {"name": "双产品", "holds": ["fund", "wealth"]}
    )
    saved = SavedSearch.objects.unrestricted().get()
    reopened = client.get(
        client.get(reverse("customers:saved_search_open", args=[saved.pk]))["Location"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customers:customer_export"), {"holds": ["fund", "wealth"]})
    # then
    assert saved.params == {"holds": ["fund", "wealth"]}
    assert "共 1 名客户" in reopened.content.decode()
    run = JobRun.objects.unrestricted().get(kind="customers.export")
    rows = list(load_workbook(settings.MEDIA_ROOT / run.result_file).active.values)
    assert [row[1] for row in rows[1:]] == ["张三"]
    query = CustomerQuery.from_params(saved.params)
    assert len(rows) - 1 == customer_search(query).count() == 1
