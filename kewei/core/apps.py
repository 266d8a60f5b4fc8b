from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kewei.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from kewei.core import checks  # noqa: F401  (registers system checks)
