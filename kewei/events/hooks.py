"""How client events plug into the rest: the customer page's events and audit labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kewei.customers.panels import register_panel
from kewei.events import selectors


@register_panel(
    "events",
    title=gettext_lazy("客户活动"),
    template="events/panel.html",
    order=13,
    permission="events.view_clientevent",
)
def _events(request, customer):
    invitations = list(selectors.events_of(customer)[:10])
    return {"invitations": invitations} if invitations else None
