"""A small bank with the systems that call its API, and a way to call it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.test import Client

from kewei.api.models import Scope
from kewei.api.services import account_create, token_issue
from kewei.organisation.roles import Role
from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn, gift
from kewei.products.models import Holding
from kewei.testing.factories import SmallBank, product, small_bank

EVERY_SCOPE_BUT_REVEAL = [scope for scope in Scope.values if scope != Scope.CUSTOMERS_REVEAL]


@dataclass
class Systems:
    bank: SmallBank
    # The mobile banking app: customers' points and gifts, for the whole bank.
    mobile: str
    # The core system: everything but reveal, with the push permission.
    core: str
    # The core system's token with reveal.
    core_reveal: str
    # A system of branch B only (its scope is branch B's customers).
    branch_b: str


def systems() -> Systems:
    bank = small_bank()
    mobile = account_create(
        actor=bank.admin,
        name="mobile-app",
        department=bank.head_office,
        roles=[Role.RETAIL_BANKING],
        permissions=["points.redeem_gift"],
    )
    core = account_create(
        actor=bank.admin,
        name="core",
        department=bank.head_office,
        roles=[Role.RETAIL_BANKING],
        permissions=["products.push_transactions", "points.redeem_gift"],
    )
    branch_b = account_create(
        actor=bank.admin,
        name="branch-b",
        department=bank.branch_b,
        roles=[Role.OUTLET_HEAD],
    )
    return Systems(
        bank=bank,
        mobile=token_issue(
            actor=bank.admin,
            account=mobile,
            name="app",
            scopes=[Scope.CUSTOMERS_READ, Scope.POINTS_READ, Scope.POINTS_REDEEM],
        )[1],
        core=token_issue(actor=bank.admin, account=core, name="t1", scopes=EVERY_SCOPE_BUT_REVEAL)[
            1
        ],
        core_reveal=token_issue(actor=bank.admin, account=core, name="t2", scopes=[*Scope.values])[
            1
        ],
        branch_b=token_issue(
            actor=bank.admin, account=branch_b, name="b", scopes=EVERY_SCOPE_BUT_REVEAL
        )[1],
    )


def call(
    method: str, url: str, token: str | None = None, body=None, client=None, environ=None, **headers
):
    """One API request; returns the response (``.json()`` reads its body)."""
    client = client or Client()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    kwargs = {"headers": headers, **(environ or {})}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(url, **kwargs)


def holding(customer, account="6222000011112222", code="D001", balance=10000):
    return Holding.objects.unrestricted().create(
        account_number=account,
        customer=customer,
        product=product(code, "demand_deposit"),
        opened_on=dt.date(2025, 1, 1),
        balance=balance,
    )


__all__ = ["NEXT_YEAR_END", "call", "earn", "gift", "holding", "systems"]
