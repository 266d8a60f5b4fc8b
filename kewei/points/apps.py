from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "kewei.points"
    label = "points"
    verbose_name = "积分管理"

    def ready(self) -> None:
        # Registrations: customer page panel, benchmarks.
        from kewei.points import bench, hooks, jobs  # noqa: F401
