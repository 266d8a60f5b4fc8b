"""An audit event's changes as people read them: the field's name (its ``verbose_name``)
rather than ``channel``, the choice's label rather than ``phone``, yes/no, the name of a
related row rather than its id.

The fields of an event are looked up on the model of its action (``customers.consent.record``
→ ``customers.Consent``; an app names another with :func:`register_change_model`), then on
the model of its subject. Values a model's field does not explain (a tier code, a
template's code) are shown by the function registered with :func:`register_value_display`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.core.registry import Registry

# Action (or its leading parts) → "app_label.Model" whose fields the changes are.
_CHANGE_MODELS: Registry[str] = Registry("audit change model")
for _action, _label in {
    "customers.customer": "customers.Customer",
    "customers.family": "customers.FamilyMember",
    "customers.relationship": "customers.CustomerRelationship",
    "customers.profile": "customers.CustomerProfile",
    "customers.tags": "customers.Customer",
    "customers.household": "customers.Customer",
    "points.redeem": "points.Redemption",
    "points.adjust": "points.Adjustment",
    "events.reply": "events.Guest",
    "messaging.delivery": "messaging.Message",
    "care.plan": "care.PlanRun",
}.items():
    _CHANGE_MODELS.add(_action, _label)
# A key no field explains: its label.
_KEY_LABELS: dict[str, Any] = {
    "granted": gettext_lazy("同意"),
    "other": gettext_lazy("关系客户"),
    "redemption": gettext_lazy("兑换单号"),
    "adjustment": gettext_lazy("调整单"),
    "message": gettext_lazy("消息"),
    "role": gettext_lazy("负责岗位"),
    "field": gettext_lazy("字段"),
    "points": gettext_lazy("积分"),
}
# (model label, field name) → a function from the stored value to its text.
# Named "app_label.Model.field".
_VALUE_DISPLAYS: Registry[Callable[[Any], Any]] = Registry("audit value display")


def register_change_model(action: str, model_label: str) -> None:
    """The changes of ``action`` (or of every action starting with it and a dot) are
    fields of ``model_label`` (``"events.Guest"``)."""
    _CHANGE_MODELS.add(action, model_label)


def register_value_display(model_label: str, field: str, show: Callable[[Any], Any]) -> None:
    """Show the values of ``model_label.field`` through ``show`` (a code → its name)."""
    _VALUE_DISPLAYS.add(f"{model_label}.{field}", show)


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: Any
    after: Any


def _model(label: str | None) -> type[models.Model] | None:
    if not label or "." not in label:
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _models_of(action: str, subject_type: str) -> list[type[models.Model]]:
    parts = action.split(".")
    found = []
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        if prefix in _CHANGE_MODELS:
            found.append(_model(_CHANGE_MODELS.get(prefix)))
            break
    if len(parts) >= 2:
        found.append(_model(f"{parts[0]}.{parts[1]}"))
    found.append(_model(subject_type))
    return list(dict.fromkeys(model for model in found if model is not None))


def _field(models_: Iterable[type[models.Model]], name: str):
    for model in models_:
        try:
            return model, model._meta.get_field(name)
        except FieldDoesNotExist:
            pass
    return None, None


def _related_text(field, value: Any) -> Any:
    related = field.related_model
    lookups = [{"pk": value}] if isinstance(value, int) else []
    if isinstance(value, str):
        if value.isdigit():
            lookups.append({"pk": int(value)})
        if any(f.name == "code" for f in related._meta.get_fields()):
            lookups.append({"code": value})
    for lookup in lookups:
        # The user's own data scope applies: a customer they may not see stays an id.
        row = related._default_manager.filter(**lookup).first()
        if row is not None:
            return str(row)
    return value


def _value(model, field, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        shown = [_value(model, field, item) for item in value]
        return "、".join(str(item) for item in shown if item is not None) or None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is None:
        return value
    display = f"{model._meta.label}.{field.name}"
    if display in _VALUE_DISPLAYS:
        return _VALUE_DISPLAYS.get(display)(value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation and field.many_to_one:
        return _related_text(field, value)
    return value


def change_rows(event) -> list[ChangeRow]:
    """The rows of ``event.changes``, labelled and with their values shown."""
    candidates = _models_of(event.action, event.subject_type)
    rows = []
    for name, change in (event.changes or {}).items():
        model, field = _field(candidates, name)
        label = field.verbose_name if field is not None and hasattr(field, "verbose_name") else None
        if label is None or (field is not None and label == field.name.replace("_", " ")):
            label = _KEY_LABELS.get(name, label or name)
        rows.append(
            ChangeRow(
                label=str(label),
                before=_value(model, field, change.get("before")),
                after=_value(model, field, change.get("after")),
            )
        )
    return rows
