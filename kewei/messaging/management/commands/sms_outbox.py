"""``kewei sms_outbox --out FILE``: hand the due queued SMS to the bank's SMS platform
as a UTF-8 CSV (reference, mobile, text); they are marked sent."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand

from kewei.messaging.services import outbox_collect


class Command(BaseCommand):
    help = "导出待发短信供短信平台发送 / export the SMS outbox for the SMS platform"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="CSV 文件 / the CSV file to write")
        parser.add_argument("--limit", type=int, default=10000)

    def handle(self, *args, out, limit, **options):
        handed = outbox_collect(channel="sms", limit=limit)
        with open(out, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["reference", "mobile", "text"])
            for outgoing in handed:
                writer.writerow([outgoing.reference, outgoing.address, outgoing.text])
        self.stdout.write(f"导出 / exported {len(handed)}")
