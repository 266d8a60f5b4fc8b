"""``kewei seed_demo --customers N --seed S``: build the demo bank, deterministically."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from kewei.core.progress import BarProgress
from kewei.core.scope import DataScope, scope_activated
from kewei.demo.seeders import SeedContext, seeders


class Command(BaseCommand):
    help = "生成演示银行数据（可重复执行，相同参数得到相同数据） / build the demo bank"

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000, help="客户数 / customers")
        parser.add_argument("--seed", type=int, default=20261126, help="随机种子 / random seed")
        parser.add_argument("--days", type=int, default=730, help="历史天数 / days of history")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, customers, seed, days, no_progress, **options):
        started = time.monotonic()
        context = SeedContext(seed=seed, customers=customers, days=days)
        progress = BarProgress(stdout=_Quiet(), stderr=self.stderr._out, enabled=not no_progress)
        totals: dict[str, int] = {}
        with scope_activated(DataScope.everything()):
            for definition in seeders():
                result = definition.function(context, progress)
                progress.finish("")
                for key, value in result.items():
                    totals[f"{definition.name}.{key}"] = value
        elapsed = time.monotonic() - started
        parts = [f"{key}={value}" for key, value in totals.items()]
        self.stdout.write(
            f"演示数据已就绪 / demo data ready (seed={seed}, {elapsed:.1f}s): " + ", ".join(parts)
        )


class _Quiet:
    def write(self, text: str) -> None:
        pass
