"""The audited actions (审计操作), declared by each app as an enumeration.

Every app that writes audit events declares its actions in its own ``actions.py``, as
one ``models.TextChoices`` subclass named for the app (``PointsAction``,
``TiersAction`` ...): the member's value is the code stored in ``AuditEvent.action``
(``"points.redeem"``, never to change: the trail keeps old rows), its label the Chinese
name the audit pages show (``积分兑换``, translated like any other text). The class is
registered with :func:`register_actions` (a class decorator), and the audit app imports
every installed app's ``actions`` module when it starts (``AuditConfig.ready``), so the
list of actions is complete before the first page or command.

Services pass the member, ``audit_record(action=PointsAction.REDEEM, ...)``.
:func:`audit_action` refuses a code that no registered enumeration declares, in every
environment: an action without a label fails its first test instead of showing as a
raw code and missing from the auditor's filter. The filter form, the list and detail
pages, the customer's history and the export read labels through :func:`action_label`
and :func:`action_choices`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.core.registry import Registry

ActionEnum = TypeVar("ActionEnum", bound=type[models.TextChoices])

enumerations: Registry[type[models.TextChoices]] = Registry("audit action enumeration")


def register_actions(enumeration: ActionEnum) -> ActionEnum:
    """Register an app's enumeration of audited actions (a class decorator). A code that
    another registered enumeration already declares is refused."""
    name = f"{enumeration.__module__}.{enumeration.__qualname__}"
    for other_name, other in enumerations.items():
        if other_name == name:
            continue
        shared = set(other.values) & set(enumeration.values)
        if shared:
            raise ValueError(
                f"audit action(s) {', '.join(sorted(shared))} of {name} are already "
                f"declared by {other_name}"
            )
    enumerations.add(name, enumeration)
    return enumeration


def action_members() -> Iterator[models.TextChoices]:
    """Every registered action, enumeration by enumeration."""
    for enumeration in enumerations.entries():
        yield from enumeration


def audit_action(action: str) -> models.TextChoices:
    """The registered member for ``action`` (a member, or its code); ``ValueError`` when
    no registered enumeration declares it."""
    for member in action_members():
        if member.value == action:
            return member
    raise ValueError(
        f"audit action {action!r} is not a member of a registered audit action "
        "enumeration: declare it, with its label, in its app's actions.py "
        "(a models.TextChoices registered with kewei.audit.actions.register_actions)"
    )


def action_label(action: str) -> str:
    """The label of ``action``; the code itself for a code no longer declared (an old
    row of an action since removed)."""
    for member in action_members():
        if member.value == action:
            return str(member.label)
    return action


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered action: the audit filter's choices."""
    return [(member.value, member.label) for member in action_members()]


class _ActionLabels(Mapping[str, str]):
    """Code → label of every registered action, read-only and always current (it reads
    the registered enumerations)."""

    def __getitem__(self, action: str) -> str:
        for member in action_members():
            if member.value == action:
                return member.label
        raise KeyError(action)

    def __iter__(self) -> Iterator[str]:
        return (member.value for member in action_members())

    def __len__(self) -> int:
        return sum(len(enumeration) for enumeration in enumerations.entries())


ACTION_LABELS: Mapping[str, str] = _ActionLabels()


@register_actions
class AuditAction(models.TextChoices):
    EXPORT = "audit.export", _("导出审计日志")
