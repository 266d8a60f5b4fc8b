from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrganisationConfig(AppConfig):
    name = "kewei.organisation"
    label = "organisation"
    verbose_name = "机构与用户"

    def ready(self) -> None:
        from kewei.organisation import auth_events  # noqa: F401  (login audit receivers)
        from kewei.organisation.roles import sync_roles

        # Roles are groups whose default permissions are defined in code; they are
        # (re)created after every migrate, once all apps' permissions exist.
        post_migrate.connect(sync_roles, dispatch_uid="kewei.organisation.sync_roles")
