from django.apps import AppConfig


class TiersConfig(AppConfig):
    name = "kewei.tiers"
    label = "tiers"
    verbose_name = "客户分级"

    def ready(self) -> None:
        # Registrations: nightly step, assignment rule, customer page panel, benchmarks.
        from kewei.tiers import bench, hooks  # noqa: F401
