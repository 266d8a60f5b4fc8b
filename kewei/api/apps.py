from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kewei.api"
    label = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        # The OpenAPI description's authentication schemes.
        from kewei.api import schema  # noqa: F401
