"""Sign-in and sign-out go to the audit trail (Django announces them only by signal)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from kewei.audit.services import audit_record
from kewei.organisation.actions import OrganisationAction


@receiver(user_logged_in, dispatch_uid="kewei.audit.login")
def _audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=OrganisationAction.AUTH_LOGIN, subject=user)


@receiver(user_logged_out, dispatch_uid="kewei.audit.logout")
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=OrganisationAction.AUTH_LOGOUT, subject=user)
