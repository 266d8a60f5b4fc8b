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
