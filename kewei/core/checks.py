"""System checks that keep the data-scope mechanism in force."""

from django.apps import apps
from django.core import checks

from kewei.core.scope import ScopedManager, ScopedModel


@checks.register()
def scoped_models_use_scoped_manager(app_configs, **kwargs):
    errors = []
    for model in apps.get_models():
        if issubclass(model, ScopedModel) and not isinstance(model._default_manager, ScopedManager):
            errors.append(
                checks.Error(
                    f"{model._meta.label} holds scoped data but its default manager does not "
                    "apply the data scope.",
                    id="kewei.E001",
                    obj=model,
                )
            )
    return errors
