from django.db import migrations
from django.db.models import Count

# Which twin of a step task stays: one done (the work it records), else one still open
# (a cancelled twin was most likely cancelled as the duplicate), the oldest first.
KEEP_FIRST = {"done": 0, "open": 1, "cancelled": 2}


def merge_repeated_step_tasks(apps, schema_editor):
    """Before the constraint: a plan step with more than one task (a plan started by
    hand while the night ran) keeps one; messages sent for a twin move to it."""
    Task = apps.get_model("care", "Task")
    Message = apps.get_model("messaging", "Message")
    repeated = (
        Task.objects.filter(plan_run__isnull=False)
        .values("plan_run_id", "subject")
        .annotate(tasks=Count("id"))
        .filter(tasks__gt=1)
        .order_by()
    )
    for group in repeated:
        twins = Task.objects.filter(plan_run_id=group["plan_run_id"], subject=group["subject"])
        kept, *others = sorted(twins, key=lambda task: (KEEP_FIRST.get(task.status, 3), task.pk))
        dropped = [task.pk for task in others]
        Message.objects.filter(task_id__in=dropped).update(task_id=kept.pk)
        Task.objects.filter(pk__in=dropped).delete()


class Migration(migrations.Migration):
    # Its own migration (transaction): PostgreSQL refuses to alter a table with row
    # changes of the same transaction still to be checked.

    dependencies = [
        ("care", "0005_alter_task_reason"),
        ("messaging", "0003_alter_message_options_alter_message_status"),
    ]

    operations = [
        migrations.RunPython(merge_repeated_step_tasks, migrations.RunPython.noop),
    ]
