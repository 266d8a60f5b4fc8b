"""A day's flows, for the batches that read a whole day (points for card spending).

Flows arrive day by day, so on PostgreSQL a block-range (BRIN) index finds a day's rows
for a few kilobytes of index and next to no cost per loaded row; SQLite has no such
index and gets an ordinary one."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX transaction_booked_range ON products_transaction "
            "USING brin (booked_on)"
        )
    else:
        schema_editor.execute(
            "CREATE INDEX transaction_booked_range ON products_transaction (booked_on)"
        )


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX transaction_booked_range")


class Migration(migrations.Migration):
    dependencies = [("products", "0003_fewer_checks_on_loaded_rows")]
    operations = [migrations.RunPython(forwards, backwards)]
