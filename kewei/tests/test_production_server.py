"""The production path in CI: ``kewei serve`` (gunicorn, 2 workers) on the test
PostgreSQL database, a sign-in through a real browser, and the request counters of the
pages opened, added up across the workers, on the metrics endpoint."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from django.db import connection

from kewei.testing.factories import PASSWORD, small_bank
from kewei.testing.live_gunicorn import production_server
from kewei.tests.test_browser import browser  # noqa: F401 - the chromium fixture

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _requests(metrics: str, view: str) -> float:
    """The requests of ``view`` answered 200 on GET, summed over the workers."""
    pattern = re.compile(
        r'^kewei_http_requests_total\{method="GET",status="200",view="'
        + re.escape(view)
        + r'"\} ([0-9.e+]+)$',
        re.MULTILINE,
    )
    return sum(float(value) for value in pattern.findall(metrics))


def _scrape(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as answer:  # noqa: S310
        return answer.read().decode()


def test_production_server_serves_a_signed_in_manager_and_counts_the_pages(browser):  # noqa: F811
    # given: committed data the server's own connections see, and the server on it
    small_bank()
    with production_server(
        database_url=_database_url(), workers=2, extra_env={"KEWEI_LOG_FORMAT": "json"}
    ) as server:
        before = _scrape(server.url)
        page = browser.new_page()
        # when: a customer manager signs in, opens 我的今日 and searches customers
        page.goto(f"{server.url}/login/")
        page.fill("#id_username", "manager_a1")
        page.fill("#id_password", PASSWORD)
        page.click("[data-testid=login-submit]")
        # a customer manager's start page is 我的今日
        page.wait_for_url(f"{server.url}/care/today/")
        my_day_title = page.locator("h1").inner_text()
        page.goto(f"{server.url}/customers/?text=%E5%BC%A0")
        search_title = page.locator("h1").inner_text()
        page.close()
        after = _scrape(server.url)
        readiness = urllib.request.urlopen(f"{server.url}/readyz", timeout=10)  # noqa: S310
        log = server.log()
    # then
    assert (my_day_title, search_title) == ("我的客户 · 今日", "客户搜索")
    assert _requests(after, "care:my_day") == _requests(before, "care:my_day") + 1
    assert (
        _requests(after, "customers:customer_search")
        == _requests(before, "customers:customer_search") + 1
    )
    assert readiness.status == 200
    assert log.count("Booting worker") == 2
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    [my_day] = [line for line in lines if line.get("view") == "care:my_day"]
    assert (my_day["user"], my_day["status"], my_day["method"]) == ("manager_a1", 200, "GET")
    assert len(my_day["request_id"]) == 32
