from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kewei.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from kewei.audit import jobs  # noqa: F401  (registers the export job)
