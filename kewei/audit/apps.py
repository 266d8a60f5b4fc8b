from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.module_loading import module_has_submodule


class AuditConfig(AppConfig):
    name = "kewei.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from kewei.audit import jobs  # noqa: F401  (registers the export job)

        # Each app's enumeration of audited actions (``<app>/actions.py``) registers
        # itself when imported: import them all, so the list is complete from the start.
        for config in apps.get_app_configs():
            if config.name.startswith("kewei.") and module_has_submodule(config.module, "actions"):
                import_module(f"{config.name}.actions")
