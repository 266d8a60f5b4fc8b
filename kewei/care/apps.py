from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "kewei.care"
    label = "care"
    verbose_name = "客户关怀"

    def ready(self) -> None:
        # Registrations: nightly step, customer page panel, merge handler, benchmarks.
        from kewei.care import bench, hooks  # noqa: F401
