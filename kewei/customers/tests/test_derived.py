"""The customer's derived columns have one owner (``customers.services.derived``): the
set-based refreshes write coverage, assets and their 万元 copy, and tiers exactly where
they change, from rows the other apps compute over their own tables."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kewei.customers.models import Customer, CustomerAssets
from kewei.customers.services import customer_merge
from kewei.customers.services.derived import assets_refresh, coverage_refresh, tiers_set
from kewei.products.feed.loading import coverage_counted
from kewei.products.models import Holding, HoldingStatus, StagedAssets
from kewei.testing.factories import product

pytestmark = pytest.mark.django_db


def _rows(*rows: tuple) -> tuple[str, dict]:
    """A ``SELECT`` of literal ``(customer_id, value)`` rows, as a caller gives them."""
    params, selects = {}, []
    for index, (customer_id, value) in enumerate(rows):
        params[f"c{index}"], params[f"v{index}"] = customer_id, value
        selects.append(f"SELECT %(c{index})s AS customer_id, %(v{index})s AS value")
    return " UNION ALL ".join(selects), params


def _assets(*customers) -> list[tuple]:
    return [
        (row.customer_id, row.aum)
        for row in CustomerAssets.objects.unrestricted()
        .filter(customer__in=customers)
        .order_by("customer_id")
    ]


def _holding(customer, account: str, held, status: str = HoldingStatus.OPEN) -> None:
    Holding.objects.unrestricted().create(
        account_number=account,
        customer=customer,
        product=held,
        opened_on=dt.date(2025, 6, 1),
        status=status,
        balance=100,
    )


@pytest.fixture
def catalogue():
    return {
        code: product(code, category)
        for code, category in (
            ("D1", "demand_deposit"),
            ("D2", "demand_deposit"),
            ("F1", "fund"),
            ("W1", "wealth"),
        )
    }


def test_coverage_refresh_writes_only_the_customers_whose_count_changes(bank):
    # given a1 covering 0 categories, b1 already covering 2, a1_free not counted
    a1, b1, free = bank.customer_a1, bank.customer_b1, bank.customer_a1_free
    Customer.objects.unrestricted().filter(pk=b1.pk).update(product_categories=2)
    counted, params = _rows((a1.pk, 3), (b1.pk, 2))
    counted = counted.replace("AS value", "AS categories")
    # when
    with CaptureQueriesContext(connection) as queries:
        written = coverage_refresh(counted=counted, params=params)
    # then one statement wrote a1 alone: b1's count is unchanged, a1_free is not listed
    assert written == 1
    assert len(queries) == 1
    assert queries[0]["sql"].lstrip().startswith("UPDATE")
    coverage = dict(
        Customer.objects.unrestricted()
        .filter(pk__in=[a1.pk, b1.pk, free.pk])
        .values_list("pk", "product_categories")
    )
    assert coverage == {a1.pk: 3, b1.pk: 2, free.pk: 0}


def test_coverage_counts_distinct_categories_of_open_holdings_only(bank, catalogue):
    # given a1 with two demand deposits, a fund and a closed wealth product; a1_free none
    a1, free = bank.customer_a1, bank.customer_a1_free
    _holding(a1, "A1", catalogue["D1"])
    _holding(a1, "A2", catalogue["D2"])
    _holding(a1, "A3", catalogue["F1"])
    _holding(a1, "A4", catalogue["W1"], status=HoldingStatus.CLOSED)
    Customer.objects.unrestricted().filter(pk=free.pk).update(product_categories=4)
    # when the products' count of both is applied
    written = coverage_refresh(
        counted=coverage_counted(
            "(SELECT %(a1)s AS customer_id UNION ALL SELECT %(free)s AS customer_id)"
        ),
        params={"open": HoldingStatus.OPEN, "a1": a1.pk, "free": free.pk},
    )
    # then demand deposit and fund count once each; holding nothing counts 0
    assert written == 2
    coverage = dict(
        Customer.objects.unrestricted()
        .filter(pk__in=[a1.pk, free.pk])
        .values_list("pk", "product_categories")
    )
    assert coverage == {a1.pk: 2, free.pk: 0}


def test_assets_refresh_writes_the_wan_copy_only_where_a_wan_is_crossed(bank):
    # given a1 at 15,000 元 (1 万), b1 at 15,000 元 whose copy is made to read 7 so that a
    # write would show, a1_free at 10,000 元
    a1, b1, free = bank.customer_a1, bank.customer_b1, bank.customer_a1_free
    assets = CustomerAssets.objects.unrestricted()
    assets.filter(customer__in=[a1, b1]).update(aum=Decimal("15000.00"))
    Customer.objects.unrestricted().filter(pk=a1.pk).update(aum_wan=1)
    Customer.objects.unrestricted().filter(pk=b1.pk).update(aum_wan=7)
    # when a1 goes to 25,000.50 元 (crosses into 2 万), b1 to 19,999.99 元 (stays in 1 万)
    # and a1_free stays at 10,000 元
    fen, params = _rows((a1.pk, 2_500_050), (b1.pk, 1_999_999), (free.pk, 1_000_000))
    written = assets_refresh(
        fen=fen.replace("AS value", "AS fen"), staging=StagedAssets, params=params
    )
    # then every changed assets row is written, the copy only for the crossing one
    assert written == 2
    assert _assets(a1, b1, free) == sorted(
        [
            (a1.pk, Decimal("25000.50")),
            (b1.pk, Decimal("19999.99")),
            (free.pk, Decimal("10000.00")),
        ]
    )
    wan = dict(
        Customer.objects.unrestricted()
        .filter(pk__in=[a1.pk, b1.pk, free.pk])
        .values_list("pk", "aum_wan")
    )
    assert wan == {a1.pk: 2, b1.pk: 7, free.pk: 1}
    staged = sorted(StagedAssets.objects.values_list("customer_id", "fen", "crossed"))
    assert staged == sorted(
        [(a1.pk, 2_500_050, True), (b1.pk, 1_999_999, False), (free.pk, 1_000_000, False)]
    )


def test_assets_refresh_creates_no_assets_row_and_leaves_others_alone(bank):
    # given a1 without an assets row, b1 at 10,000 元 and not listed
    a1, b1 = bank.customer_a1, bank.customer_b1
    CustomerAssets.objects.unrestricted().filter(customer=a1).delete()
    fen, params = _rows((a1.pk, 5_000_000))
    # when
    written = assets_refresh(
        fen=fen.replace("AS value", "AS fen"), staging=StagedAssets, params=params
    )
    # then nothing is written: no row is created for a1, b1 is not listed
    assert written == 0
    assert _assets(a1, b1) == [(b1.pk, Decimal("10000.00"))]
    assert Customer.objects.unrestricted().get(pk=a1.pk).aum_wan == 1
    assert StagedAssets.objects.count() == 0


def test_tiers_set_writes_the_listed_customers_only(bank):
    # given a1 and b1 with a tier change, a1_free without one
    a1, b1, free = bank.customer_a1, bank.customer_b1, bank.customer_a1_free
    before = timezone.now() - dt.timedelta(days=3)
    Customer.objects.unrestricted().filter(pk__in=[a1.pk, b1.pk, free.pk]).update(
        tier="silver", updated_at=before
    )
    tiers, params = _rows((a1.pk, "gold"), (b1.pk, "normal"))
    now = timezone.now()
    # when
    written = tiers_set(tiers=tiers.replace("AS value", "AS tier"), params=params, updated_at=now)
    # then
    assert written == 2
    rows = dict(
        (pk, (tier, updated_at))
        for pk, tier, updated_at in Customer.objects.unrestricted()
        .filter(pk__in=[a1.pk, b1.pk, free.pk])
        .values_list("pk", "tier", "updated_at")
    )
    assert rows == {
        a1.pk: ("gold", now),
        b1.pk: ("normal", now),
        free.pk: ("silver", before),
    }


def test_a_merge_recounts_the_kept_customers_coverage(bank, catalogue):
    # given the kept record with a demand deposit, the duplicate with a fund and a deposit
    keep, duplicate = bank.customer_a1, bank.customer_a1_free
    _holding(keep, "K1", catalogue["D1"])
    _holding(duplicate, "U1", catalogue["F1"])
    _holding(duplicate, "U2", catalogue["D2"])
    Customer.objects.unrestricted().filter(pk__in=[keep.pk, duplicate.pk]).update(
        product_categories=1
    )
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    # when
    kept = customer_merge(actor=bank.head_a1, keep=keep, duplicate=duplicate, reason="同一人")
    # then the saved and the returned record both count deposit and fund
    assert kept.product_categories == 2
    assert Customer.objects.unrestricted().get(pk=keep.pk).product_categories == 2


# Writes of the customers' tables in SQL text: ``UPDATE {customer} ...`` and the like.
_WRITE = re.compile(
    r"(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+\{+(customer|customer_assets)\}", re.IGNORECASE
)


def test_no_other_app_writes_the_customers_tables_in_sql():
    # given the code outside the customers app (tooling and tests aside)
    root = Path(__file__).resolve().parents[2]
    tooling = {"tests", "migrations", "demo", "testing", "bench"}
    sources = [
        path
        for path in root.rglob("*.py")
        if path.relative_to(root).parts[0] != "customers"
        and not tooling.intersection(path.relative_to(root).parts)
        and path.name != "bench.py"
    ]
    # when
    writers = sorted(
        str(path.relative_to(root)) for path in sources if _WRITE.search(path.read_text())
    )
    # then
    assert sources
    assert writers == []
