from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tiers", "0004_merge_repeated_tier_runs"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="tierrun",
            constraint=models.UniqueConstraint(
                fields=("scheme", "day"), name="tier_run_once_a_day"
            ),
        ),
    ]
