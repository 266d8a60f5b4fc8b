"""Template filters for money and masked personal data; loaded as builtins."""

from django import template

from kewei.core import masking, money

register = template.Library()

register.filter("yuan", money.format_yuan)
register.filter("wanyuan", money.format_wanyuan)
register.filter("money", money.format_money)
register.filter("fen_yuan", money.yuan)  # integer 分 to 元
register.filter("mask_id_number", masking.mask_id_number)
register.filter("mask_mobile", masking.mask_mobile)
register.filter("mask_address", masking.mask_address)


@register.filter
def get_item(mapping, key):
    """``{{ labels|get_item:code }}``: look a key up in a dict."""
    return mapping.get(key) if hasattr(mapping, "get") else None
