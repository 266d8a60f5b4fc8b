"""Masking of personal data for screens, exports, audit rows and logs (JR/T 0171-2020)."""

from __future__ import annotations

import re

_DISTRICT = re.compile(
    r"^(.*?(?:省|自治区|特别行政区|市))?(.*?(?:市|自治州|地区|盟))?(.*?(?:区|县|旗|市))"
)


def mask_id_number(value: str | None) -> str:
    """Keep the first 6 and last 4 characters: ``110105********002X``."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str | None) -> str:
    """Keep the first 3 and last 4 digits: ``138****5678``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str:
    """Keep the address down to district (区/县) level."""
    if not value:
        return ""
    match = _DISTRICT.match(value)
    if match and match.group(0) and len(match.group(0)) < len(value):
        return match.group(0) + "****"
    return value[:6] + "****" if len(value) > 6 else "****"


def mask_email(value: str | None) -> str:
    """Keep the first character and the domain: ``z***@example.com``."""
    if not value:
        return ""
    local, _at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "****"


def mask_account_number(value: str | None) -> str:
    """Keep the first 4 and last 4 characters: ``6222****1234`` (a card or account)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "****" + value[-4:]


def mask_secret(value: object) -> str:
    return "******" if value not in (None, "") else ""


# Patterns for free text (log lines): 18-character resident ID numbers and mainland mobiles.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_EMAIL_IN_TEXT = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def mask_text(text: str) -> str:
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _EMAIL_IN_TEXT.sub(lambda m: m.group(1) + "***@" + m.group(2), text)
