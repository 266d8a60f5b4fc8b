"""The error of the customer archive's services."""

from django.core.exceptions import ValidationError


class CustomerError(ValidationError):
    """A change to the archive that its rules refuse; the message is shown as it is."""
