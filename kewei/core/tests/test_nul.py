"""A NUL character in a path or query string is bad input for every page and API
endpoint (PostgreSQL cannot compare it; it used to be a server error)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_page_refuses_a_nul_in_the_query_string(client, bank):
    client.force_login(bank.manager_a1)
    assert client.get("/customers/?text=%E5%BC%A0%00").status_code == 400
    assert client.get("/customers/?text=%E5%BC%A0").status_code == 200


def test_the_api_refuses_it_in_its_json_with_the_field(client, bank):
    client.force_login(bank.manager_a1)
    answer = client.get("/api/v1/customers/?department=%00")
    assert answer.status_code == 400
    body = answer.json()
    assert (body["code"], body["field"]) == ("null_character", "department")
    assert body["message_en"] == "department: Must not contain a NUL character."
    number = bank.customer_a1.customer_number
    assert client.get(f"/api/v1/customers/{number}%00/").status_code == 400
