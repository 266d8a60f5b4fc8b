"""An ID number or a mobile never travels in an API URL (where access logs keep it):
the search by them goes in the body of ``POST customers/search/``."""

from __future__ import annotations

import pytest

from kewei.api.tests.helpers import call, systems

pytestmark = pytest.mark.django_db


def test_a_search_by_id_number_or_mobile_in_the_url_is_refused():
    # given
    s = systems()
    customer = s.bank.customer_a1
    # when
    answers = [
        call("GET", f"/api/v1/customers/?text={customer.id_number}", s.core),
        call("GET", f"/api/v1/customers/?text={customer.mobile}", s.core),
    ]
    # then
    for answer in answers:
        assert answer.status_code == 400
        assert answer.json()["code"] == "identity_in_url"
        assert answer.json()["field"] == "text"


def test_the_search_by_post_finds_by_id_number_and_mobile_with_the_other_filters():
    # given
    s = systems()
    customer = s.bank.customer_a1
    # when
    by_id = call("POST", "/api/v1/customers/search/", s.core, body={"text": customer.id_number})
    by_mobile = call(
        "POST",
        "/api/v1/customers/search/",
        s.core,
        body={"text": customer.mobile, "department": customer.department.code},
    )
    elsewhere = call(
        "POST",
        "/api/v1/customers/search/",
        s.core,
        body={"text": customer.mobile, "department": "310101"},
    )
    # then
    assert [row["number"] for row in by_id.json()["results"]] == [customer.customer_number]
    assert by_mobile.json()["count"] == 1
    assert elsewhere.json()["count"] == 0


def test_the_search_by_post_keeps_the_callers_scope():
    # given: branch B's system asks for a customer of branch A by ID number
    s = systems()
    # when
    answer = call(
        "POST", "/api/v1/customers/search/", s.branch_b, body={"text": s.bank.customer_a1.id_number}
    )
    # then
    assert answer.status_code == 200
    assert answer.json()["count"] == 0


def test_the_search_body_must_be_an_object_and_get_is_not_allowed():
    s = systems()
    refused = call("POST", "/api/v1/customers/search/", s.core, body=["text"])
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_body"
    assert call("GET", "/api/v1/customers/search/", s.core).status_code == 405
