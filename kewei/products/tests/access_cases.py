import datetime as dt

from django.urls import reverse

from kewei.products.models import FeedDay, Holding
from kewei.testing.access import AccessCase
from kewei.testing.factories import product

MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
RETAIL_A, ADMIN = (lambda b: b.retail_a), (lambda b: b.admin)


def _product(name):
    def url(bank):
        return reverse(f"products:{name}", args=[product("D001", "demand_deposit").pk])

    return url


def _holding(bank):
    holding = Holding.objects.unrestricted().create(
        account_number="6222000011112222",
        customer=bank.customer_a1,
        product=product("D001", "demand_deposit"),
        opened_on=dt.date(2025, 1, 1),
        balance=10000,
    )
    return reverse("products:holding_detail", args=[holding.pk])


def _feed_day(bank):
    day = FeedDay.objects.create(day=dt.date(2026, 11, 25), manifest_sha256="0" * 64)
    return reverse("products:feed_day_detail", args=[day.pk])


CASES = [
    # The catalogue: every business role reads it; the retail banking department keeps it.
    AccessCase(
        "products:product_list",
        lambda b: reverse("products:product_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "products:product_detail",
        _product("product_detail"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "products:product_create",
        lambda b: reverse("products:product_create"),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "products:product_update",
        _product("product_update"),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "products:product_close",
        _product("product_close"),
        method="post",
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "products:product_delete",
        _product("product_delete"),
        method="post",
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
        allowed_status=302,
    ),
    # A holding is customer data: another manager's customer's holding is not found.
    AccessCase(
        "products:holding_detail",
        _holding,
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        denied_status=404,
    ),
    # The feed's log: IT (system administrator) and the retail banking department.
    AccessCase(
        "products:feed_day_list",
        lambda b: reverse("products:feed_day_list"),
        allowed=ADMIN,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "products:feed_day_detail",
        _feed_day,
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
]
