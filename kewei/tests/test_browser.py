"""A real browser (Debian's chromium driven by Playwright) against the live server."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from kewei.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("KEWEI_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own database
    # work here is synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(page, live_server, username: str) -> None:
    """Sign in on the login page and land on the user's start page."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state()


def test_log_in_switch_language_and_stay_on_the_intranet(live_server, browser, bank):
    # given
    page = browser.new_page()
    requested_hosts: list[str] = []
    page.on("request", lambda request: requested_hosts.append(urlparse(request.url).netloc))
    # when: open the application, which asks for a sign-in
    page.goto(f"{live_server.url}/org/departments/")
    assert "/login/" in page.url
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    # then: the Chinese page, styled and with htmx, from the local server only
    page.wait_for_url(f"{live_server.url}/org/departments/")
    assert page.locator("h1").inner_text() == "机构管理"
    assert page.locator("table.table tbody tr").count() == 7
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
    )
    assert background == "rgb(180, 35, 42)"
    assert page.evaluate("typeof htmx") == "object"
    # when: switch to English
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    # then
    assert page.locator("h1").inner_text() == "Departments"
    assert page.locator("html").get_attribute("lang") == "en"
    server = urlparse(live_server.url).netloc
    assert requested_hosts and set(requested_hosts) == {server}


def test_phone_layout_folds_the_menu(live_server, browser, bank):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, "manager_a1")
    assert not page.locator(".mainnav").is_visible()
    page.click(".nav-toggle-label")
    assert page.locator(".mainnav").is_visible()
    context.close()


def test_find_a_customer_and_reveal_a_mobile_with_a_reason(live_server, browser, bank):
    from kewei.audit.models import AuditEvent

    page = browser.new_page()
    sign_in(page, live_server, "manager_a1")
    # search by pinyin initials; only the manager's own book answers
    page.goto(f"{live_server.url}/customers/?text=zs")
    page.click("table.table tbody tr td a")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("张三")
    masked = page.locator("#reveal-mobile").inner_text()
    assert "****" in masked
    # reveal through htmx: the value appears in place and the reveal is audited
    page.click("#reveal-mobile ~ details summary")
    page.fill("#reveal-mobile ~ details input[name=reason]", "电话回访")
    page.click("#reveal-mobile ~ details button")
    # (a locator's wait: wait_for_function evaluates a string, which the page's CSP refuses)
    expect(page.locator("#reveal-mobile")).not_to_contain_text("*")
    assert page.locator("#reveal-mobile").inner_text().strip() == bank.customer_a1.mobile
    assert AuditEvent.objects.filter(
        action="customers.customer.reveal", actor_id=bank.manager_a1.pk, note="电话回访"
    ).exists()


def test_keep_the_product_catalogue_and_read_a_holdings_history(
    live_server, browser, bank, tmp_path
):
    import datetime as dt

    from kewei.products.feed.loading import load_day
    from kewei.products.feed.writing import write_day
    from kewei.products.models import Product

    page = browser.new_page()
    sign_in(page, live_server, "retail_a")
    # a wealth product without a risk level is refused, with the reason on the form
    page.goto(f"{live_server.url}/products/new/")
    page.fill("#id_code", "wm2601")
    page.fill("#id_name", "稳盈2026第1期")
    page.select_option("#id_category", "wealth")
    page.fill("#id_term_days", "91")
    page.click("main button.primary")
    page.wait_for_load_state()
    assert "投资类产品必须填写风险等级" in page.content()
    page.select_option("#id_risk_level", "R2")
    page.click("main button.primary")
    page.wait_for_url(f"{live_server.url}/products/*/")
    assert page.locator("h1").inner_text().startswith("稳盈2026第1期")
    product = Product.objects.get(code="WM2601")
    # two days of balances for the manager's customer
    for day, balance in ((dt.date(2026, 11, 24), "1000"), (dt.date(2026, 11, 25), "4000")):
        folder = tmp_path / day.isoformat()
        write_day(
            folder,
            day,
            holdings=[
                (
                    "6222000099990001",
                    bank.customer_a1.customer_number,
                    product.code,
                    "2026-11-01",
                    "2027-01-31",
                    "",
                    balance,
                )
            ],
        )
        load_day(day, folder)
    # when the manager opens the holding from the customer page and asks for two days
    manager = browser.new_page()
    sign_in(manager, live_server, "manager_a1")
    manager.goto(f"{live_server.url}/customers/{bank.customer_a1.pk}/")
    assert "6222****0001" in manager.locator("#panel-holdings").inner_text()
    manager.click("#panel-holdings a:has-text('稳盈2026第1期')")
    manager.wait_for_load_state()
    manager.fill("#id_start", "2026-11-24")
    manager.fill("#id_end", "2026-11-25")
    manager.click("main form.filters button")
    manager.wait_for_load_state()
    # then (1,000 + 4,000) / 2
    assert "2,500.00 元" in manager.content()


