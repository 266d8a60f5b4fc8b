"""Writing the audit trail. Call inside the transaction of the change being audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from kewei.audit.actions import audit_action
from kewei.audit.models import AuditEvent
from kewei.core.bulk import bulk_insert, db_value
from kewei.core.request_context import (
    current_api_client,
    current_client_ip,
    current_request_id,
)

SYSTEM_ACTOR = "系统"


def _json_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return sorted(_json_value(item) for item in value)
    return value


class Masked(str):
    """A personal value as the trail shows it, masked, which still compares by the value
    in clear: a mobile whose middle digit changed is a change, though both read
    ``138****5678``. Only the mask is ever written (JSON writes a ``str`` subclass as
    its text)."""

    def __new__(cls, shown: str, clear: Any) -> Masked:
        masked = super().__new__(cls, shown)
        masked.clear = clear
        return masked

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Masked):
            return self.clear == other.clear
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` of ``instance``, JSON-safe, personal data masked.

    A model lists its personal fields and their masks in ``audit_masks``
    (``{"mobile": mask_mobile}``); such values never reach the trail in clear.
    """
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        foreign_key = isinstance(field, models.ForeignKey)
        values[name] = getattr(instance, field.attname if foreign_key else name)
    return snapshot_values(type(instance), values)


def snapshot_values(model: type[models.Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`snapshot` of a row known by its values (field name → value, a foreign key
    by its id), without building a model instance: for batches."""
    masks: Mapping[str, Callable[[Any], str]] = getattr(model, "audit_masks", {})
    snapped: dict[str, Any] = {}
    for name, value in values.items():
        value = _json_value(value)
        if name in masks:
            value = Masked(masks[name](value), value)
        snapped[name] = value
    return snapped


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    before, after = before or {}, after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = {"before": old, "after": new}
    return changes


def _actor(actor: Any, actor_label: str | None) -> tuple[int | None, str]:
    """The id and label an event records for ``actor`` (a staff member, or None for the
    system)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_id = actor.pk
        label = actor_label or f"{actor.get_full_name()}（{actor.get_username()}）"
    else:
        actor_id = None
        label = actor_label or SYSTEM_ACTOR
    via = current_api_client()
    if via:
        # A write through the integration API names the token that made it.
        label = f"{label} · {via}"
    return actor_id, label[:120]


def audit_record(
    *,
    actor: Any,
    action: str,
    subject: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str = "",
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``actor`` is a staff member, or None for the system;
    ``action`` a member of an app's registered action enumeration
    (``kewei.audit.actions``): any other is refused with ``ValueError``."""
    action = audit_action(action)
    actor_id, label = _actor(actor, actor_label)
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=label,
        action=action.value,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=str(subject)[:200] if subject is not None else "",
        request_id=current_request_id(),
        client_ip=current_client_ip(),
        changes=diff(before, after),
        note=note,
    )
    event.save(force_insert=True)
    return event


def audit_records(
    *,
    actor: Any,
    action: str,
    model: type[models.Model],
    events: Iterable[tuple[Any, str, str]],
    occurred_at: dt.datetime,
    note: str = "",
    actor_label: str | None = None,
) -> int:
    """Append one event per changed row of ``model``, in one set-based insert: for
    batches. ``events`` are (subject id, subject label, changes as the JSON text of a
    :func:`diff`), the changes already serialised (a batch builds them without model
    instances). Returns the number of events written. ``action`` as for
    :func:`audit_record`."""
    action = audit_action(action).value
    actor_id, label = _actor(actor, actor_label)
    request_id = current_request_id()
    stamp = db_value(AuditEvent, "occurred_at", occurred_at)
    client_ip = db_value(AuditEvent, "client_ip", current_client_ip())
    subject_type = model._meta.label_lower
    return bulk_insert(
        AuditEvent,
        [
            "occurred_at",
            "actor_id",
            "actor_label",
            "action",
            "subject_type",
            "subject_id",
            "subject_label",
            "request_id",
            "client_ip",
            "changes",
            "note",
        ],
        (
            (
                stamp,
                actor_id,
                label,
                action,
                subject_type,
                str(pk),
                subject_label[:200],
                request_id,
                client_ip,
                changes,
                note,
            )
            for pk, subject_label, changes in events
        ),
        prepared=["occurred_at", "client_ip", "changes"],
    )
