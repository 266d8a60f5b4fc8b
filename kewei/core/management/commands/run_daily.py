"""``kewei run_daily [--date D]``: the nightly batch for business day D (default:
yesterday), after that day's feed is loaded. Runs every registered step in order and
stops at the first that fails; each step is idempotent, so the night can simply be run
again. Exit codes: 0 done, 1 a step failed, 3 the day's feed has not arrived (retry
later), 4 another night is running. ``--status [N]`` shows the last N nights. The
shipped schedule (kewei/core/schedule.py, ``kewei schedule``) runs it every night."""

from __future__ import annotations

import datetime as dt
import logging
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.core import night
from kewei.core.commands import parse_date
from kewei.core.daily import daily_steps

logger = logging.getLogger("kewei.daily")


class Command(BaseCommand):
    help = "日终批处理 / the nightly batch of one business day"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_date, help="业务日，默认昨天 / business day")
        parser.add_argument(
            "--status",
            type=int,
            nargs="?",
            const=7,
            default=None,
            metavar="N",
            help="最近 N 次日终批处理的状态（默认 7） / the last N nights (default 7)",
        )
        parser.add_argument(
            "--list", action="store_true", help="列出日终步骤，不运行 / list the steps, run none"
        )

    def handle(self, *args, date, **options):
        if options.get("status") is not None:
            for line in night.night_status_lines(nights=options["status"]):
                self.stdout.write(line)
            return
        if options.get("list"):
            self._list_steps()
            return
        day = date or timezone.localdate() - dt.timedelta(days=1)
        # The runner, its lock and its exit codes: kewei.core.night (docs/operations.md).
        result = night.night_run(day=day, write=self.stdout.write)
        if result.code != night.EXIT_DONE:
            self.stderr.write(result.message)
            sys.exit(result.code)

    def _list_steps(self) -> None:
        """The night's steps in run order, from their registrations."""
        self.stdout.write("\t".join([_("顺序"), _("步骤"), _("应用"), _("描述")]))
        for step in daily_steps():
            self.stdout.write(f"{step.order}\t{step.name}\t{step.app}\t{step.description}")
