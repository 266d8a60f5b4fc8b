"""In a real browser (see test_browser.py): the error pages are Kewei pages with a way
back; the customer page is a 360° view with quick actions and jump links; a saved
search with two products comes back with both ticked."""

from __future__ import annotations

import datetime as dt

import pytest

from kewei.tests.test_browser import browser, sign_in  # noqa: F401  (the browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_missing_page_is_a_kewei_page_with_the_way_back(live_server, browser, bank):  # noqa: F811
    # given
    page = browser.new_page()
    sign_in(page, live_server, "head_a1")
    page.goto(f"{live_server.url}/customers/")
    # when
    answer = page.goto(f"{live_server.url}/customers/no-such-page/")
    # then: the Kewei 404 page in Chinese, styled, with the request id for support
    assert answer.status == 404
    assert page.locator("h1").inner_text() == "页面不存在 404"
    assert page.locator(".error-message").inner_text() == "未找到，或不在您的数据权限范围内。"
    assert page.locator("[data-testid=request-id]").inner_text() == answer.headers["x-request-id"]
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
    )
    assert background == "rgb(180, 35, 42)"
    # when: 返回上一页 (kewei.js goes back in the history)
    page.click("[data-testid=error-back]")
    page.wait_for_url(f"{live_server.url}/customers/")
    # then
    assert page.locator("h1").inner_text() == "客户搜索"
    # when: 返回首页 from the error page
    page.goto(f"{live_server.url}/customers/no-such-page/")
    page.click("[data-testid=error-home]")
    page.wait_for_load_state()
    # then
    assert "/customers/no-such-page/" not in page.url
    assert page.locator("[data-testid=error-page]").count() == 0
    page.close()


def test_a_form_posted_with_a_broken_token_is_a_kewei_page_and_back_works(
    live_server,
    browser,  # noqa: F811
    bank,
):
    # given: the search form, its security token broken as a stale page would have it
    page = browser.new_page()
    sign_in(page, live_server, "head_a1")
    page.goto(f"{live_server.url}/customers/")
    page.evaluate(
        "document.querySelector('#search-form input[name=csrfmiddlewaretoken]').value ="
        " 'x'.repeat(64)"
    )
    page.fill("#search-form input[name=text]", "张三")
    # when
    with page.expect_navigation() as navigation:
        page.click("#search-form button[type=submit]")
    # then: a Kewei page in Chinese, not Django's "CSRF verification failed"
    assert navigation.value.status == 403
    assert page.locator("h1").inner_text() == "表单已失效 403"
    assert "CSRF verification failed" not in page.content()
    # when: back, and the search posted again with the page's fresh token
    page.click("[data-testid=error-back]")
    page.wait_for_url(f"{live_server.url}/customers/")
    page.fill("#search-form input[name=text]", "张三")
    page.click("#search-form button[type=submit]")
    page.wait_for_load_state()
    # then
    assert "共 1 名客户" in page.content()
    page.close()


def test_the_customer_page_has_its_header_quick_actions_and_jump_links(
    live_server,
    browser,  # noqa: F811
    bank,
):
    # given
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    sign_in(page, live_server, "head_a1")
    url = f"{live_server.url}/customers/{bank.customer_a1.pk}/"
    page.goto(url)
    # then: the summary header and the four quick actions at the top
    summary = page.locator("[data-testid=customer-summary]")
    assert summary.is_visible()
    assert "积分余额" in summary.inner_text()
    assert "待办任务" in summary.inner_text()
    actions = page.locator("[data-testid=quick-actions] a")
    assert actions.all_inner_texts() == ["记录联系", "发送短信", "积分兑换", "登记投诉"]
    assert summary.bounding_box()["y"] < 400
    # when: a jump link to a panel further down
    page.click("[data-testid=panel-nav] a[href='#panel-points']")
    page.wait_for_function("window.scrollY > 0")
    # then: the panel is at the top, just below the jump links that stay there
    assert page.url.endswith("#panel-points")
    nav = page.evaluate(
        "document.querySelector('[data-testid=panel-nav]').getBoundingClientRect().toJSON()"
    )
    top = page.evaluate("document.querySelector('#panel-points').getBoundingClientRect().top")
    assert nav["top"] == 0
    assert nav["bottom"] <= top < nav["bottom"] + 40
    # when: 记录联系
    page.click("[data-testid=quick-care\\.contact]")
    page.wait_for_load_state()
    # then: the contact form of this customer
    assert page.url == f"{live_server.url}/care/customers/{bank.customer_a1.pk}/contact/"
    assert page.locator("h1").inner_text() == "记录联系：张三"
    page.close()


def _holding(customer, code, category, name):
    from kewei.products.models import Holding, Product
    from kewei.testing import factories

    product = Product.objects.filter(code=code).first() or factories.product(
        code, category, name=name
    )
    return Holding.objects.unrestricted().create(
        account_number=f"H{customer.pk:04d}{code}",
        customer=customer,
        product=product,
        opened_on=dt.date(2024, 1, 1),
        balance=100_000,
    )


def test_a_saved_search_with_two_products_round_trips(live_server, browser, bank):  # noqa: F811
    # given: 张三 holds a fund and a wealth product, 李四 only the fund
    _holding(bank.customer_a1, "F001", "fund", "成长基金")
    _holding(bank.customer_a1, "W001", "wealth", "稳盈理财")
    _holding(bank.customer_a1_free, "F001", "fund", "成长基金")
    page = browser.new_page()
    sign_in(page, live_server, "head_a1")
    page.goto(f"{live_server.url}/customers/")
    # when: two products ticked in the folded 持有产品 group, and the search run
    page.click("[data-testid=filter-holds] summary")
    page.check("[data-testid=filter-holds] input[value=fund]")
    page.check("[data-testid=filter-holds] input[value=wealth]")
    page.click("#search-form button[type=submit]")
    page.wait_for_load_state()
    found = page.locator("table.table tbody tr td:nth-child(2) a").all_inner_texts()
    assert found == ["张三"]
    # when: saved, then reopened from the saved list on a fresh search page
    page.fill("aside input[name=name]", "基金加理财")
    page.click("aside button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/customers/")
    assert not page.locator("[data-testid=filter-holds] input[value=fund]").is_checked()
    page.click("aside a:text('基金加理财')")
    page.wait_for_load_state()
    # then: both boxes ticked (the group open), the same result
    assert page.locator("[data-testid=filter-holds] input[value=fund]").is_checked()
    assert page.locator("[data-testid=filter-holds] input[value=wealth]").is_checked()
    assert page.locator("[data-testid=filter-holds] input:checked").count() == 2
    assert page.locator("[data-testid=filter-holds] input[value=fund]").is_visible()
    assert page.locator("table.table tbody tr td:nth-child(2) a").all_inner_texts() == found
    assert "共 1 名客户" in page.content()
    page.close()
