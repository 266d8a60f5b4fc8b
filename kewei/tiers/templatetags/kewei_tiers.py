"""``{% tier_name customer.tier %}``: a tier code shown by its name in the scheme in force
(looked up once per page, however many rows show a tier)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from kewei.tiers.selectors import tier_names

register = template.Library()


def _names(context) -> dict[str, str]:
    # The render context's first scope lives as long as the whole page: each included
    # template (a row of a list) pushes a scope of its own, which ends with it.
    cache = context.render_context.dicts[0]
    if "kewei_tier_names" not in cache:
        cache["kewei_tier_names"] = tier_names()
    return cache["kewei_tier_names"]


@register.simple_tag(takes_context=True)
def tier_name(context, code: str) -> str:
    if not code:
        return _("未分级")
    return _names(context).get(code, code)


@register.simple_tag(takes_context=True)
def tier_choices(context) -> list[tuple[str, str]]:
    """(code, name) of the tiers in force, lowest first, for a search filter."""
    return list(_names(context).items())