def test_redeem_points_for_a_gift_at_the_counter_once(live_server, browser, bank):
    from kewei.points.models import Gift, Redemption
    from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn

    # given the customer has 150 points and the catalogue a cup for 40
    earn(bank.customer_a1, 150, NEXT_YEAR_END, "browser")
    Gift.objects.create(code="CUP", name="保温杯", points_price=40, stock=5)
    teller = browser.new_page()
    sign_in(teller, live_server, "teller_a1")
    # when the teller opens the customer, goes to 积分兑换 and confirms two cups
    teller.goto(f"{live_server.url}/customers/{bank.customer_a1.pk}/")
    assert "150" in teller.locator("#panel-points").inner_text()
    teller.click("#panel-points a:has-text('积分兑换')")
    teller.wait_for_load_state()
    assert "可用积分：150" in teller.locator("main").inner_text()
    teller.select_option("#id_gift", label="保温杯（40 积分，库存 5）")
    teller.fill("#id_quantity", "2")
    # a double click sends the form twice; the key it carries redeems once
    teller.dblclick("main button.primary")
    teller.wait_for_url(f"{live_server.url}/points/customers/{bank.customer_a1.pk}/")
    # then the statement shows the new balance and the redemption
    assert "兑换成功" in teller.content()
    assert teller.locator("dd.big").first.inner_text() == "70"
    assert "兑换礼品：保温杯 × 2" in teller.locator("table").inner_text()
    assert Redemption.objects.count() == 1
    assert Gift.objects.get(code="CUP").stock == 3


def test_a_customer_managers_day_open_a_task_log_the_call_see_it_done(live_server, browser, bank):
    import datetime as dt

    from django.utils import timezone

    from kewei.care.models import CareRule, Contact, Task, TaskStatus

    # given: the night's batch gave the manager a birthday call for 张三
    today = timezone.localdate()
    task = Task.objects.create(
        customer=bank.customer_a1,
        reason="rule",
        # (a transactional test starts empty: the default rules are made here)
        rule=CareRule.objects.get_or_create(
            code="BIRTHDAY",
            defaults={"name": "客户生日", "trigger": "date", "source": "customer.birthday"},
        )[0],
        subject=f"{bank.customer_a1.pk}:{today}",
        event_on=today,
        due_on=today - dt.timedelta(days=1),
        assignee=bank.manager_a1,
        department=bank.outlet_a1,
        created_on=today,
    )
    page = browser.new_page()
    # when: the manager signs in, lands on my day and opens the task
    sign_in(page, live_server, "manager_a1")
    assert page.url == f"{live_server.url}/care/today/"
    group = page.locator("section.task-group", has_text="客户生日")
    assert "已逾期" in group.inner_text()
    group.locator("[data-testid=day-task] a", has_text="客户生日").click()
    page.wait_for_url(f"{live_server.url}/care/tasks/{task.pk}/")
    # and logs the call
    page.check("input[name=channel][value=phone]")
    page.select_option("#id_outcome", label="已沟通")
    page.fill("#id_summary", "电话祝贺生日，客户下月有一笔定期到期")
    page.click("main button.primary")
    # then: back on my day, the task is done and the call counts toward the 5-20 plan
    page.wait_for_url(f"{live_server.url}/care/today/")
    assert "已记录联系，任务完成" in page.content()
    assert "今天没有待办任务" in page.locator("main").inner_text()
    assert page.locator("[data-testid=plan-calls]").inner_text() == "电话 1/20"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    contact = Contact.objects.get()
    assert (contact.channel, contact.staff_id) == ("phone", bank.manager_a1.pk)
    # and the customer page shows the contact in its history
    page.goto(f"{live_server.url}/customers/{bank.customer_a1.pk}/")
    assert "电话祝贺生日" in page.locator("#panel-contacts").inner_text()


def test_the_menus_open_one_at_a_time_and_lead_to_their_pages(live_server, browser, bank):
    page = browser.new_page()
    sign_in(page, live_server, "head_a1")
    customers = page.locator("details.navgroup", has_text="客户").first
    points = page.locator("details.navgroup", has_text="积分").first
    # when: one menu opens, then another
    customers.locator("summary").click()
    assert customers.locator("a", has_text="客户投诉").is_visible()
    points.locator("summary").click()
    # then: the first closed
    assert not customers.locator("a", has_text="客户投诉").is_visible()
    assert points.locator("a", has_text="积分兑换").is_visible()
    page.keyboard.press("Escape")
    assert not points.locator("a", has_text="积分兑换").is_visible()
    # and: a menu item leads to its page, whose menu is marked
    customers.locator("summary").click()
    customers.locator("a", has_text="客户投诉").click()
    page.wait_for_url(f"{live_server.url}/complaints/")
    assert "active" in page.locator("details.navgroup", has_text="客户").first.get_attribute(
        "class"
    )


def test_the_analytics_dashboard_downloads_a_chart_as_png_and_drills_down(
    live_server, browser, bank
):
    import datetime as dt

    from kewei.analytics.services import analytics_refresh
    from kewei.analytics.tests.test_rfm import _holding, _tx

    day = dt.date(2026, 10, 31)
    holding = _holding(bank.customer_a1)
    for n in range(3):
        _tx(holding, day - dt.timedelta(days=7 * n), 10000)
    analytics_refresh(day=day)
    page = browser.new_page(accept_downloads=True)
    requested_hosts: list[str] = []
    page.on("request", lambda request: requested_hosts.append(urlparse(request.url).netloc))
    sign_in(page, live_server, "head_a1")
    page.goto(f"{live_server.url}/analytics/")
    assert page.locator("#chart-segments svg rect").count() > 5
    # the chart becomes a PNG in the browser
    with page.expect_download() as download:
        page.click("#chart-segments [data-chart-png]")
    path = download.value.path()
    with open(path, "rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"
    assert download.value.suggested_filename == "segments-2026-10-31.png"
    # a segment leads to the customer search with that filter
    page.click("#chart-segments a >> nth=-1")  # 无交易: the outlet's customer without any
    page.wait_for_url(lambda url: "segment=inactive" in url)
    assert page.locator("table.table tbody tr").count() == 1
    assert "李四" in page.locator("table.table tbody").inner_text()
    assert {host for host in requested_hosts} == {urlparse(live_server.url).netloc}
