from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from kewei.api.models import Scope
from kewei.api.services import account_create, token_issue
from kewei.care.models import Task, TaskReason
from kewei.complaints.services import ComplaintData, complaint_record
from kewei.messaging.models import Message, MessageStatus
from kewei.organisation.roles import Role
from kewei.points.redemptions import points_redeem
from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn, gift
from kewei.products.models import TransactionBatch
from kewei.testing.access import AccessCase
from kewei.testing.factories import resident_id, staff

MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
TELLER_A1, HEAD_A1, HEAD_B1 = (lambda b: b.teller_a1), (lambda b: b.head_a1), (lambda b: b.head_b1)
ADMIN, RETAIL_A = (lambda b: b.admin), (lambda b: b.retail_a)


def _with_permission(permission: str):
    """A member of the retail banking department at head office with ``permission``."""

    def make(bank):
        member = staff(department=bank.head_office, roles=(Role.RETAIL_BANKING,))
        app_label, codename = permission.split(".")
        member.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
        return member

    return make


PUSHER, RELAY = (
    _with_permission("products.push_transactions"),
    _with_permission("messaging.relay_messages"),
)


def _customer_url(name):
    return lambda b: reverse(f"api:{name}", args=[b.customer_a1.customer_number])


def _with_points(bank):
    earn(bank.customer_a1, 100, NEXT_YEAR_END, "access")
    gift(stock=5)
    return _customer_url("redemptions")(bank)


def _redemption(bank):
    earn(bank.customer_a1, 100, NEXT_YEAR_END, "access")
    redemption = points_redeem(
        actor=bank.teller_a1,
        customer=bank.customer_a1,
        gift=gift(stock=5),
        quantity=1,
        outlet=bank.outlet_a1,
        idempotency_key="access",
    )
    return reverse("api:redemption_cancel", args=[redemption.number])


def _batch(bank):
    TransactionBatch.objects.create(
        batch_id="B1", day=timezone.localdate(), content_sha256="0" * 64, pushed_by="core"
    )
    return reverse("api:transaction_batch", args=["B1"])


def _task(bank):
    task = Task.objects.create(
        customer=bank.customer_a1,
        reason=TaskReason.MANUAL,
        title="回访",
        event_on=timezone.localdate(),
        due_on=timezone.localdate(),
        assignee=bank.manager_a1,
        department=bank.outlet_a1,
        created_on=timezone.localdate(),
    )
    return reverse("api:task_complete", args=[task.pk])


def _complaint(bank):
    complaint = complaint_record(
        actor=bank.teller_a1,
        data=ComplaintData(
            customer=bank.customer_a1,
            department=bank.outlet_a1,
            channel="counter",
            category="service",
            severity="normal",
            description="等候太久",
        ),
    )
    return reverse("api:complaint_detail", args=[complaint.number])


def _message(bank):
    now = timezone.now()
    message = Message.objects.create(
        customer=bank.customer_a1,
        channel="sms",
        body="【客维示范银行】您好",
        marketing=False,
        status=MessageStatus.SENT,
        send_after=now,
        sent_at=now,
    )
    return reverse("api:delivery", args=[message.pk])


def _account(bank):
    return account_create(
        actor=None, name="core", department=bank.head_office, roles=[Role.RETAIL_BANKING]
    )


def _revoke(bank):
    token, _clear = token_issue(
        actor=None, account=_account(bank), name="t", scopes=[Scope.CUSTOMERS_READ]
    )
    return reverse("api_access:token_revoke", args=[token.pk])


def _new_customer(bank):
    return {
        "name": "赵六",
        "id_number": resident_id("19850505", 41),
        "mobile": "13912345678",
        "address": "北京市海淀区学院路1号",
        "department": "110101",
    }


_CONTACT = {"channel": "phone", "purpose": "care", "outcome": "reached", "summary": "回访"}
_ROW = {
    "transaction_id": "T1",
    "account_number": "6222000011112222",
    "booked_on": "2026-11-25",
    "amount": "1.00",
    "direction": "in",
    "channel": "counter",
    "counterparty_kind": "cash",
}


def _api(name, url, allowed, denied, denied_status=404, **kwargs):
    return AccessCase(
        f"api:{name}",
        url if callable(url) else (lambda b, n=name: reverse(f"api:{n}")),
        allowed=allowed,
        denied=denied,
        denied_status=denied_status,
        anonymous_status=401,
        json=True,
        **kwargs,
    )


