from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "kewei.products"
    label = "products"
    verbose_name = "产品管理"

    def ready(self) -> None:
        # Registrations: customer page panels, merge handler, search filters, benchmarks.
        from kewei.products import bench, hooks  # noqa: F401
