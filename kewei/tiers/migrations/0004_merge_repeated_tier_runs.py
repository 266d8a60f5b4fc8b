from django.db import migrations
from django.db.models import Count


def merge_repeated_runs(apps, schema_editor):
    """Before the constraint: the re-runs of a day (0 changes each, unless the day's data
    changed in between) fold into the day's first run, their changes added up."""
    TierRun = apps.get_model("tiers", "TierRun")
    repeated = (
        TierRun.objects.values("scheme_id", "day")
        .annotate(runs=Count("id"))
        .filter(runs__gt=1)
        .order_by()
    )
    for group in repeated:
        runs = list(
            TierRun.objects.filter(scheme_id=group["scheme_id"], day=group["day"]).order_by("id")
        )
        first, later = runs[0], runs[1:]
        first.upgrades = sum(run.upgrades for run in runs)
        first.downgrades = sum(run.downgrades for run in runs)
        first.evaluated = max(run.evaluated for run in runs)
        first.finished_at = max(run.finished_at for run in runs)
        first.save(update_fields=["upgrades", "downgrades", "evaluated", "finished_at"])
        TierRun.objects.filter(pk__in=[run.pk for run in later]).delete()


class Migration(migrations.Migration):
    # Its own migration (transaction): PostgreSQL refuses to alter a table with row
    # changes of the same transaction still to be checked.

    dependencies = [
        ("tiers", "0003_vip_cards"),
    ]

    operations = [
        migrations.RunPython(merge_repeated_runs, migrations.RunPython.noop),
    ]
