"""``kewei sms_replies --file FILE``: the replies the SMS platform received, as a CSV
(mobile, text, received_at ISO). TD withdraws consent; other replies become tasks."""

from __future__ import annotations

import csv
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kewei.messaging.services import reply_receive


class Command(BaseCommand):
    help = "导入客户短信回复 / import the customers' SMS replies"

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True)

    def handle(self, *args, file, **options):
        count = 0
        with open(file, newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    received = dt.datetime.fromisoformat(row["received_at"])
                    mobile, text = row["mobile"].strip(), row["text"]
                except (KeyError, ValueError, AttributeError):
                    raise CommandError(
                        f"第 {number} 行 / row {number}: 需要 mobile, text, received_at 列"
                        " / mobile, text and received_at are required"
                    ) from None
                if timezone.is_naive(received):
                    received = timezone.make_aware(received)
                count += len(reply_receive(mobile=mobile, body=text, received_at=received))
        self.stdout.write(f"回复 / replies {count}")
