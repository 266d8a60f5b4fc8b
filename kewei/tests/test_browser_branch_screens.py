"""The screens as branch staff use them, in a real browser: the outlet head's complaint
list, the complaint form's customer lookup, and the English search page at 1366 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kewei.tests.test_browser import browser as browser  # the module's browser fixture
from kewei.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def complaint_defaults(transactional_db):
    """The complaint deadlines and routing are rows a data migration writes; an earlier
    transactional test's flush removed them, so they are written again (get_or_create)."""
    import importlib

    from django.apps import apps

    importlib.import_module("kewei.complaints.migrations.0002_defaults").create(apps, None)


def _complaint(bank, *, category, customer, now=None):
    from kewei.complaints.tests.test_complaints import record

    return record(bank, category=category, customer=customer, now=now)


def test_the_outlet_head_opens_on_the_outlets_open_complaints_overdue_first(
    live_server,
    browser,
    bank,
):
    # given: a fresh complaint for the supervisor, an overdue one for the head
    fresh = _complaint(bank, category="service", customer=bank.customer_a1)
    late = _complaint(
        bank,
        category="fees",
        customer=bank.customer_a1_free,
        now=timezone.now() - dt.timedelta(days=20),
    )
    page = browser.new_page()
    sign_in(page, live_server, "head_a1")
    # when
    page.goto(f"{live_server.url}/complaints/")
    # then
    assert page.locator("select[name=view]").input_value() == "department"
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").first.inner_text() == late.number
    assert rows.nth(0).locator("[data-testid=overdue]").inner_text() == "已逾期"
    assert rows.nth(1).locator("td").first.inner_text() == fresh.number
    page.close()


def test_find_the_customer_on_the_complaint_form(live_server, browser, bank):
    page = browser.new_page()
    sign_in(page, live_server, "teller_a1")
    page.goto(f"{live_server.url}/complaints/new/")
    # when: a name typed into the lookup, and the customer picked
    page.fill("[data-testid=customer-lookup]", "张三")
    page.locator("[data-testid=customer-pick]").first.click()
    page.wait_for_selector("[data-testid=customer-chosen]")
    # then
    assert page.locator("#id_customer_number").input_value() == bank.customer_a1.customer_number
    assert (
        bank.customer_a1.masked_mobile in page.locator("[data-testid=customer-chosen]").inner_text()
    )
    page.close()


def test_the_english_search_page_fits_1366_pixels(live_server, browser, bank):
    # given
    from kewei.customers.models import Customer
    from kewei.tiers.models import Tier, TierScheme

    # (A transactional test before this one emptied the default scheme of migrations.)
    scheme, _created = TierScheme.objects.get_or_create(
        in_force=True, defaults={"code": "standard", "name": "五级客户分级"}
    )
    Tier.objects.update_or_create(
        scheme=scheme,
        code="vip",
        defaults={
            "name": "贵宾客户",
            "name_en": "VIP",
            "rank": 4,
            "min_aum": 500000,
            "responsible_role": "customer_manager",
        },
    )
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="vip")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sign_in(page, live_server, "retail_a")
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    # when
    page.goto(f"{live_server.url}/customers/?text=%E5%BC%A0")
    # then: no horizontal scrolling, the tier by its English name
    assert page.locator("html").get_attribute("lang") == "en"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width
    assert "VIP" in page.locator("table.table tbody").inner_text()
    context.close()
