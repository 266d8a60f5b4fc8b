from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kewei.events"
    label = "events"
    verbose_name = "客户活动"

    def ready(self) -> None:
        from kewei.events import hooks  # noqa: F401
