"""The default five-tier scheme of DOMAIN §3, in force from the start."""

from decimal import Decimal

from django.db import migrations

# (code, name, lower bound in 元, responsible role, requires a manager, contact interval)
DEFAULT_TIERS = [
    ("small", "小客户", Decimal("1000"), "high_counter_teller", False, None),
    ("ordinary", "普通客户", Decimal("50000"), "counter_staff", False, None),
    ("potential", "潜力客户", Decimal("200000"), "customer_manager", False, 90),
    ("vip", "贵宾客户", Decimal("500000"), "customer_manager", True, 60),
    ("major", "大客户", Decimal("3000000"), "outlet_head", True, 30),
]


def create(apps, schema_editor):
    TierScheme = apps.get_model("tiers", "TierScheme")
    Tier = apps.get_model("tiers", "Tier")
    if TierScheme.objects.exists():
        return
    scheme = TierScheme.objects.create(
        code="standard",
        name="五级客户分级（月日均金融资产）",
        measure="month_average",
        basis="customer",
        grace_months=2,
        in_force=True,
    )
    for rank, (code, name, bound, role, manager, interval) in enumerate(DEFAULT_TIERS, 1):
        Tier.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            rank=rank,
            min_aum=bound,
            responsible_role=role,
            requires_manager=manager,
            contact_interval_days=interval,
        )


class Migration(migrations.Migration):
    dependencies = [("tiers", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
