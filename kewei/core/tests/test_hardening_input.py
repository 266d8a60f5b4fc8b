"""Bad input answers 400 naming what was wrong, never a server error: a NUL character in
a form post's fields (read outside a form too), and ids that are not numbers."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.exceptions import BadRequest
from django.urls import reverse

from kewei.core.params import int_param
from kewei.customers.models import SavedSearch
from kewei.events.models import Guest
from kewei.events.tests.access_cases import _event
from kewei.jobs.models import JobRun

pytestmark = pytest.mark.django_db


# --- NUL in a form post ----------------------------------------------------------------


def test_a_nul_in_a_saved_searchs_text_is_refused_and_nothing_is_saved(client, bank):
    # given
    client.force_login(bank.manager_a1)
    # when (a form post, urlencoded as a browser sends it)
    answer = client.post(
        reverse("customers:saved_search_create"),
        urlencode({"name": "我的", "text": "张\x00"}),
        content_type="application/x-www-form-urlencoded",
    )
    # then
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "text：不能包含空字符（NUL）。" in page
    assert answer["Content-Type"] == "text/html; charset=utf-8"
    assert answer["Cache-Control"] == "no-store"
    assert SavedSearch.objects.count() == 0


def test_a_nul_in_an_exports_search_text_is_refused_and_no_job_starts(client, bank):
    # given
    client.force_login(bank.supervisor_a1)
    # when
    answer = client.post(reverse("customers:customer_export"), {"text": "\x00zs"})
    # then
    assert answer.status_code == 400
    assert JobRun.objects.count() == 0


def test_a_nul_in_an_events_guest_number_is_refused_and_no_guest_is_added(client, bank):
    # given
    event = _event(bank)
    client.force_login(bank.head_a1)
    number = bank.customer_a1.customer_number
    # when
    answer = client.post(
        reverse("events:guest_add", args=[event.pk]), {"customer_number": f"{number}\x00"}
    )
    # then
    assert answer.status_code == 400
    assert Guest.objects.count() == 0


def test_a_nul_in_a_multipart_posts_field_name_is_refused(client, bank):
    # given
    client.force_login(bank.manager_a1)
    # when (the test client posts multipart/form-data)
    answer = client.post(reverse("customers:saved_search_create"), {"na\x00me": "我的"})
    # then
    assert answer.status_code == 400
    assert "name：" in answer.content.decode()
    assert SavedSearch.objects.count() == 0


def test_a_clean_form_post_still_passes(client, bank):
    client.force_login(bank.manager_a1)
    answer = client.post(reverse("customers:saved_search_create"), {"name": "我的", "text": "zs"})
    assert answer.status_code == 302
    assert SavedSearch.objects.get().name == "我的"


def test_the_api_refuses_a_nul_in_a_form_post_in_its_json(client, bank):
    # given
    client.force_login(bank.manager_a1)
    # when
    answer = client.post("/api/v1/customers/", {"name": "\x00"})
    # then
    assert answer.status_code == 400
    body = answer.json()
    assert (body["code"], body["field"]) == ("null_character", "name")


# --- ids that are not numbers -----------------------------------------------------------


def test_int_param_reads_an_id_and_refuses_anything_else():
    assert int_param({}, "department") is None
    assert int_param({"department": " "}, "department") is None
    assert int_param({"department": " 42 "}, "department") == 42
    for bad in ("abc", "1_000", "+5", "４２", "1.5", "0x10", "99999999999999999999", "0", "-3"):
        with pytest.raises(BadRequest):
            int_param({"department": bad}, "department")


def _pages(bank):
    """(method, url, data) of every page that reads an id from its query or post."""
    compose = reverse("messaging:compose", args=[bank.customer_a1.pk])
    return [
        (bank.supervisor_a1, "get", reverse("organisation:staff_list"), "department"),
        (bank.manager_a1, "get", reverse("complaints:complaint_create"), "customer"),
        (bank.manager_a1, "get", compose, "task"),
        (bank.manager_a1, "post", compose, "task"),
    ]


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1"])
def test_a_page_answers_400_naming_an_id_that_is_not_a_number(client, bank, value):
    for staff, method, url, name in _pages(bank):
        # given
        client.force_login(staff)
        data = {name: value}
        # when
        if method == "get":
            answer = client.get(url, data)
        else:
            answer = client.post(url, data)
        # then
        assert (url, method, answer.status_code) == (url, method, 400)
        assert f"参数 {name} " in answer.content.decode()


def test_a_page_with_a_good_id_still_answers(client, bank):
    client.force_login(bank.supervisor_a1)
    url = reverse("organisation:staff_list")
    assert client.get(url, {"department": bank.outlet_a1.pk}).status_code == 200
    client.force_login(bank.manager_a1)
    create = reverse("complaints:complaint_create")
    assert client.get(create, {"customer": bank.customer_a1.pk}).status_code == 200
    assert client.get(create, {"customer": "9" * 18}).status_code == 404


@pytest.mark.parametrize("name", ["manager", "department", "birth_month", "categories_min"])
def test_a_search_with_a_number_beyond_any_column_answers(client, bank, name):
    # given: a number no database integer holds (SQLite raised OverflowError: a 500)
    client.force_login(bank.head_a1)
    # when
    page = client.get(reverse("customers:customer_search"), {name: "9" * 25})
    # then: read like any other bad value of the search, which ignores it or finds nobody
    assert page.status_code == 200
