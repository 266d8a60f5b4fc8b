"""Messages in both languages: the English of a Chinese message that was already
interpolated (``"积分不足：需要 40 积分，可用 12 积分。"`` →
``"Not enough points: 40 needed, 12 available."``).

Kewei's message ids are its Chinese texts, so a message made while Chinese is active is
the message id itself, or the id with its ``%(name)s`` placeholders filled in. The first
is a lookup in the English catalogue; the second is matched against each placeholder id
turned into a pattern, and the English text is filled in with the same values. A message
with no English translation is returned as it is.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import trans_real

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]")


@functools.cache
def _catalogue() -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    catalogue = trans_real.translation("en")._catalog
    exact: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for key in catalogue.keys():
        if not isinstance(key, str) or "\x04" in key:  # plural forms, contexts
            continue
        english = catalogue[key]
        if not english:
            continue
        exact[key] = english
        if _PLACEHOLDER.search(key):
            parts, names, last = [], set(), 0
            for match in _PLACEHOLDER.finditer(key):
                parts.append(re.escape(key[last : match.start()]))
                name = match.group(1)
                # A name used twice must match the same text (a back reference).
                parts.append(f"(?P={name})" if name in names else f"(?P<{name}>.+?)")
                names.add(name)
                last = match.end()
            parts.append(re.escape(key[last:]))
            patterns.append((re.compile("".join(parts) + r"\Z", re.S), english))
    # Longer ids first: the most specific pattern wins.
    patterns.sort(key=lambda item: -len(item[0].pattern))
    return exact, patterns


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def english(message: str) -> str:
    """The English of ``message`` (Chinese, possibly interpolated), or ``message``."""
    exact, patterns = _catalogue()
    if message in exact:
        return exact[message]
    for pattern, template in patterns:
        match = pattern.match(message)
        if match:
            return _fill(template, match.groupdict())
    return message


def error_item(field: str | None, message: str, code: str) -> dict[str, Any]:
    """One problem of a JSON error answer, in both languages."""
    return {"field": field, "code": code, "message": message, "message_en": english(message)}


def error_body(code: str, items: list[dict[str, Any]], message: str = "") -> dict[str, Any]:
    """A JSON error answer (the integration API's shape): its stable code, the first
    problem (naming its field) as the message in Chinese and English, every problem."""
    message_en = english(message)
    if not message:
        first = items[0] if items else None
        if first is None:
            message = _("请求无法处理。")
            message_en = english(message)
        elif first["field"]:
            named = "%(field)s：%(message)s"
            message = _("%(field)s：%(message)s") % first
            # Each part in its own language (the pattern would keep the Chinese part).
            message_en = english(named) % {"field": first["field"], "message": first["message_en"]}
        else:
            message, message_en = first["message"], first["message_en"]
    return {
        "code": code,
        "message": message,
        "message_en": message_en,
        "field": items[0]["field"] if items else None,
        "errors": items,
    }
