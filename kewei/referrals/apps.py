from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "kewei.referrals"
    label = "referrals"
    verbose_name = "客户推荐"

    def ready(self) -> None:
        # Registrations: the nightly reward step, the customer page panel.
        from kewei.referrals import hooks  # noqa: F401
