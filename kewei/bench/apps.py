from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "kewei.bench"
    label = "bench"
    verbose_name = "基准测试"

    def ready(self) -> None:
        from kewei.bench import workloads  # noqa: F401  (registers the workloads)
