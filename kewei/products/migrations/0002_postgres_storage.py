"""PostgreSQL storage settings for the daily feed.

The staging tables skip the write-ahead log: they hold rows only inside one load's
transaction, and nothing in them needs to survive a crash. Holdings leave room on each
page, so that the daily change of a balance (a column no index covers) is a heap-only
update that touches no index.
"""

from django.db import migrations

STAGING = [
    "products_stagedholding",
    "products_stagedbalancechange",
    "products_stagedcustomer",
    "products_stagedtransaction",
    "products_stagedevent",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in STAGING:
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET UNLOGGED")
        schema_editor.execute("ALTER TABLE products_holding SET (fillfactor = 85)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in STAGING:
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET LOGGED")
        schema_editor.execute("ALTER TABLE products_holding RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
