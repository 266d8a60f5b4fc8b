"""Model fields for personal data."""

from __future__ import annotations

from django.db import models

from kewei.core import crypto


class EncryptedTextField(models.TextField):
    """Stores text encrypted (AES-256-GCM); Python code sees the plain value.

    Encrypted values cannot be filtered or sorted in SQL: search goes through a blind
    index column kept beside the field by the service that writes it.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else crypto.decrypt(value)

    def get_prep_value(self, value):
        if hasattr(value, "resolve_expression"):
            return value  # an expression (bulk_update's CASE): its values are prepared
        value = super().get_prep_value(value)
        return value if value in (None, "") else crypto.encrypt(value)
