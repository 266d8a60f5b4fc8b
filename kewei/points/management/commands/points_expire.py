"""``kewei points_expire --date D``: expire the points whose last day is before D."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kewei.core.commands import parse_date
from kewei.points.services import points_expire


class Command(BaseCommand):
    help = "积分过期处理 / expire points past their last day"

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, type=parse_date, help="处理日 / the day")

    def handle(self, *args, date, **options):
        result = points_expire(day=date)
        self.stdout.write(
            f"{date}: 过期 {result.points} 积分 / points expired, "
            f"{result.customers} 名客户 / customers"
        )
