"""A real browser (Debian's chromium driven by Playwright) against the live server."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest

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
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "manager_a1")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert not page.locator(".mainnav").is_visible()
    page.click(".nav-toggle-label")
    assert page.locator(".mainnav").is_visible()
    context.close()


def test_find_a_customer_and_reveal_a_mobile_with_a_reason(live_server, browser, bank):
    from kewei.audit.models import AuditEvent

    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "manager_a1")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")
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
    page.wait_for_function("!document.querySelector('#reveal-mobile').innerText.includes('*')")
    assert page.locator("#reveal-mobile").inner_text().strip() == bank.customer_a1.mobile
    assert AuditEvent.objects.filter(
        action="customers.customer.reveal", actor_id=bank.manager_a1.pk, note="电话回访"
    ).exists()
