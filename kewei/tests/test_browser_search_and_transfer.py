"""In a real browser (see test_browser.py): a search that finds nobody says so, and the
book transfer previews by POST, offering the receivers without the one handing over."""

from __future__ import annotations

import pytest

from kewei.tests.test_browser import browser, sign_in  # noqa: F401  (the browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_search_without_result_says_so_with_its_filters(live_server, browser, bank):  # noqa: F811
    # given
    page = browser.new_page()
    sign_in(page, live_server, "head_a1")
    page.goto(f"{live_server.url}/customers/")
    assert "请输入条件后查询" in page.content()
    # when: a name nobody has
    page.fill("#search-form input[name=text]", "诸葛")
    page.click("#search-form button[type=submit]")
    page.wait_for_load_state()
    # then
    empty = page.locator("#empty-result")
    assert "查询已完成，没有符合条件的客户。" in empty.inner_text()
    assert "姓名/拼音/客户号：诸葛" in empty.inner_text()
    assert "请输入条件后查询" not in page.content()
    page.close()


def test_the_book_transfer_previews_by_post(live_server, browser, bank):  # noqa: F811
    from kewei.customers.models import Customer

    # given
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, "head_a1")
    page.goto(f"{live_server.url}/customers/transfer/")
    manager = f"input[name=to_managers][value='{bank.manager_a1.pk}']"
    assert page.locator(manager).count() == 1
    # when: the manager handing over is chosen (the form posts itself back)
    with page.expect_navigation():
        page.select_option("select[name=from_manager]", str(bank.manager_a1.pk))
    # then: he is no longer among the receivers
    assert page.locator(manager).count() == 0
    # when: a receiver and a reason, then the preview
    page.check(f"input[name=to_managers][value='{bank.supervisor_a1.pk}']")
    page.fill("input[name=reason]", "调岗交接")
    page.click("[data-testid=transfer-preview]")
    page.wait_for_load_state()
    # then: the preview, and neither the reason nor the CSRF token went into a URL
    assert "移交预览" in page.content()
    assert not [url for url in requested if "reason" in url or "csrfmiddlewaretoken" in url]
    customer = Customer.objects.unrestricted().get(pk=bank.customer_a1.pk)
    assert customer.responsible_manager_id == bank.manager_a1.pk
    # when: confirmed
    page.click("[data-testid=transfer-confirm]")
    page.wait_for_load_state()
    # then
    assert "已移交 1 名客户。" in page.content()
    customer = Customer.objects.unrestricted().get(pk=bank.customer_a1.pk)
    assert customer.responsible_manager_id == bank.supervisor_a1.pk
    page.close()
