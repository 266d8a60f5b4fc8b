"""What the management commands share."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def parse_date(value: str) -> dt.date:
    """A command-line date (YYYY-MM-DD), refused with a message in both languages."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期应为 YYYY-MM-DD / date must be YYYY-MM-DD: {value}") from None
