"""Default deadlines (first response within 24 hours, resolution within 5 working days
for an ordinary complaint) and who owns each category."""

from django.db import migrations

POLICIES = [("normal", 24, 5, 24), ("serious", 8, 3, 8), ("major", 2, 1, 4)]
ROUTING = [
    ("service", "cm_supervisor"),
    ("fees", "outlet_head"),
    ("product", "cm_supervisor"),
    ("system", "outlet_head"),
    ("waiting", "lobby_manager"),
    ("other", "cm_supervisor"),
]


def create(apps, schema_editor):
    Policy = apps.get_model("complaints", "DeadlinePolicy")
    Routing = apps.get_model("complaints", "RoutingRule")
    for severity, hours, days, second in POLICIES:
        Policy.objects.get_or_create(
            severity=severity,
            defaults={
                "response_hours": hours,
                "resolution_working_days": days,
                "second_escalation_hours": second,
            },
        )
    for category, role in ROUTING:
        Routing.objects.get_or_create(category=category, defaults={"role": role})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
