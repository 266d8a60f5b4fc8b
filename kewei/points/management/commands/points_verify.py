"""``kewei points_verify``: check the points ledger's invariants. Prints every customer
whose balance, entries or lots disagree and exits 1; exits 0 when all hold."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from kewei.points.services import points_verify


class Command(BaseCommand):
    help = "核对积分账 / verify the points ledger"

    def handle(self, *args, **options):
        violations = points_verify()
        for violation in violations:
            self.stdout.write(f"{violation.customer_number}: {violation.problem}")
        if violations:
            self.stderr.write(
                f"发现 {len(violations)} 处不一致 / {len(violations)} violations found"
            )
            sys.exit(1)
        self.stdout.write("积分账核对无误 / the points ledger is consistent")
