from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kewei.customers"
    label = "customers"
    verbose_name = "客户管理"

    def ready(self) -> None:
        from kewei.customers import hooks  # noqa: F401  (closure blocker, panels, jobs)
