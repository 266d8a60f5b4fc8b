"""The book transfer (客户移交) page: the preview is posted, so neither the CSRF token nor
the reason travel in a URL; the receivers are the staff who may be responsible
managers, never the manager handing over."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kewei.api.services import account_create
from kewei.customers.forms import BookTransferForm
from kewei.customers.models import Customer
from kewei.organisation.roles import Role

pytestmark = pytest.mark.django_db

URL = "customers:book_transfer"


def _manager_of(customer) -> int | None:
    return Customer.objects.unrestricted().get(pk=customer.pk).responsible_manager_id


def _offered(page) -> set[int]:
    return {staff.pk for staff in page.context["form"].fields["to_managers"].queryset}


def test_the_preview_is_posted_and_a_get_previews_nothing(client, bank):
    # given
    client.force_login(bank.head_a1)
    params = {
        "from_manager": bank.manager_a1.pk,
        "to_managers": [bank.supervisor_a1.pk],
        "reason": "调岗",
    }
    # when: the old link, with the reason in the URL
    got = client.get(reverse(URL), params)
    # then: an empty form, no preview, nothing moved
    assert got.context["preview"] is None
    assert not got.context["form"].is_bound
    assert 'formmethod="get"' not in got.content.decode()
    # when: the preview button posts
    posted = client.post(reverse(URL), {**params, "preview": "1"})
    # then
    assert [row["count"] for row in posted.context["preview"]] == [1]
    assert _manager_of(bank.customer_a1) == bank.manager_a1.pk
    # when: confirmed
    done = client.post(reverse(URL), {**params, "confirm": "1"})
    # then
    assert done.status_code == 302
    assert _manager_of(bank.customer_a1) == bank.supervisor_a1.pk


def test_choosing_the_manager_handing_over_takes_him_off_the_receivers(client, bank):
    # given
    client.force_login(bank.head_a1)
    # when: the first page, then the choice of the one handing over (the form posts back)
    first = client.get(reverse(URL))
    chosen = client.post(reverse(URL), {"from_manager": bank.manager_a1.pk})
    # then: he is offered before, not after; no errors yet, nothing previewed
    assert bank.manager_a1.pk in _offered(first)
    assert _offered(chosen) == {bank.head_a1.pk, bank.supervisor_a1.pk}
    assert chosen.context["form"].errors == {}
    assert chosen.context["preview"] is None
    assert chosen.context["form"]["from_manager"].value() == str(bank.manager_a1.pk)


def test_the_manager_handing_over_cannot_receive_his_own_book(client, bank):
    client.force_login(bank.head_a1)
    answer = client.post(
        reverse(URL),
        {
            "from_manager": bank.manager_a1.pk,
            "to_managers": [bank.manager_a1.pk],
            "reason": "调岗",
            "confirm": "1",
        },
    )
    assert answer.status_code == 200
    assert "to_managers" in answer.context["form"].errors
    assert _manager_of(bank.customer_a1) == bank.manager_a1.pk


def test_only_staff_who_may_be_responsible_managers_are_offered(bank):
    # given: a teller of the outlet, and a system that calls the API as an outlet head
    system = account_create(
        actor=bank.admin, name="counter-a1", department=bank.outlet_a1, roles=[Role.OUTLET_HEAD]
    )
    # when
    form = BookTransferForm(data={"from_manager": bank.manager_a1.pk})
    offered = set(form.fields["to_managers"].queryset.values_list("pk", flat=True))
    # then: of outlet A1, its head and supervisor (managers of branch B are offered as
    # the unscoped form sees the whole bank), never the teller, the system or himself
    assert {bank.head_a1.pk, bank.supervisor_a1.pk} <= offered
    assert not offered & {bank.teller_a1.pk, system.staff_id, bank.manager_a1.pk}
