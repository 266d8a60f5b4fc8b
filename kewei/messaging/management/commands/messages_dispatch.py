"""``kewei messages_dispatch``: send the queued messages that are due (run it every few
minutes, and at 08:00 for those held over the quiet hours)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kewei.messaging.services import dispatch


class Command(BaseCommand):
    help = "发送到期的待发消息 / send the due queued messages"

    def handle(self, *args, **options):
        counts = dispatch()
        self.stdout.write(f"已发送 / sent {counts['sent']}, 失败 / failed {counts['failed']}")
