"""``kewei run_daily [--date D]``: the nightly batch for business day D (default:
yesterday), after that day's feed is loaded. Runs every registered step in order and
stops at the first that fails (exit 1); each step is idempotent, so the night can simply
be run again. Schedule it with cron or a systemd timer, for example
``30 2 * * * kewei run_daily``."""

from __future__ import annotations

import datetime as dt
import logging
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from kewei.core.commands import parse_date
from kewei.core.daily import daily_steps

logger = logging.getLogger("kewei.daily")


class Command(BaseCommand):
    help = "日终批处理 / the nightly batch of one business day"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_date, help="业务日，默认昨天 / business day")

    def handle(self, *args, date, **options):
        day = date or timezone.localdate() - dt.timedelta(days=1)
        for step in daily_steps():
            try:
                summary = step.function(day)
            except Exception as error:
                logger.exception("daily step %s failed for %s", step.name, day)
                self.stderr.write(f"{day} {step.name}: 失败 / failed: {error}")
                sys.exit(1)
            self.stdout.write(f"{day} {step.name}: {summary}")
