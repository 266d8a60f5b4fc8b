"""Reads of the tiers: the scheme in force, a customer's tier and its history, the
customers waiting for a manager, and the potential VIPs."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from kewei.customers import selectors as customer_selectors
from kewei.customers.models import Customer, CustomerStatus
from kewei.organisation.models import Staff
from kewei.tiers.models import PotentialVip, PotentialVipStatus, Tier, TierChange, TierScheme


def scheme_in_force() -> TierScheme | None:
    return TierScheme.objects.filter(in_force=True).first()


def tiers_in_force() -> dict[str, Tier]:
    """The tiers of the scheme in force, by code."""
    return {
        tier.code: tier
        for tier in Tier.objects.filter(scheme__in_force=True).select_related("scheme")
    }


def tier_of(customer: Customer) -> Tier | None:
    if not customer.tier:
        return None
    return Tier.objects.filter(scheme__in_force=True, code=customer.tier).first()


def tier_names() -> dict[str, str]:
    """Tier codes to names (of the scheme in force), for lists and choices."""
    return {code: tier.label for code, tier in tiers_in_force().items()}


def tier_history(customer: Customer) -> QuerySet[TierChange]:
    return TierChange.objects.filter(customer=customer).order_by("-evaluated_on", "-id")


def tier_requires_manager(customer: Customer) -> bool:
    tier = tier_of(customer)
    return tier is not None and tier.requires_manager


def codes_needing_assignment() -> list[str]:
    return [code for code, tier in tiers_in_force().items() if tier.needs_assignment]


def customers_to_assign() -> QuerySet[Customer]:
    """Active customers of a tier looked after by customer managers who have none (in
    the user's scope, largest first): the outlet head's "to assign" list (待分配)."""
    return (
        Customer.objects.filter(
            status=CustomerStatus.ACTIVE,
            responsible_manager__isnull=True,
            tier__in=codes_needing_assignment(),
        )
        .select_related("assets", "department")
        .order_by("-aum_wan", "pk")
    )


def assignable_managers() -> QuerySet[Staff]:
    """Who may be given the waiting customers (the customers' rule,
    ``customers.selectors.assignable_managers``), with their book's size and assets (to
    suggest a balanced assignment)."""
    return customer_selectors.assignable_managers().annotate(
        book_size=Count("book", distinct=True),
        book_aum=Sum("book__assets__aum", default=Decimal(0)),
    )


def potential_vips(*, status: str = PotentialVipStatus.OPEN) -> QuerySet[PotentialVip]:
    return (
        PotentialVip.objects.filter(status=status)
        .select_related("customer", "customer__department", "customer__responsible_manager")
        .order_by("-flagged_on", "-amount")
    )
