"""The date fields a date rule can be built on (any date field plus an offset): each an
Ibis table of rows carrying a date, read set-based by ``care_run``.

A new kind of date reminder needs no code when its field is here; a new field is one
entry in :data:`DATE_SOURCES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kewei.customers.models import Customer, FamilyMember
from kewei.engine.schemas import table as ibis_table
from kewei.products.models import Holding, HoldingStatus, Product
from kewei.tiers.models import VipCard


@dataclass(frozen=True)
class DateSource:
    code: str
    label: Promise
    # Anniversaries (birthdays) recur every year: rows give ``month`` and ``day``.
    annual: bool
    rows: Callable[[], ibis.Table]


def _customer_birthdays() -> ibis.Table:
    customers = ibis_table(Customer)
    return customers.select(
        customer_id=customers.id,
        object_id=customers.id,
        month=customers.birth_month,
        day=customers.birth_day,
        note=ibis.literal(""),
    )


def _family_birthdays() -> ibis.Table:
    family = ibis_table(FamilyMember)
    known = family.filter(family.birthday.notnull())
    return known.select(
        customer_id=known.customer_id,
        object_id=known.id,
        month=known.birthday.month(),
        day=known.birthday.day(),
        note=known.name,
    )


def _holding_dates(column: str, open_only: bool) -> Callable[[], ibis.Table]:
    def rows() -> ibis.Table:
        holdings = ibis_table(Holding)
        if open_only:
            holdings = holdings.filter(holdings.status == HoldingStatus.OPEN)
        holdings = holdings.filter(holdings[column].notnull())
        products = ibis_table(Product).select(key=ibis._.id, category=ibis._.category)
        joined = holdings.join(products, holdings.product_id == products.key)
        return joined.select(
            customer_id=joined.customer_id,
            object_id=joined.id,
            on=joined[column],
            product_id=joined.product_id,
            category=joined.category,
            note=ibis.literal(""),
        )

    return rows


def _vip_cards() -> ibis.Table:
    """Each customer's latest VIP card (a renewed card's old end is no occasion)."""
    cards = ibis_table(VipCard)
    latest = cards.group_by("customer_id").aggregate(last=cards.valid_until.max())
    current = cards.join(
        latest,
        (cards.customer_id == latest.customer_id) & (cards.valid_until == latest["last"]),
    )
    return current.select(
        customer_id=current.customer_id,
        object_id=current.id,
        on=current.valid_until,
        product_id=ibis.null("int64"),
        category=ibis.null("string"),
        note=current.tier,
    )


DATE_SOURCES: dict[str, DateSource] = {
    source.code: source
    for source in [
        DateSource("customer.birthday", _("客户生日"), True, _customer_birthdays),
        DateSource("family.birthday", _("家庭成员生日"), True, _family_birthdays),
        DateSource(
            "holding.matures_on", _("产品到期日"), False, _holding_dates("matures_on", True)
        ),
        DateSource(
            "holding.opened_on", _("购买/开户日"), False, _holding_dates("opened_on", False)
        ),
        DateSource("vip_card.valid_until", _("贵宾卡有效期截止日"), False, _vip_cards),
    ]
}


def source_choices() -> list[tuple[str, Promise]]:
    return [(code, source.label) for code, source in DATE_SOURCES.items()]
