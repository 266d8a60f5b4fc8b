"""The English name of a tier, filled in for the default scheme's tiers that still have
their default Chinese names."""

from django.db import migrations, models

DEFAULT_NAMES_EN = {
    ("small", "小客户"): "Small",
    ("ordinary", "普通客户"): "Ordinary",
    ("potential", "潜力客户"): "Potential",
    ("vip", "贵宾客户"): "VIP",
    ("major", "大客户"): "Major",
}


def fill(apps, schema_editor):
    Tier = apps.get_model("tiers", "Tier")
    for (code, name), name_en in DEFAULT_NAMES_EN.items():
        Tier.objects.filter(code=code, name=name, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [("tiers", "0005_tier_run_once_a_day")]

    operations = [
        migrations.AddField(
            model_name="tier",
            name="name_en",
            field=models.CharField(
                blank=True,
                help_text="英文界面显示的等级名称；留空则显示中文名称。",
                max_length=50,
                verbose_name="英文名称",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
