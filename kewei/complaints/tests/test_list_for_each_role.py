"""The complaint list as each role opens it: the outlet head (and the supervisor, and the
retail banking department) on their department's open complaints, overdue first; a
customer manager on the ones they handle. The statistics page's period in its date
inputs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kewei.complaints.models import Status
from kewei.complaints.services import complaint_act
from kewei.complaints.tests.test_complaints import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(bank):
    """In 中关村: a fresh one for the supervisor, an overdue one for the head, one resolved;
    in 陆家嘴: one open."""
    fresh = record(bank, category="service", customer=bank.customer_a1, now=None)
    late = record(
        bank,
        category="fees",
        customer=bank.customer_a1_free,
        now=timezone.now() - dt.timedelta(days=20),
    )
    done = record(bank, category="service", customer=bank.customer_a1, now=None)
    done = complaint_act(
        actor=bank.supervisor_a1, complaint=done, action="respond", told_customer="已致歉"
    )
    done = complaint_act(
        actor=bank.supervisor_a1, complaint=done, action="resolve", resolution="已致歉"
    )
    elsewhere = record(bank, category="fees", customer=bank.customer_b1, now=None)
    return {"fresh": fresh, "late": late, "done": done, "elsewhere": elsewhere}


def numbers(response) -> list[str]:
    return [c.number for c in response.context["page"]]


def test_the_outlet_head_opens_on_the_outlets_open_complaints_overdue_first(
    client, bank, complaints
):
    # given
    assert complaints["done"].status == Status.RESOLVED
    assert complaints["fresh"].owner == bank.supervisor_a1
    client.force_login(bank.head_a1)
    # when
    response = client.get(reverse("complaints:complaint_list"))
    # then: the supervisor's complaint too, the overdue one first, no resolved one
    assert response.context["view"] == "department"
    assert numbers(response) == [complaints["late"].number, complaints["fresh"].number]
    page = response.content.decode()
    assert '<option value="department" selected>' in page
    assert page.count('data-testid="overdue"') == 1


def test_the_supervisor_and_the_retail_department_open_on_their_department(
    client, bank, complaints
):
    client.force_login(bank.supervisor_a1)
    response = client.get(reverse("complaints:complaint_list"))
    assert numbers(response) == [complaints["late"].number, complaints["fresh"].number]
    # 个金部 of 北京分行 sees the open complaints of the whole branch, not 陆家嘴's
    client.force_login(bank.retail_a)
    response = client.get(reverse("complaints:complaint_list"))
    assert numbers(response) == [complaints["late"].number, complaints["fresh"].number]


def test_a_customer_manager_keeps_the_complaints_they_handle(client, bank, complaints):
    client.force_login(bank.manager_a1)
    response = client.get(reverse("complaints:complaint_list"))
    assert response.context["view"] == "mine"
    assert numbers(response) == []


def test_the_head_can_still_choose_their_own_or_all(client, bank, complaints):
    client.force_login(bank.head_a1)
    mine = client.get(reverse("complaints:complaint_list"), {"view": "mine"})
    assert numbers(mine) == [complaints["late"].number]
    everything = client.get(reverse("complaints:complaint_list"), {"view": "all"})
    assert numbers(everything) == [
        complaints["done"].number,
        complaints["fresh"].number,
        complaints["late"].number,
    ]
    unknown = client.get(reverse("complaints:complaint_list"), {"view": "x"})
    assert unknown.context["view"] == "department"


def test_the_statistics_page_shows_its_period_in_the_date_inputs(client, bank):
    # given: Chinese, whose own date input format is 2025/12/07
    client.force_login(bank.head_a1)
    today = timezone.localdate()
    # when
    page = client.get(reverse("complaints:complaint_stats")).content.decode()
    # then: ISO values, the only ones an <input type="date"> shows
    start = today - dt.timedelta(days=365)
    assert re.search(rf'type="date" name="start" value="{start:%Y-%m-%d}"', page)
    assert re.search(rf'type="date" name="end" value="{today:%Y-%m-%d}"', page)
    # and a period typed the Chinese way is read too
    response = client.get(
        reverse("complaints:complaint_stats"), {"by": "month", "start": "2025/1/1", "end": today}
    )
    assert response.context["form"].is_valid()
