"""``kewei points_accrue --date D`` or ``--from D1 --to D2 [--dry-run]``: award the
points of a day, or of a range of days in order (backfill).

A day already accrued is left as it is. ``--dry-run`` prints what each rule would award
and writes nothing. Exits 2 when a day cannot be accrued (its feed is not loaded).
"""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from kewei.core.commands import parse_date
from kewei.points.services import PointsError, points_accrue


class Command(BaseCommand):
    help = "计算积分 / accrue the points of a day or a range of days"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_date, help="积分日 / the day")
        parser.add_argument("--from", dest="start", type=parse_date, help="起始日 / first day")
        parser.add_argument("--to", dest="end", type=parse_date, help="截止日 / last day")
        parser.add_argument(
            "--dry-run", action="store_true", help="只显示将发放的积分，不写入 / write nothing"
        )

    def handle(self, *args, date, start, end, dry_run, **options):
        if date and (start or end):
            raise CommandError("--date 与 --from/--to 只能选一种 / use --date or --from/--to")
        if date:
            start = end = date
        if not (start and end):
            raise CommandError("请给出 --date，或 --from 与 --to / give --date or --from and --to")
        if end < start:
            raise CommandError("--to 早于 --from / --to is before --from")
        day = start
        while day <= end:
            try:
                result = points_accrue(day=day, dry_run=dry_run)
            except PointsError as error:
                self.stderr.write(str(error))
                sys.exit(2)
            if result.already:
                self.stdout.write(f"{day}: 已计算过，未重复发放 / already accrued, nothing added")
            else:
                label = "预演 / dry run" if dry_run else "已发放 / awarded"
                self.stdout.write(
                    f"{day}: {label} {result.points} 积分 / points, {result.entries} 笔 / entries"
                )
                for total in result.rules:
                    self.stdout.write(
                        f"  {total.rule.code} {total.rule.name}: "
                        f"{total.customers} 名客户 / customers, {total.points} 积分 / points"
                    )
            day += dt.timedelta(days=1)
