"""The given name (名) of every customer, for the search by the given name alone."""

from django.db import migrations, models

BATCH = 2000


def fill_given_name(apps, schema_editor):
    # The same reading as new customers get (the surname table of customers.identity).
    from kewei.customers.identity import given_name

    customer = apps.get_model("customers", "Customer")
    rows = customer.objects.using(schema_editor.connection.alias)
    last_pk = 0
    while True:
        batch = list(rows.filter(pk__gt=last_pk).order_by("pk").only("pk", "name")[:BATCH])
        if not batch:
            return
        for row in batch:
            row.given_name = given_name(row.name)
        rows.bulk_update(batch, ["given_name"], batch_size=BATCH)
        last_pk = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0012_customer_mobile_last_four"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="given_name",
            field=models.CharField(default="", editable=False, max_length=50, verbose_name="名"),
        ),
        migrations.RunPython(fill_given_name, migrations.RunPython.noop, elidable=True),
        # After the fill: one index build, not one entry update per row.
        migrations.AlterField(
            model_name="customer",
            name="given_name",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=50, verbose_name="名"
            ),
        ),
    ]
