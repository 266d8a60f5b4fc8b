"""The dashboard follows the data scope: an outlet head sees the outlet's numbers, a
customer manager their book; drill-down lands on the search with that filter; every
chart's data downloads as XLSX."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from kewei.analytics import services
from kewei.analytics.tests.test_rfm import _holding, _tx
from kewei.testing.factories import customer, small_bank

pytestmark = pytest.mark.django_db
END = dt.date(2026, 10, 31)


@pytest.fixture
def bank():
    bank = small_bank()
    # outlet A1: the manager's customer (active) and one more; outlet B1: one
    extra = customer(department=bank.outlet_a1, name="赵六", mobile="13600001111")
    for person, days in ((bank.customer_a1, 3), (extra, 1), (bank.customer_b1, 2)):
        holding = _holding(person)
        for n in range(days):
            _tx(holding, END - dt.timedelta(days=10 * n), 10000)
    services.analytics_refresh(day=END)
    return bank


def _overview(client, user):
    client.force_login(user)
    response = client.get("/analytics/")
    assert response.status_code == 200
    return response.context["overview"]


def test_an_outlet_head_sees_the_outlets_numbers(client, bank):
    a1 = _overview(client, bank.head_a1)
    assert (a1.customers, a1.active) == (3, 2)
    b1 = _overview(client, bank.head_b1)
    assert (b1.customers, b1.active) == (1, 1)
    branch = _overview(client, bank.retail_a)  # branch A: both outlets of A
    assert branch.customers == 3


def test_a_customer_manager_sees_their_book(client, bank):
    mine = _overview(client, bank.manager_a1)
    assert (mine.customers, mine.active) == (1, 1)


def test_the_administrator_has_no_dashboard(client, bank):
    client.force_login(bank.admin)
    assert client.get("/analytics/").status_code == 403


def test_drill_down_lists_the_segments_customers_in_scope(client, bank):
    client.force_login(bank.head_a1)
    page = client.get("/analytics/").content.decode()
    assert "/customers/?segment=" in page
    found = client.get("/customers/?segment=inactive")
    names = [c.name for c in found.context["page_obj"]]
    assert names == ["李四"]  # the outlet's customer without any transaction
    everyone = sum(
        len(client.get(f"/customers/?segment={code}").context["page_obj"].object_list)
        for code in (
            "champions",
            "loyal",
            "potential",
            "new",
            "attention",
            "at_risk",
            "hibernating",
            "lost",
            "inactive",
        )
    )
    assert everyone == 3


def test_chart_data_downloads_as_xlsx(client, bank):
    client.force_login(bank.head_a1)
    response = client.get(f"/analytics/data/segments.xlsx?day={END.isoformat()}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("客户分群", "客户数")
    assert sum(row[1] for row in rows[1:]) == 3
    assert client.get("/analytics/data/nothing.xlsx").status_code == 404
    assert client.get("/analytics/?day=2001-01-01").status_code == 404


def test_the_churn_panel_lists_only_customers_in_scope(client, bank):
    from kewei.analytics.churn import churn_refresh

    churn_refresh(day=END)
    client.force_login(bank.manager_a1)
    listed = client.get("/analytics/").context["at_risk"]
    assert {risk.customer_id for risk in listed} == {bank.customer_a1.pk}
    client.force_login(bank.head_b1)
    listed = client.get("/analytics/").context["at_risk"]
    assert {risk.customer_id for risk in listed} == {bank.customer_b1.pk}


def test_flows_and_largest_net_outflows_stay_in_scope(client, bank):
    from kewei.analytics import selectors
    from kewei.core.scope import scope_activated
    from kewei.organisation.selectors import data_scope_for

    out_a = _holding(bank.customer_a1_free, "F001", "fund")
    _tx(out_a, END - dt.timedelta(days=3), 900_000, "out")
    out_b = _holding(bank.customer_b1, "F001", "fund")
    _tx(out_b, END - dt.timedelta(days=3), 5_000_000, "out")
    services.analytics_refresh(day=END)
    with scope_activated(data_scope_for(bank.head_a1)):
        months = dict((m, (i, o)) for m, i, o in selectors.flow_months(END))
        assert months[dt.date(2026, 10, 1)] == (40000, 900_000)
        outflows = selectors.largest_net_outflows(END)
        assert [(c.pk, i, o) for c, i, o in outflows] == [(bank.customer_a1_free.pk, 0, 900_000)]
        by_category = dict((c, (i, o)) for c, i, o in selectors.flows_by(END, "category"))
        assert by_category["fund"] == (0, 900_000)


def test_tier_migration_counts_the_latest_evaluation(bank):
    from kewei.analytics import selectors
    from kewei.tiers.models import TierChange, TierScheme

    scheme = TierScheme.objects.get(in_force=True)
    for person, old, new in (
        (bank.customer_a1, "", "ordinary"),
        (bank.customer_a1_free, "ordinary", "vip"),
        (bank.customer_b1, "ordinary", "vip"),
    ):
        TierChange.objects.create(
            customer=person,
            evaluated_on=END - dt.timedelta(days=1),
            old_tier=old,
            new_tier=new,
            direction="up",
            measure=0,
            scheme=scheme,
        )
    old, new, grid, evaluated = selectors.tier_migration(END)
    assert evaluated == END - dt.timedelta(days=1)
    assert grid[old.index("ordinary")][new.index("vip")] == 2
    assert grid[old.index("")][new.index("ordinary")] == 1
    assert sum(map(sum, grid)) == 3


def test_manager_performance(client, bank):
    from kewei.analytics import selectors
    from kewei.care.models import Contact, Task, TaskReason
    from kewei.core.scope import scope_activated
    from kewei.organisation.selectors import data_scope_for

    Contact.objects.create(
        customer=bank.customer_a1,
        staff=bank.manager_a1,
        channel="phone",
        purpose="care",
        outcome="reached",
        contacted_at=dt.datetime(2026, 10, 30, 2, tzinfo=dt.UTC),
        contacted_on=dt.date(2026, 10, 30),
    )
    Task.objects.create(
        customer=bank.customer_a1,
        reason=TaskReason.MANUAL,
        event_on=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 10, 2),
        assignee=bank.manager_a1,
        department=bank.outlet_a1,
        created_on=dt.date(2026, 10, 1),
    )
    sold = _holding(bank.customer_a1, "W001", "wealth")
    sold.opened_on = END - dt.timedelta(days=5)
    sold.save()
    with scope_activated(data_scope_for(bank.head_a1)):
        _before, rows = selectors.manager_performance(bank.head_a1, END)
    mine = {row.staff.pk: row for row in rows}
    assert set(mine) == {bank.manager_a1.pk}  # not branch B's manager
    row = mine[bank.manager_a1.pk]
    assert (row.book, row.contacts, row.overdue, row.products_sold) == (1, 1, 1, 1)
    assert row.aum == 0 and row.plan_days == 0 and row.working_days > 15
    with scope_activated(data_scope_for(bank.manager_b1)):
        _before, rows = selectors.manager_performance(bank.manager_b1, END)
    assert [row.staff.pk for row in rows] == [bank.manager_b1.pk]
    client.force_login(bank.head_a1)
    page = client.get("/analytics/")
    assert page.status_code == 200
    assert page.context["managers"][1][0][0] == bank.manager_a1.full_name
