"""Schemathesis against the API's own OpenAPI description, in process (WSGI): for every
operation, generated requests (valid and invalid) from a system whose token lacks the
reveal scope never cause a server error, never get a response that breaks the
description, and never show an ID number or a mobile in full."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kewei.api.tests.helpers import NEXT_YEAR_END, earn, gift, holding, systems
from kewei.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLES = 15


def _personal_values() -> list[str]:
    values = []
    for customer in Customer.objects.unrestricted():
        values += [customer.id_number, customer.mobile]
    return [value for value in values if value]


def test_no_server_error_no_schema_violation_no_unmasked_personal_data():
    s = systems()
    earn(s.bank.customer_a1, 500, NEXT_YEAR_END, "e1")
    gift(stock=50)
    holding(s.bank.customer_a1)
    personal = _personal_values()
    token = s.core  # every scope but customers:reveal
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler(), headers=headers)

    def unmasked(ctx, response, case):
        text = response.text
        for value in personal:
            if re.search(rf"(?<![0-9]){re.escape(value)}(?![0-9Xx])", text):
                raise AssertionError(f"unmasked personal value in {case.path}: {value[:3]}…")

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    tested = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance, unmasked],
            )

        check()
        tested += 1
    assert tested == len(operations)
