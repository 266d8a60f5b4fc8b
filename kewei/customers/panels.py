"""The customer page (客户视图) as a 360° view, made of what each app contributes:

- panels (holdings, points, contacts, complaints ...), :func:`register_panel`, shown in
  order below the header and reached by its jump links;
- facts for the summary header (积分余额, 待办任务) and alerts (积分即将过期, 本周到期),
  :func:`register_summary`;
- quick actions at the top (记录联系, 发送短信, 积分兑换, 登记投诉),
  :func:`register_quick_action`, each shown only to those with its permission.

The customers app knows none of the other apps: they register from their ``hooks``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kewei.core.registry import Registry
from kewei.customers.models import CustomerStatus

PanelContext = Callable[[Any, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str
    title: Any
    template: str
    order: int
    context: PanelContext
    permission: str | None = None


panels: Registry[Panel] = Registry("customer-page panel", order=lambda p: p.order)


def register_panel(name: str, *, title, template: str, order: int, permission: str | None = None):
    def decorator(context: PanelContext) -> PanelContext:
        panels.add(
            name,
            Panel(
                name=name,
                title=title,
                template=template,
                order=order,
                context=context,
                permission=permission,
            ),
        )
        return context

    return decorator


def panels_for(request, customer) -> list[tuple[Panel, dict[str, Any]]]:
    shown = []
    for panel in panels.entries():
        if panel.permission and not request.user.has_perm(panel.permission):
            continue
        context = panel.context(request, customer)
        if context is not None:
            shown.append((panel, context))
    return shown


# --- the summary header ----------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One fact of the summary header (``积分余额`` ``1,200``) or, ``alert`` set, one to
    act on soon (``积分即将过期`` ``300 积分 · 2026-12-31``). ``panel`` names the panel
    it sums up: the fact links to it."""

    label: Any
    value: Any
    alert: bool = False
    panel: str = ""


SummaryFacts = Callable[[Any, Any], list[Fact]]


@dataclass(frozen=True)
class Summary:
    name: str
    order: int
    facts: SummaryFacts
    permission: str | None = None


summaries: Registry[Summary] = Registry("customer-page summary", order=lambda s: s.order)


def register_summary(name: str, *, order: int, permission: str | None = None):
    """Register a function ``(request, customer) -> [Fact, ...]`` for the header."""

    def decorator(facts: SummaryFacts) -> SummaryFacts:
        summaries.add(name, Summary(name=name, order=order, facts=facts, permission=permission))
        return facts

    return decorator


def summary_for(request, customer) -> tuple[list[Fact], list[Fact]]:
    """The header's facts and its alerts, each in the apps' order."""
    facts: list[Fact] = []
    for summary in summaries.entries():
        if summary.permission and not request.user.has_perm(summary.permission):
            continue
        facts.extend(summary.facts(request, customer))
    return [f for f in facts if not f.alert], [f for f in facts if f.alert]


# --- quick actions ---------------------------------------------------------------------


@dataclass(frozen=True)
class QuickAction:
    name: str
    label: Any
    order: int
    url: Callable[[Any], str]
    permission: str


quick_actions: Registry[QuickAction] = Registry(
    "customer-page quick action", order=lambda a: a.order
)


def register_quick_action(
    name: str, *, label, order: int, url: Callable[[Any], str], permission: str
) -> None:
    """A button at the top of the customer page: ``url(customer)`` is the existing page
    of the action, ``permission`` the one that page requires."""
    quick_actions.add(
        name, QuickAction(name=name, label=label, order=order, url=url, permission=permission)
    )


def quick_actions_for(request, customer) -> list[tuple[QuickAction, str]]:
    """The actions the user may take on ``customer``, with their addresses. A merged
    record takes none: the work goes to the record it was merged into."""
    if customer.status != CustomerStatus.ACTIVE:
        return []
    return [
        (action, action.url(customer))
        for action in quick_actions.entries()
        if request.user.has_perm(action.permission)
    ]


def once_per_page(request, key: str, read: Callable[[], Any]) -> Any:
    """What an app's panel and its summary facts both show, read once per page view:
    ``read()`` the first time, the same value after (``key`` names the customer too)."""
    cache = request.__dict__.setdefault("_kewei_customer_page", {})
    if key not in cache:
        cache[key] = read()
    return cache[key]