CASES = [
    # Customers: business roles, within their scope (another book's customer is 404).
    _api("customer_list", None, MANAGER_A1, ADMIN, 403),
    _api(
        "customer_list",
        None,
        HEAD_A1,
        ADMIN,
        403,
        method="post",
        data=_new_customer,
        allowed_status=201,
    ),
    _api(
        "customer_search",
        None,
        MANAGER_A1,
        ADMIN,
        403,
        method="post",
        data=lambda bank: {"text": bank.customer_a1.id_number},
    ),
    _api("customer_detail", _customer_url("customer_detail"), MANAGER_A1, MANAGER_B1),
    _api(
        "customer_detail",
        _customer_url("customer_detail"),
        MANAGER_A1,
        MANAGER_B1,
        method="patch",
        data=lambda b: {"address": "北京市海淀区知春路2号"},
    ),
    _api("holdings", _customer_url("holdings"), MANAGER_A1, MANAGER_B1),
    _api("transactions", _customer_url("transactions"), MANAGER_A1, MANAGER_B1),
    _api("points", _customer_url("points"), MANAGER_A1, MANAGER_B1),
    _api("points_statement", _customer_url("points_statement"), MANAGER_A1, MANAGER_B1),
    _api("customer_gifts", _customer_url("customer_gifts"), MANAGER_A1, MANAGER_B1),
    _api("contacts", _customer_url("contacts"), MANAGER_A1, MANAGER_B1),
    _api("redemptions", _customer_url("redemptions"), MANAGER_A1, MANAGER_B1),
    # Redeeming is the counters' (and the outlet heads'): a manager lacks the permission;
    # another outlet's counter cannot reach the customer.
    _api(
        "redemptions",
        _with_points,
        TELLER_A1,
        MANAGER_A1,
        403,
        method="post",
        data=lambda b: {"gift": "G1", "quantity": 1, "outlet": "110101"},
        headers={"Idempotency-Key": "k-1"},
        allowed_status=201,
    ),
    _api(
        "redemption_cancel",
        _redemption,
        TELLER_A1,
        HEAD_B1,
        method="post",
        data=lambda b: {"reason": "客户改选其他礼品"},
        headers={"Idempotency-Key": "c-1"},
    ),
    _api("gifts", None, MANAGER_A1, ADMIN, 403),
    # Pushing transactions: only with its own permission (the core system's account).
    _api(
        "transaction_batches",
        None,
        PUSHER,
        RETAIL_A,
        403,
        method="post",
        data=lambda b: {"batch_id": "B9", "date": "2026-11-25", "transactions": [_ROW]},
        allowed_status=201,
    ),
    _api("transaction_batch", _batch, PUSHER, RETAIL_A, 403),
    _api("tasks", None, MANAGER_A1, ADMIN, 403),
    _api(
        "task_complete",
        _task,
        MANAGER_A1,
        MANAGER_B1,
        method="post",
        data=lambda b: _CONTACT,
    ),
    _api("complaints", None, MANAGER_A1, ADMIN, 403),
    _api(
        "complaints",
        None,
        TELLER_A1,
        ADMIN,
        403,
        method="post",
        data=lambda b: {
            "customer": b.customer_a1.customer_number,
            "department": "110101",
            "channel": "counter",
            "category": "service",
            "description": "等候太久",
        },
        allowed_status=201,
    ),
    _api("complaint_detail", _complaint, HEAD_A1, HEAD_B1),
    # The SMS platform's endpoints: its own permission, which no staff role has.
    _api("outbox", None, RELAY, MANAGER_A1, 403, method="post", data=lambda b: {"limit": 10}),
    _api(
        "replies",
        None,
        RELAY,
        MANAGER_A1,
        403,
        method="post",
        data=lambda b: {"mobile": "13900000000", "text": "好的"},
    ),
    _api(
        "delivery",
        _message,
        RELAY,
        MANAGER_A1,
        403,
        method="post",
        data=lambda b: {"delivered": True},
    ),
    _api("schema", None, MANAGER_A1, None),
    # The documentation page is a page: anonymous visitors sign in first.
    AccessCase("api:docs", lambda b: reverse("api:docs"), allowed=MANAGER_A1, denied=None),
    # API access management: the system administrator's.
    AccessCase(
        "api_access:access_list",
        lambda b: reverse("api_access:access_list"),
        allowed=ADMIN,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "api_access:account_create",
        lambda b: reverse("api_access:account_create"),
        allowed=ADMIN,
        denied=RETAIL_A,
        denied_status=403,
    ),
    AccessCase(
        "api_access:account_update",
        lambda b: reverse("api_access:account_update", args=[_account(b).pk]),
        allowed=ADMIN,
        denied=RETAIL_A,
        denied_status=403,
    ),
    AccessCase(
        "api_access:token_issue",
        lambda b: reverse("api_access:token_issue", args=[_account(b).pk]),
        allowed=ADMIN,
        denied=RETAIL_A,
        denied_status=403,
    ),
    AccessCase(
        "api_access:token_revoke",
        _revoke,
        allowed=ADMIN,
        denied=RETAIL_A,
        denied_status=403,
        method="post",
        allowed_status=302,
    ),
]

__all__ = ["CASES", "dt"]
