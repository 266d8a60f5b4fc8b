"""Searching the audit trail (auditor only)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from kewei.audit.models import AuditEvent


def audit_search(
    *,
    person: str = "",
    subject: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Events by person (name, login name or staff id), object, action and date range."""
    events = AuditEvent.objects.all()
    if person:
        condition = Q(actor_label__icontains=person)
        if person.isdigit():
            condition |= Q(actor_id=int(person))
        events = events.filter(condition)
    if subject:
        condition = Q(subject_label__icontains=subject) | Q(subject_type=subject)
        if ":" in subject:
            subject_type, _, subject_id = subject.partition(":")
            condition |= Q(subject_type=subject_type, subject_id=subject_id)
        events = events.filter(condition)
    if action:
        events = events.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(
            occurred_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
        )
    if date_to:
        events = events.filter(
            occurred_at__lt=dt.datetime.combine(
                date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        )
    return events.order_by("-occurred_at", "-id")
