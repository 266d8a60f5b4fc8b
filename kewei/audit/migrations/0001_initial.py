# Generated for Kewei; the PostgreSQL trigger makes the trail append-only.

import django.utils.timezone
from django.db import migrations, models

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION kewei_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION kewei_refuse_change();
"""
DROP_SQL = "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;"


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("occurred_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间")),
                ("actor_id", models.BigIntegerField(blank=True, null=True, verbose_name="操作人ID")),
                ("actor_label", models.CharField(max_length=120, verbose_name="操作人")),
                ("action", models.CharField(max_length=80, verbose_name="操作")),
                ("subject_type", models.CharField(blank=True, max_length=80, verbose_name="对象类型")),
                ("subject_id", models.CharField(blank=True, max_length=64, verbose_name="对象ID")),
                ("subject_label", models.CharField(blank=True, max_length=200, verbose_name="对象")),
                ("request_id", models.CharField(blank=True, max_length=64, verbose_name="请求ID")),
                ("client_ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="来源地址")),
                ("changes", models.JSONField(blank=True, default=dict, verbose_name="变更内容")),
                ("note", models.TextField(blank=True, verbose_name="说明")),
            ],
            options={
                "verbose_name": "审计事件",
                "verbose_name_plural": "审计事件",
                "ordering": ["-occurred_at", "-id"],
                "indexes": [
                    models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time"),
                    models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
                    models.Index(fields=["action", "occurred_at"], name="audit_action_time"),
                ],
            },
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
