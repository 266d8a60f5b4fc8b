"""The points ledger is append-only in the database itself (PostgreSQL): a trigger
refuses to update or delete an entry or a lot movement, whoever asks. The accrual's
staging table skips the write-ahead log (it holds rows only inside one batch)."""

from django.db import migrations

TABLES = ("points_pointsentry", "points_pointsspend")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE FUNCTION points_ledger_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '积分流水只能追加，不能修改或删除 / the points ledger is append-only'
                USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql
        """
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only()"
        )
    schema_editor.execute("ALTER TABLE points_stagedaccrual SET UNLOGGED")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION points_ledger_append_only()")
    schema_editor.execute("ALTER TABLE points_stagedaccrual SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
