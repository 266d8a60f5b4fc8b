"""Business-rule refusals. The message is shown to the user as it is."""

from django.core.exceptions import ValidationError


class OrganisationError(ValidationError):
    """A change to the organisation that its rules refuse."""
