import datetime as dt
from decimal import Decimal

from django.urls import reverse

from kewei.points.services import RuleData, rule_create
from kewei.testing.access import AccessCase

MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
RETAIL_A, ADMIN = (lambda b: b.retail_a), (lambda b: b.admin)


def _rule(bank):
    rule = rule_create(
        actor=None,
        data=RuleData(
            code="TD",
            name="定期存款日均积分",
            kind="balance",
            points=Decimal("1"),
            effective_from=dt.date(2026, 1, 1),
            category="time_deposit",
        ),
    )
    return reverse("points:rule_end", args=[rule.pk])


def _statement(name):
    return lambda bank: reverse(f"points:{name}", args=[bank.customer_a1.pk])


CASES = [
    # Rules and settings: the retail banking department keeps them.
    AccessCase(
        "points:rule_list",
        lambda b: reverse("points:rule_list"),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "points:rule_create",
        lambda b: reverse("points:rule_create"),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "points:rule_end",
        _rule,
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "points:policy_create",
        lambda b: reverse("points:policy_create"),
        allowed=RETAIL_A,
        denied=ADMIN,
        denied_status=403,
    ),
    # A statement is customer data: another manager's customer is not found.
    AccessCase(
        "points:statement",
        _statement("statement"),
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        denied_status=404,
    ),
    AccessCase(
        "points:statement_export",
        _statement("statement_export"),
        method="post",
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        denied_status=404,
        allowed_status=302,
    ),
]


def _gift(name):
    def url(bank):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from kewei.points.redemptions import GiftData, gift_create

        picture = SimpleUploadedFile("cup.png", b"\x89PNG\r\n\x1a\n", "image/png")
        gift = gift_create(
            actor=None,
            data=GiftData(code="G1", name="保温杯", points_price=10, picture=picture),
        )
        return reverse(f"points:{name}", args=[gift.pk])

    return url


def _redemption(name):
    def url(bank):
        from kewei.points.redemptions import GiftData, gift_create, gift_stock_move, points_redeem
        from kewei.points.tests.test_redemption import NEXT_YEAR_END, earn

        gift = gift_create(actor=None, data=GiftData(code="G1", name="保温杯", points_price=10))
        gift_stock_move(actor=None, gift=gift, kind="receipt", quantity=5, reason="")
        earn(bank.customer_a1, 100, NEXT_YEAR_END, "access")
        redemption = points_redeem(
            actor=None,
            customer=bank.customer_a1,
            gift=gift,
            quantity=1,
            outlet=bank.outlet_a1,
            idempotency_key="access",
        )
        return reverse(f"points:{name}", args=[redemption.pk])

    return url


COUNTER_A1 = lambda b: b.head_a1  # noqa: E731  (outlet head: counter rights in outlet A1)

CASES += [
    AccessCase(
        "points:gift_list",
        lambda b: reverse("points:gift_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "points:gift_detail",
        _gift("gift_detail"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "points:gift_picture",
        _gift("gift_picture"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "points:gift_create",
        lambda b: reverse("points:gift_create"),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "points:gift_update",
        _gift("gift_update"),
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "points:gift_withdraw",
        _gift("gift_withdraw"),
        method="post",
        allowed=RETAIL_A,
        denied=MANAGER_A1,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "points:redeem",
        _statement("redeem"),
        allowed=COUNTER_A1,
        denied=lambda b: b.head_b1,
        denied_status=404,
    ),
    AccessCase(
        "points:adjustment_propose",
        _statement("adjustment_propose"),
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        denied_status=404,
    ),
    AccessCase(
        "points:redemption_list",
        lambda b: reverse("points:redemption_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "points:redemption_deliver",
        _redemption("redemption_deliver"),
        method="post",
        data=lambda b: {"status": "collected"},
        allowed=COUNTER_A1,
        denied=lambda b: b.head_b1,
        denied_status=404,
        allowed_status=302,
    ),
    AccessCase(
        "points:redemption_cancel",
        _redemption("redemption_cancel"),
        allowed=COUNTER_A1,
        denied=lambda b: b.head_b1,
        denied_status=404,
    ),
    # A redemption's receipt is customer data: another outlet's redemption is not found.
    AccessCase(
        "points:redemption_receipt",
        _redemption("redemption_receipt"),
        allowed=COUNTER_A1,
        denied=lambda b: b.head_b1,
        denied_status=404,
    ),
    AccessCase(
        "points:adjustment_list",
        lambda b: reverse("points:adjustment_list"),
        allowed=COUNTER_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
]
