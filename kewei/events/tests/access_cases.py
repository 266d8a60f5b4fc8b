import datetime as dt
from decimal import Decimal

from django.urls import reverse

from kewei.testing.access import AccessCase

HEAD_A1, HEAD_B1 = (lambda b: b.head_a1), (lambda b: b.head_b1)
MANAGER_A1, ADMIN = (lambda b: b.manager_a1), (lambda b: b.admin)


def _event(bank):
    from kewei.events.services import EventData, event_create

    return event_create(
        actor=bank.head_a1,
        data=EventData(
            name="沙龙",
            kind="salon",
            starts_at=dt.datetime(2026, 12, 12, 14, 0, tzinfo=dt.UTC),
            place="贵宾室",
            capacity=15,
            budget=Decimal("3000"),
            department=bank.outlet_a1,
        ),
    )


def _on_event(name):
    return lambda bank: reverse(f"events:{name}", args=[_event(bank).pk])


def _on_guest(name):
    def url(bank):
        from kewei.events.models import Guest

        guest = Guest.objects.create(event=_event(bank), customer=bank.customer_a1)
        return reverse(f"events:{name}", args=[guest.pk])

    return url


def _search(bank):
    from kewei.customers.models import SavedSearch

    search = SavedSearch.objects.create(
        name="全部", owner=bank.head_a1, department=bank.outlet_a1, shared=True, params={}
    )
    return {"search": search.pk}


CASES = [
    AccessCase(
        "events:event_list",
        lambda b: reverse("events:event_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "events:event_create",
        lambda b: reverse("events:event_create"),
        allowed=HEAD_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    # Another outlet's event is not found.
    AccessCase("events:event_detail", _on_event("event_detail"), allowed=HEAD_A1, denied=HEAD_B1),
    AccessCase(
        "events:guests_from_search",
        _on_event("guests_from_search"),
        method="post",
        data=_search,
        allowed=HEAD_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "events:guest_add",
        _on_event("guest_add"),
        method="post",
        data=lambda b: {"customer_number": b.customer_a1.customer_number},
        allowed=HEAD_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "events:invitations_send",
        _on_event("invitations_send"),
        method="post",
        allowed=HEAD_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "events:event_hold",
        _on_event("event_hold"),
        method="post",
        data=lambda b: {"actual_cost": "100"},
        allowed=HEAD_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "events:guest_remove",
        _on_guest("guest_remove"),
        method="post",
        allowed=HEAD_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "events:guest_reply",
        _on_guest("guest_reply"),
        method="post",
        data=lambda b: {"status": "accepted"},
        allowed=HEAD_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
]
