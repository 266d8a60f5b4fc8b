"""``kewei tiers_evaluate --date D``: re-tier every customer for day D."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kewei.core.commands import parse_date
from kewei.tiers.services import TierError, potential_vips_flag, tiers_evaluate


class Command(BaseCommand):
    help = "客户分级 / re-tier every customer for a day"

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, type=parse_date, help="评级日 / the day")

    def handle(self, *args, date, **options):
        try:
            result = tiers_evaluate(day=date)
        except TierError as error:
            raise CommandError(" ".join(error.messages)) from None
        flagged = potential_vips_flag(day=date)
        if result.already_done:
            self.stdout.write(
                f"{date}: {result.scheme.code} 已评级 / already evaluated, "
                f"潜在贵宾 / potential VIPs {flagged}"
            )
            return
        self.stdout.write(
            f"{date}: {result.scheme.code} 评级 {result.evaluated} 名客户 / customers, "
            f"升级 / up {result.upgrades}, 降级 / down {result.downgrades}, "
            f"潜在贵宾 / potential VIPs {flagged}"
        )
