"""Searches order and filter customers by their assets in whole 万元, a copy on the
customer row that is rewritten only when a customer's assets cross a 万元
(``customers.services.assets_set``). The assets row keeps the exact figure, with no index
on it: the feed's daily update of a quarter of all customers is heap-only there
(PostgreSQL leaves room on each page for it).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    wan = "floor(a.aum / 10000)" if postgres else "CAST(a.aum / 10000 AS INTEGER)"
    schema_editor.execute(
        f"UPDATE customers_customer SET aum_wan = (SELECT {wan} FROM customers_customerassets a"
        " WHERE a.customer_id = customers_customer.id) WHERE EXISTS (SELECT 1 FROM"
        " customers_customerassets a WHERE a.customer_id = customers_customer.id"
        " AND a.aum >= 10000)"
    )
    if postgres:
        schema_editor.execute("ALTER TABLE customers_customerassets SET (fillfactor = 85)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE customers_customerassets RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_customer_assets'),
        ('organisation', '0002_rolegrant'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='customer',
            name='customer_department_status',
        ),
        migrations.AddField(
            model_name='customer',
            name='aum_wan',
            field=models.BigIntegerField(db_default=0, default=0, editable=False, verbose_name='金融资产（万元，取整）'),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name='customer',
            name='responsible_manager',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='book', to=settings.AUTH_USER_MODEL, verbose_name='客户经理'),
        ),
        migrations.AlterField(
            model_name='customerassets',
            name='aum',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18, verbose_name='金融资产'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['responsible_manager', 'aum_wan'], name='customer_manager_aum'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['department', 'status', 'aum_wan'], name='customer_department_aum'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['aum_wan'], name='customer_aum'),
        ),
    ]
