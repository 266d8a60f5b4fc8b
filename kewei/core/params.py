"""Reading ids and numbers from query strings and form posts that no form validates.

A value that is not a number is the caller's mistake, answered 400 with the parameter
named, not a server error (``int("abc")`` in a lookup) nor a silent 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

# The largest id a database integer column (PostgreSQL bigint) holds.
MAX_ID = 2**63 - 1


def int_param(
    params: Mapping[str, Any], name: str, *, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """The integer ``params[name]`` (a ``request.GET`` or ``request.POST``), None when it
    is absent or empty; :class:`BadRequest` (400) naming it when it is not a whole number
    between ``minimum`` and ``maximum``."""
    raw = params.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    # int() would accept "1_000", "+5" and full-width digits; an id is ASCII digits only.
    digits = text[1:] if text[:1] == "-" else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise BadRequest(_("参数 %(name)s 应为整数。") % {"name": name})
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadRequest(
            _("参数 %(name)s 应在 %(minimum)d 与 %(maximum)d 之间。")
            % {"name": name, "minimum": minimum, "maximum": maximum}
        )
    return value
