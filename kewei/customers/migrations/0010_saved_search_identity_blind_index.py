"""Saved searches kept an ID number or a mobile searched for in clear (in ``text``);
they now keep its blind indexes, as every new saved search does."""

from django.db import migrations


def identities_to_blind_indexes(apps, schema_editor):
    # The search engine's own reading of the text, so that the saved search finds the
    # same customers after the migration as before.
    from kewei.customers.selectors import identity_params

    saved_search = apps.get_model("customers", "SavedSearch")
    for saved in saved_search.objects.all().only("pk", "params"):
        params = dict(saved.params or {})
        text = params.get("text", "")
        if isinstance(text, list):
            text = text[0] if text else ""
        identity = identity_params(str(text).strip())
        if identity is None:
            continue
        del params["text"]
        params.update(identity)
        saved_search.objects.filter(pk=saved.pk).update(params=params)


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_customer_email")]

    operations = [
        migrations.RunPython(identities_to_blind_indexes, migrations.RunPython.noop),
    ]
