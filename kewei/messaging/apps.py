from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "kewei.messaging"
    label = "messaging"
    verbose_name = "客户短信与邮件"

    def ready(self) -> None:
        # Registrations: suggested messages for care tasks, the nightly dispatch.
        from kewei.messaging import hooks  # noqa: F401
