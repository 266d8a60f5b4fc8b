"""Reads of messaging: templates by occasion, a customer's messages, the queue."""

from __future__ import annotations

from django.db.models import QuerySet

from kewei.messaging.models import Message, MessageTemplate


def template_for(occasion: str, channel: str = "sms") -> MessageTemplate | None:
    return (
        MessageTemplate.objects.filter(occasion=occasion, channel=channel, enabled=True)
        .order_by("code")
        .first()
    )


def templates_enabled() -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(enabled=True).order_by("occasion", "channel", "code")


def messages_of(customer) -> QuerySet[Message]:
    return (
        Message.objects.filter(customer=customer)
        .select_related("sent_by", "template")
        .order_by("-created_at", "-pk")
    )
