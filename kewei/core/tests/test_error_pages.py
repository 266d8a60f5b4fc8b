"""Error answers are Kewei pages, Chinese first (English with the language cookie), with
the way back and the request id for support; the API keeps its JSON; the 500 page reads
nothing from the database."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from kewei.core.errors import server_error

pytestmark = pytest.mark.django_db


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _assert_kewei_page(answer, status, title, message):
    page = answer.content.decode()
    assert answer.status_code == status
    assert answer["Content-Type"] == "text/html; charset=utf-8"
    assert f'data-status="{status}"' in page
    assert f"<h1>{title} <small>{status}</small></h1>" in page
    assert f'<p class="error-message">{message}</p>' in page
    assert f'<code data-testid="request-id">{answer["X-Request-ID"]}</code>' in page
    return page


def test_an_unknown_address_is_a_kewei_404_page_in_chinese(client, bank):
    # given
    client.force_login(bank.manager_a1)
    # when
    answer = client.get("/no-such-page/", HTTP_REFERER="http://testserver/customers/")
    # then
    page = _assert_kewei_page(answer, 404, "页面不存在", "未找到，或不在您的数据权限范围内。")
    assert 'lang="zh-hans"' in page
    assert (
        '<a class="button" href="http://testserver/customers/" data-back data-testid="error-back">'
        "返回上一页</a>"
    ) in page
    assert '<a class="button primary" href="/" data-testid="error-home">返回首页</a>' in page
    assert bank.manager_a1.full_name in page  # the user's top bar, with the menu
    assert 'class="langswitch"' in page
    assert "Not Found" not in page


def test_a_customer_outside_the_scope_is_the_same_404_page(client, bank):
    client.force_login(bank.manager_a1)
    answer = client.get(reverse("customers:customer_detail", args=[bank.customer_b1.pk]))
    _assert_kewei_page(answer, 404, "页面不存在", "未找到，或不在您的数据权限范围内。")


def test_the_back_link_ignores_a_referer_of_another_site(client, bank):
    client.force_login(bank.manager_a1)
    answer = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/phish")
    page = answer.content.decode()
    assert 'href="/" data-back' in page
    assert "evil.example" not in page


def test_the_404_page_answers_an_anonymous_visitor_without_a_menu(client, bank):
    answer = client.get("/no-such-page/")
    page = _assert_kewei_page(answer, 404, "页面不存在", "未找到，或不在您的数据权限范围内。")
    assert 'class="mainnav"' not in page


def test_the_404_page_in_english_with_the_language_cookie(client, bank):
    # given
    client.force_login(bank.manager_a1)
    _english(client)
    # when
    answer = client.get("/no-such-page/")
    # then
    page = _assert_kewei_page(
        answer, 404, "Page not found", "Not found, or outside your data scope."
    )
    assert 'lang="en"' in page
    assert ">Back to the previous page</a>" in page
    assert ">Back to the start page</a>" in page
    assert "Request ID for support:" in page


def test_no_permission_is_a_kewei_403_page(client, bank):
    client.force_login(bank.manager_a1)
    answer = client.get(reverse("organisation:department_list"))
    page = _assert_kewei_page(answer, 403, "没有权限", "您没有执行此操作的权限。")
    assert "返回上一页" in page
    assert "返回首页" in page


def test_the_403_page_shows_kewei_s_own_reason(client, bank, monkeypatch):
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    def refuse(*args, **kwargs):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))

    client.force_login(bank.manager_a1)
    monkeypatch.setattr("kewei.customers.views.panels_for", refuse)
    answer = client.get(reverse("customers:customer_detail", args=[bank.customer_a1.pk]))
    _assert_kewei_page(answer, 403, "没有权限", "您没有查看完整个人信息的权限。")


def test_the_403_page_in_english(client, bank):
    client.force_login(bank.manager_a1)
    _english(client)
    answer = client.get(reverse("organisation:department_list"))
    _assert_kewei_page(answer, 403, "No permission", "You do not have permission to do this.")


def test_a_form_posted_with_a_broken_token_is_a_kewei_csrf_page(bank):
    # given: a browser-like client that checks the token
    client = Client(enforce_csrf_checks=True)
    client.force_login(bank.manager_a1)
    client.get(reverse("customers:customer_search"))  # sets the CSRF cookie
    # when
    answer = client.post(
        reverse("customers:customer_search"), {"text": "张", "csrfmiddlewaretoken": "x" * 64}
    )
    # then
    page = _assert_kewei_page(
        answer, 403, "表单已失效", "表单已过期或安全校验未通过，请返回上一页，刷新后重新提交。"
    )
    assert "CSRF verification failed" not in page  # Django's page
    assert "incorrect" not in page  # nor its reason
    assert "返回上一页" in page


def test_the_csrf_page_in_english(bank):
    client = Client(enforce_csrf_checks=True)
    _english(client)
    answer = client.post(reverse("login"), {"username": "manager_a1", "password": "x"})
    _assert_kewei_page(
        answer,
        403,
        "Form expired",
        "The form has expired or failed its security check. Go back, reload the page and"
        " submit it again.",
    )


def test_a_server_error_is_a_kewei_500_page(client, bank, monkeypatch):
    # given
    def fail(*args, **kwargs):
        raise RuntimeError("a bug")

    client.force_login(bank.manager_a1)
    client.raise_request_exception = False
    monkeypatch.setattr("kewei.customers.views.panels_for", fail)
    # when
    answer = client.get(reverse("customers:customer_detail", args=[bank.customer_a1.pk]))
    # then
    page = _assert_kewei_page(
        answer, 500, "系统出错", "系统出现错误，已记录。请稍后再试，或联系系统管理员。"
    )
    assert "返回上一页" in page
    assert 'class="mainnav"' not in page  # drawn without the request's context
    assert 'class="langswitch"' not in page  # no CSRF token to post it with


def test_the_500_page_in_english(client, bank, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("a bug")

    client.force_login(bank.manager_a1)
    client.raise_request_exception = False
    _english(client)
    monkeypatch.setattr("kewei.customers.views.panels_for", fail)
    answer = client.get(reverse("customers:customer_detail", args=[bank.customer_a1.pk]))
    page = _assert_kewei_page(
        answer,
        500,
        "Server error",
        "Something went wrong and has been logged. Please try again later or contact the"
        " system administrator.",
    )
    assert 'lang="en"' in page


def test_the_500_page_reads_nothing_from_the_database(
    rf: RequestFactory, django_assert_num_queries
):
    # given: a request as the middleware leaves it, its user not yet read
    request = rf.get("/customers/")
    request.request_id = "req-12345678"
    # when
    with django_assert_num_queries(0):
        answer = server_error(request)
    # then
    assert answer.status_code == 500
    assert '<code data-testid="request-id">req-12345678</code>' in answer.content.decode()


def test_the_api_keeps_its_json_for_an_unknown_address(client):
    answer = client.get("/api/v1/no-such-endpoint/")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["code"] == "not_found"
    assert answer.json()["message"] == "未找到，或不在您的数据权限范围内。"
    assert answer.json()["message_en"] == "Not found, or outside your data scope."
