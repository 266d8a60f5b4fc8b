"""Panels of the customer page (客户视图). Each app adds its own (holdings, points,
contacts, complaints ...) with :func:`register_panel`; the page shows them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PanelContext = Callable[[Any, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str
    title: Any
    template: str
    order: int
    context: PanelContext
    permission: str | None = None


_panels: dict[str, Panel] = {}


def register_panel(name: str, *, title, template: str, order: int, permission: str | None = None):
    def decorator(context: PanelContext) -> PanelContext:
        _panels[name] = Panel(
            name=name,
            title=title,
            template=template,
            order=order,
            context=context,
            permission=permission,
        )
        return context

    return decorator


def panels_for(request, customer) -> list[tuple[Panel, dict[str, Any]]]:
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if panel.permission and not request.user.has_perm(panel.permission):
            continue
        context = panel.context(request, customer)
        if context is not None:
            shown.append((panel, context))
    return shown
