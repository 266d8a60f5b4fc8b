"""Senders (pluggable by setting): how a message leaves Kewei.

- ``outbox`` (the default, and the embedded demo's): messages stay queued for the bank's
  own SMS platform (or mail system) to collect; nothing leaves the machine.
- ``http`` (SMS): an HTTP gateway; each message is one JSON POST.
- ``smtp`` (e-mail): Django's e-mail backend (``EMAIL_HOST`` ...).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage


class SendError(Exception):
    """The message could not be handed over; the text says why."""


@dataclass(frozen=True)
class Outgoing:
    reference: str  # the message id
    address: str  # mobile or e-mail address
    subject: str
    text: str


class OutboxSender:
    """Keeps messages for a platform to collect: ``direct`` is False, so dispatch
    leaves them queued."""

    direct = False

    def send(self, outgoing: Outgoing) -> str:  # pragma: no cover - never called
        raise SendError("outbox messages are collected, not sent")


class HttpSmsGateway:
    """An SMS gateway over HTTP: ``POST {"mobile", "content", "reference"}`` with a
    bearer token; a 2xx answer ``{"code": "0", "id": ...}`` means accepted."""

    direct = True

    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        if not url:
            raise SendError("KEWEI_SMS_GATEWAY_URL is not set")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, outgoing: Outgoing) -> str:
        payload = json.dumps(
            {"mobile": outgoing.address, "content": outgoing.text, "reference": outgoing.reference},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310  (a configured http(s) URL)
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as error:
            raise SendError(f"gateway HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SendError(f"gateway unreachable: {error}") from None
        except ValueError:
            raise SendError("gateway answered something other than JSON") from None
        if str(answer.get("code")) != "0":
            raise SendError(f"gateway refused: {answer.get('message') or answer.get('code')}")
        return str(answer.get("id", ""))[:64]


class SmtpSender:
    direct = True

    def send(self, outgoing: Outgoing) -> str:
        try:
            EmailMessage(
                subject=outgoing.subject,
                body=outgoing.text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[outgoing.address],
            ).send()
        except OSError as error:
            raise SendError(f"SMTP: {error}") from None
        return ""


def sender_for(channel: str):
    if channel == "sms":
        if settings.KEWEI_SMS_SENDER == "http":
            return HttpSmsGateway(settings.KEWEI_SMS_GATEWAY_URL, settings.KEWEI_SMS_GATEWAY_TOKEN)
        return OutboxSender()
    if settings.KEWEI_EMAIL_SENDER == "smtp":
        return SmtpSender()
    return OutboxSender()
