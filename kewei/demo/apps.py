from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kewei.demo"
    label = "demo"
    verbose_name = "演示数据"

    def ready(self) -> None:
        from kewei.demo import (  # noqa: F401  (seeders)
            analytics,
            api,
            care,
            customers,
            engagement,
            organisation,
            points,
            products,
        )
