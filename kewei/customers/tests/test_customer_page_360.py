"""The customer page as a 360° view: a summary header whose facts and alerts the apps
contribute (积分, 待办任务, 到期, 投诉), quick actions by permission, and jump links to
every panel; a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import re
from itertools import count

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from kewei.care.tests.test_contacts import task_for
from kewei.complaints.tests.test_complaints import record
from kewei.customers.models import Customer, CustomerStatus
from kewei.customers.panels import Fact, once_per_page, summary_for
from kewei.points.tests.test_redemption import earn
from kewei.testing import factories

pytestmark = pytest.mark.django_db

_accounts = count(1)


def _holding(customer, *, matures_in_days=None, balance_fen=5_000_000, name="稳盈1号"):
    from kewei.products.models import Holding, Product

    product = Product.objects.filter(name=name).first() or factories.product(
        f"W{next(_accounts):03d}", "wealth", name=name
    )
    today = timezone.localdate()
    return Holding.objects.unrestricted().create(
        account_number=f"H{next(_accounts):010d}",
        customer=customer,
        product=product,
        opened_on=dt.date(2024, 1, 1),
        matures_on=today + dt.timedelta(days=matures_in_days)
        if matures_in_days is not None
        else None,
        balance=balance_fen,
    )


def _page(client, user, customer) -> str:
    client.force_login(user)
    answer = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert answer.status_code == 200
    return answer.content.decode()


def _section(html: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, testid
    return match.group(2)


def _facts(html: str) -> dict[str, str]:
    summary = _section(html, "customer-summary")
    pairs = re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", summary, re.S)
    return {label: re.sub(r"<[^>]+>", "", value).strip() for label, value in pairs}


def _alerts(html: str) -> list[str]:
    if 'data-testid="customer-alerts"' not in html:
        return []
    items = re.findall(r"<li>(.*?)</li>", _section(html, "customer-alerts"), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def test_the_header_sums_up_the_customer_from_every_app(client, bank):
    # given: points, a task, a holding; nothing due soon
    today = timezone.localdate()
    earn(bank.customer_a1, 1200, today + dt.timedelta(days=200), "k1")
    task_for(bank, due=today + dt.timedelta(days=3))
    _holding(bank.customer_a1, matures_in_days=30)
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(
        last_contacted_on=dt.date(2026, 11, 2)
    )
    # when
    html = _page(client, bank.head_a1, bank.customer_a1)
    # then
    assert _facts(html) == {
        "客户等级": "未分级",
        "金融资产": "10,000.00 元",
        "最近联系": "2026-11-02",
        "客户经理": bank.manager_a1.full_name,
        "待办任务": "1",
        "积分余额": "1,200",
    }
    assert _alerts(html) == []
    summary = _section(html, "customer-summary")
    assert '<a href="#panel-points">1,200</a>' in summary
    assert '<a href="#panel-contacts">1</a>' in summary


def test_the_header_alerts_expiring_points_a_maturity_an_overdue_task_and_a_complaint(client, bank):
    # given
    today = timezone.localdate()
    earn(bank.customer_a1, 300, today + dt.timedelta(days=10), "k1")
    earn(bank.customer_a1, 200, today + dt.timedelta(days=25), "k2")
    earn(bank.customer_a1, 900, today + dt.timedelta(days=45), "k3")  # not within 30 days
    task_for(bank, due=today - dt.timedelta(days=2))
    _holding(bank.customer_a1, matures_in_days=3, balance_fen=5_000_000)
    _holding(bank.customer_a1, matures_in_days=6, name="稳盈2号")
    _holding(bank.customer_a1, matures_in_days=8, name="稳盈3号")  # after this week
    record(bank, customer="a1", now=timezone.now())
    # when
    html = _page(client, bank.head_a1, bank.customer_a1)
    # then
    day_points = (today + dt.timedelta(days=10)).isoformat()
    day_holding = (today + dt.timedelta(days=3)).isoformat()
    assert _alerts(html) == [
        "逾期任务 1",
        f"30 天内积分到期 500 积分（最早 {day_points}）",
        f"7 天内产品到期 稳盈1号 50,000.00 元，{day_holding} 到期 等 2 笔",
        "未办结投诉 1",
    ]
    alerts = _section(html, "customer-alerts")
    assert alerts.count('href="#panel-') == 4
    assert _facts(html)["积分余额"] == "1,400"


def test_each_alert_links_to_the_panel_it_sums_up(client, bank):
    today = timezone.localdate()
    earn(bank.customer_a1, 300, today + dt.timedelta(days=10), "k1")
    html = _page(client, bank.head_a1, bank.customer_a1)
    assert re.search(r'<a href="#panel-points">300 积分', _section(html, "customer-alerts"))
    assert 'id="panel-points"' in html


@pytest.mark.parametrize(
    ("user", "actions"),
    [
        ("head_a1", ["记录联系", "发送短信", "积分兑换", "登记投诉"]),
        ("manager_a1", ["记录联系", "发送短信", "登记投诉"]),
        ("teller_a1", ["记录联系", "积分兑换", "登记投诉"]),
    ],
)
def test_the_quick_actions_are_those_the_user_may_take(client, bank, user, actions):
    html = _page(client, getattr(bank, user), bank.customer_a1)
    quick = _section(html, "quick-actions")
    assert re.findall(r"<a [^>]*>(.*?)</a>", quick) == actions


def test_the_quick_actions_open_the_existing_pages(client, bank):
    # given
    pk = bank.customer_a1.pk
    html = _page(client, bank.head_a1, bank.customer_a1)
    # when
    links = re.findall(r'href="([^"]+)"', _section(html, "quick-actions"))
    # then
    assert links == [
        reverse("care:contact_create", args=[pk]),
        reverse("messaging:compose", args=[pk]),
        reverse("points:redeem", args=[pk]),
        f"{reverse('complaints:complaint_create')}?customer={pk}",
    ]
    assert all(client.get(link).status_code == 200 for link in links)


def test_a_merged_record_offers_no_quick_actions(client, bank):
    Customer.objects.unrestricted().filter(pk=bank.customer_a1_free.pk).update(
        status=CustomerStatus.MERGED, merged_into=bank.customer_a1
    )
    html = _page(client, bank.head_a1, bank.customer_a1_free)
    assert 'data-testid="quick-actions"' not in html
    assert 'data-testid="customer-summary"' in html


def test_the_jump_links_lead_to_every_panel_on_the_page(client, bank):
    # given
    html = _page(client, bank.manager_a1, bank.customer_a1)
    # when
    targets = re.findall(r'<a href="#(panel-[\w-]+)">', _section(html, "panel-nav"))
    # then: one link per panel, in the page's order, each to a panel that is there
    panels = re.findall(r'<section class="card panel" id="(panel-[\w-]+)"', html)
    assert targets == panels
    assert targets[:4] == ["panel-basic", "panel-relationship", "panel-tier", "panel-contacts"]
    assert "panel-history" in targets


@pytest.fixture
def orphan_fact():
    """A summary fact of a panel that is not on the page (not registered)."""
    from kewei.customers import panels

    def _orphan(request, customer):
        return [Fact("孤立", "7", panel="nowhere")]

    with panels.summaries.temporary(
        "test.orphan", panels.Summary(name="test.orphan", order=99, facts=_orphan)
    ):
        yield


def test_a_fact_of_a_panel_not_on_the_page_is_not_a_link(client, bank, orphan_fact):
    html = _page(client, bank.head_a1, bank.customer_a1)
    assert "<div><dt>孤立</dt><dd>7</dd></div>" in html
    assert "#panel-nowhere" not in html


def test_a_summary_is_left_out_without_its_permission(bank):
    request = RequestFactory().get("/")
    request.user = bank.auditor
    facts, alerts = summary_for(request, bank.customer_a1)
    assert [str(f.label) for f in facts] == []
    assert alerts == []


def test_once_per_page_reads_once():
    request = RequestFactory().get("/")
    reads = []
    first = once_per_page(request, "x:1", lambda: reads.append(1) or "value")
    second = once_per_page(request, "x:1", lambda: reads.append(2) or "other")
    assert (first, second, reads) == ("value", "value", [1])


# Measured: 38 queries for an outlet head on a customer with points, a task, two holdings
# and a complaint (57 while each panel's query looked the outlet's departments up again;
# the scope resolves them once per request now). The header adds one (the open
# complaints' count): its other facts reuse what the panels read. Most are the session,
# the permissions, the department lookup and one query a panel.
OUTLET_HEAD_MAX_QUERIES = 40


def test_the_customer_page_query_count_for_an_outlet_head_is_bounded(
    client, bank, django_assert_max_num_queries
):
    # given
    today = timezone.localdate()
    earn(bank.customer_a1, 300, today + dt.timedelta(days=10), "k1")
    task_for(bank, due=today)
    _holding(bank.customer_a1, matures_in_days=3)
    _holding(bank.customer_a1, name="稳盈2号")
    record(bank, customer="a1", now=timezone.now())
    client.force_login(bank.head_a1)
    url = reverse("customers:customer_detail", args=[bank.customer_a1.pk])
    client.get(url)
    # when / then
    with django_assert_max_num_queries(OUTLET_HEAD_MAX_QUERIES):
        assert client.get(url).status_code == 200
