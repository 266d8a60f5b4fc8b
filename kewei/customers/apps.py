from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kewei.customers"
    label = "customers"
    verbose_name = "客户管理"

    def ready(self) -> None:
        # Registrations: department closure blocker and page panels, page jobs, benchmarks.
        from kewei.customers import bench, hooks, jobs  # noqa: F401
