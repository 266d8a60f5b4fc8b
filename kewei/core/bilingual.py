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
