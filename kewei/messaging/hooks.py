"""How messaging plugs into the rest: the suggested message of a care task, the
customer page's messages, and the audit labels."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from kewei.care.suggestions import register_suggester
from kewei.customers.panels import register_panel, register_quick_action
from kewei.messaging import rendering, selectors, services


def _suggest(task, staff) -> str:
    """The SMS template of the task's occasion, filled in for its customer."""
    occasion = (task.rule.occasion if task.rule_id else "") or "greeting"
    # One lookup per occasion per request (the user object lives as long as the request).
    templates = staff.__dict__.setdefault("_kewei_sms_templates", {})
    if occasion not in templates:
        templates[occasion] = selectors.template_for(occasion)
    template = templates[occasion]
    if template is None:
        return ""
    text = rendering.render(template.body, services.values_for(task.customer, staff, task))
    return rendering.signed(text, channel=template.channel, marketing=template.marketing)


register_suggester(_suggest)


@register_panel(
    "messages",
    title=gettext_lazy("短信与邮件"),
    template="messaging/panels/messages.html",
    order=9,
    permission="messaging.view_message",
)
def _messages(request, customer):
    return {"messages": list(selectors.messages_of(customer)[:10])}


register_quick_action(
    "messaging.compose",
    label=gettext_lazy("发送短信"),
    order=20,
    url=lambda customer: reverse("messaging:compose", args=[customer.pk]),
    permission="messaging.send_message",
)
