"""The API's JSON parser: DRF's, with bounds. A body of 100,000 nested ``[`` made the
decoder recurse until Python gave up (a server error); and DRF reads the request stream
itself, past Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``. Too large or too deep is bad
input (400, ``body_too_large`` / ``body_too_deep``)."""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json as drf_json


class JsonRefused(exceptions.ParseError):
    """A body refused for its shape, with its own message (not "not valid JSON")."""


def _too_large(limit: int) -> JsonRefused:
    return JsonRefused(
        _("请求体过大：最多 %(limit)d 字节。") % {"limit": limit}, code="body_too_large"
    )


def _too_deep(limit: int) -> JsonRefused:
    return JsonRefused(
        _("请求体嵌套过深：最多 %(limit)d 层。") % {"limit": limit}, code="body_too_deep"
    )


def nesting_depth(value: Any) -> int:
    """How many arrays/objects deep ``value`` goes (without recursion)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        max_bytes = settings.KEWEI_API_JSON_MAX_BYTES
        max_depth = settings.KEWEI_API_JSON_MAX_DEPTH
        request = parser_context.get("request")
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            declared = 0
        if declared > max_bytes:
            raise _too_large(max_bytes)
        raw = stream.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise _too_large(max_bytes)
        encoding = get_encoding(parser_context)
        try:
            text = codecs.decode(raw, encoding)
            parse_constant = drf_json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise _too_deep(max_depth) from None
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        if nesting_depth(data) > max_depth:
            raise _too_deep(max_depth)
        return data
