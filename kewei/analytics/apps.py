from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "kewei.analytics"
    label = "analytics"
    verbose_name = "客户分析"

    def ready(self) -> None:
        # Registrations: the nightly step, merge handler, benchmarks.
        from kewei.analytics import bench, hooks, search  # noqa: F401
