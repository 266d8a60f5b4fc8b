from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "kewei.complaints"
    label = "complaints"
    verbose_name = "客户投诉"

    def ready(self) -> None:
        # Registrations: the customer page panel, the escalation step, merges.
        from kewei.complaints import hooks  # noqa: F401
