from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "kewei.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        # Registration: the nightly pruning of expired exports and uploads.
        from kewei.jobs import hooks  # noqa: F401
