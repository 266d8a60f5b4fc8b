"""On PostgreSQL the feed's staging tables skip the write-ahead log: they hold rows only
inside one load's transaction, and nothing in them needs to survive a crash."""

from django.db import migrations

STAGING = [
    "products_stagedholding",
    "products_stagedbalancechange",
    "products_stagedcustomer",
    "products_stagedtransaction",
    "products_stagedevent",
]


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in STAGING:
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in STAGING:
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]
    operations = [migrations.RunPython(unlogged, logged)]
