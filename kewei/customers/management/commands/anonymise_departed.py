"""``kewei anonymise_departed [--dry-run] [--date D]``: anonymise the personal data of
the customers who left the bank more than ``KEWEI_PERSONAL_DATA_RETENTION_DAYS`` before
D (default today), keeping the ledgers and the audit trail
(kewei.customers.services.retention). Run daily by the shipped schedule; run again, it
changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kewei.core.commands import parse_date
from kewei.customers.services.retention import customers_anonymise_departed


class Command(BaseCommand):
    help = "匿名化超过保存期限的离行客户个人信息 / anonymise departed customers past retention"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_date, help="处理日，默认今天 / the day")
        parser.add_argument(
            "--dry-run", action="store_true", help="只统计，不修改 / count, change nothing"
        )

    def handle(self, *args, date, dry_run, **options):
        result = customers_anonymise_departed(today=date, dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"将匿名化 {result.customers} 名客户（{result.cutoff} 及以前离行） / "
                f"would anonymise {result.customers} customers (left on or before "
                f"{result.cutoff})"
            )
            return
        self.stdout.write(
            f"已匿名化 {result.customers} 名客户（{result.cutoff} 及以前离行） / "
            f"anonymised {result.customers} customers (left on or before {result.cutoff})"
        )
