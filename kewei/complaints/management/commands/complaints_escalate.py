"""``kewei complaints_escalate``: escalate the complaints that are late now (run it every
hour during the day)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kewei.complaints.services import complaints_escalate


class Command(BaseCommand):
    help = "逾期投诉升级 / escalate late complaints"

    def handle(self, *args, **options):
        counts = complaints_escalate()
        self.stdout.write(
            f"升级至主管 / to supervisors {counts[1]}, "
            f"升级至网点负责人 / to outlet heads {counts[2]}"
        )
