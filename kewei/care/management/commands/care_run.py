"""``kewei care_run --date D``: turn the occasions of day D into care tasks."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kewei.care.services import CareError, care_run
from kewei.core.commands import parse_date


class Command(BaseCommand):
    help = "生成关怀任务 / make the care tasks of a day"

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, type=parse_date, help="业务日 / the day")

    def handle(self, *args, date, **options):
        try:
            result = care_run(day=date)
        except CareError as error:
            raise CommandError(" ".join(error.messages)) from None
        for code, count in result.tasks.items():
            self.stdout.write(f"{code} {count}")
        self.stdout.write(f"{date}: 关怀任务 / care tasks {result.total}")
