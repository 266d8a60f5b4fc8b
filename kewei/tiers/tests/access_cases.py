import datetime as dt

from django.urls import reverse

from kewei.testing.access import AccessCase
from kewei.tiers.models import PotentialVip, Tier, TierScheme

MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
RETAIL_A, ADMIN, HEAD_A1 = (lambda b: b.retail_a), (lambda b: b.admin), (lambda b: b.head_a1)


def _scheme(name):
    return lambda bank: reverse(f"tiers:{name}", args=[TierScheme.objects.get(in_force=True).pk])


def _tier(bank):
    return reverse("tiers:tier_update", args=[Tier.objects.get(code="vip").pk])


def _copy(name):
    def url(bank):
        from kewei.tiers.services import scheme_copy

        copy = scheme_copy(actor=None, scheme=TierScheme.objects.get(in_force=True))
        return reverse(f"tiers:{name}", args=[copy.pk])

    return url


def _copied_tier(bank):
    from kewei.tiers.services import scheme_copy

    copy = scheme_copy(actor=None, scheme=TierScheme.objects.get(in_force=True))
    return reverse("tiers:tier_delete", args=[copy.tiers.get(code="small").pk])


def _flag(bank):
    flag = PotentialVip.objects.unrestricted().create(
        customer=bank.customer_a1, flagged_on=dt.date(2026, 11, 16), amount=10_000_000
    )
    return reverse("tiers:potential_vip_follow", args=[flag.pk])


CASES = [
    # Schemes: the retail banking department keeps them; others may only read.
    AccessCase(
        "tiers:scheme_list",
        lambda b: reverse("tiers:scheme_list"),
        allowed=HEAD_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "tiers:scheme_update",
        _scheme("scheme_update"),
        allowed=RETAIL_A,
        denied=HEAD_A1,
        denied_status=403,
    ),
    AccessCase(
        "tiers:scheme_copy",
        _scheme("scheme_copy"),
        method="post",
        allowed=RETAIL_A,
        denied=HEAD_A1,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "tiers:scheme_in_force",
        _scheme("scheme_in_force"),
        method="post",
        allowed=RETAIL_A,
        denied=ADMIN,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "tiers:tier_update",
        _tier,
        allowed=RETAIL_A,
        denied=HEAD_A1,
        denied_status=403,
    ),
    AccessCase(
        "tiers:tier_create",
        _copy("tier_create"),
        allowed=RETAIL_A,
        denied=HEAD_A1,
        denied_status=403,
    ),
    AccessCase(
        "tiers:tier_delete",
        _copied_tier,
        method="post",
        allowed=RETAIL_A,
        denied=HEAD_A1,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "tiers:to_assign",
        lambda b: reverse("tiers:to_assign"),
        allowed=HEAD_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "tiers:potential_vip_list",
        lambda b: reverse("tiers:potential_vip_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    # A flag of another outlet's customer is not found.
    AccessCase(
        "tiers:potential_vip_follow",
        _flag,
        method="post",
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        denied_status=404,
        allowed_status=302,
    ),
]
