"""The API answers in its JSON error format when a body is too deep or too large, and
when the database is out of reach (a failure in middleware included)."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError, connection

from kewei.api.parsers import nesting_depth
from kewei.api.tests.helpers import call, systems
from kewei.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return systems()


def _post_raw(client, token, body: bytes):
    return client.post(
        "/api/v1/customers/",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_body_of_100000_nested_arrays_is_refused_with_400(client, s):
    # given
    before = Customer.objects.unrestricted().count()
    # when
    answer = _post_raw(client, s.core, b"[" * 100_000)
    # then
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "body_too_deep"
    assert body["message"] == "请求体嵌套过深：最多 32 层。"
    assert Customer.objects.unrestricted().count() == before


def test_a_well_formed_body_one_level_too_deep_is_refused(client, s):
    deep = {"name": {}}
    inner = deep["name"]
    for _ in range(31):
        inner["x"] = {}
        inner = inner["x"]
    assert nesting_depth(deep) == 33
    answer = _post_raw(client, s.core, json.dumps(deep).encode())
    assert (answer.status_code, answer.json()["code"]) == (400, "body_too_deep")


def test_a_body_over_the_byte_limit_is_refused(client, s, settings):
    # given
    settings.KEWEI_API_JSON_MAX_BYTES = 1000
    # when
    answer = _post_raw(client, s.core, json.dumps({"name": "张" * 1000}).encode())
    # then
    assert answer.status_code == 400
    assert answer.json()["code"] == "body_too_large"
    assert answer.json()["message"] == "请求体过大：最多 1000 字节。"


def test_bad_json_is_still_invalid_json(client, s):
    answer = _post_raw(client, s.core, b"{")
    assert (answer.status_code, answer.json()["code"]) == (400, "parse_error")


def test_nesting_depth_counts_arrays_and_objects():
    assert [nesting_depth(v) for v in (1, [], {"a": [1, {"b": 2}]}, [[[]]])] == [0, 1, 3, 3]


# --- the database out of reach ----------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """Every new query fails as when PostgreSQL is down: what is under test is the error
    handling, not the database."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 1 failed")

    def down():
        monkeypatch.setattr(connection, "ensure_connection", refuse)

    return down


def test_the_api_answers_503_in_json_when_the_database_is_down_token(client, s, database_down):
    # given
    database_down()
    client.raise_request_exception = False
    # when
    answer = call("GET", "/api/v1/customers/", s.core, client=client)
    # then
    assert answer.status_code == 503
    assert answer["Retry-After"] == "30"
    body = answer.json()
    assert body["code"] == "database_unavailable"
    assert body["message"] == "数据库暂时无法连接，请稍后再试。"


def test_the_api_answers_503_in_json_when_the_session_cannot_be_read(client, s, database_down):
    # given: a signed-in session; the session and user are read in middleware
    client.force_login(s.bank.manager_a1)
    database_down()
    client.raise_request_exception = False
    # when
    answer = client.get("/api/v1/customers/")
    # then
    assert answer.status_code == 503
    assert answer.json()["code"] == "database_unavailable"


def test_a_page_answers_a_503_page_in_chinese_when_the_database_is_down(client, s, database_down):
    # given
    client.force_login(s.bank.manager_a1)
    database_down()
    client.raise_request_exception = False
    # when
    answer = client.get("/customers/")
    # then
    assert answer.status_code == 503
    assert answer["Content-Type"] == "text/html; charset=utf-8"
    page = answer.content.decode()
    assert "服务暂时不可用" in page
    assert "数据库暂时无法连接，请稍后再试。" in page


def test_health_answers_503_json_when_the_database_is_down(client, database_down):
    database_down()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
