from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0006_merge_repeated_plan_step_tasks"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="task",
            constraint=models.UniqueConstraint(
                condition=models.Q(("plan_run__isnull", False)),
                fields=("plan_run", "subject"),
                name="care_task_once_per_plan_step",
            ),
        ),
    ]
