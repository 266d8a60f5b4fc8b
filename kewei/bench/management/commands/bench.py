"""``kewei bench --scale N [--only NAME ...]``: build a demo bank of that size, run the
registered workloads, print a table and write it as JSON under ``var/bench/``."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from kewei.bench.measure import run_isolated
from kewei.bench.registry import benchmarks
from kewei.bench.workloads import seed_workload
from kewei.engine import runner


class Command(BaseCommand):
    help = "运行基准测试 / run the benchmark suite"

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=10000, help="客户数 / customers")
        parser.add_argument("--only", nargs="*", default=None, help="只运行这些基准")
        parser.add_argument("--no-seed", action="store_true", help="不重新生成数据")

    def handle(self, *args, scale, only, no_seed, **options):
        try:
            selected = benchmarks(only)
        except LookupError as error:
            raise CommandError(str(error)) from error
        engine = connection.vendor
        runner.warm_up()  # as in a running server; forked workloads inherit it
        rows = []
        if not no_seed:
            run = run_isolated(seed_workload, scale)
            rows.append(self._row("seed_demo", scale, engine, run, None))
        for benchmark in selected:
            # The tables as a running database keeps them, untimed, before every
            # workload: on PostgreSQL autovacuum follows a bulk load with VACUUM ANALYZE
            # (planner statistics, and the visibility map that lets index-only scans
            # skip the table); on SQLite, PRAGMA optimize runs ANALYZE.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE" if engine == "postgresql" else "ANALYZE")
            run = run_isolated(benchmark.workload, scale)
            reference = None
            if benchmark.reference is not None:
                reference = run_isolated(benchmark.reference, scale)
                if reference.result != run.result:
                    raise CommandError(
                        f"{benchmark.name}: result differs from the reference implementation"
                    )
            rows.append(self._row(benchmark.name, scale, engine, run, reference))
        self._print(rows)
        self._write(rows, engine, scale)

    @staticmethod
    def _row(name, scale, engine, run, reference) -> dict:
        row = {
            "workload": name,
            "scale": scale,
            "engine": engine,
            "seconds": round(run.seconds, 4),
            "rows": run.rows,
            "rows_per_second": round(run.rows / run.seconds, 1) if run.seconds else None,
            "peak_rss_mb": round(run.peak_rss_mb, 1),
            "reference_seconds": None,
            "ratio": None,
            "figures": run.figures or {},
        }
        if reference is not None:
            row["reference_seconds"] = round(reference.seconds, 4)
            row["ratio"] = round(reference.seconds / run.seconds, 2) if run.seconds else None
        return row

    def _print(self, rows: list[dict]) -> None:
        header = (
            "workload",
            "scale",
            "engine",
            "seconds",
            "rows/s",
            "peak MB",
            "vs ref",
            "figures",
        )
        lines = [header]
        for r in rows:
            lines.append(
                (
                    r["workload"],
                    str(r["scale"]),
                    r["engine"],
                    f"{r['seconds']:.3f}",
                    f"{r['rows_per_second'] or 0:,.0f}",
                    f"{r['peak_rss_mb']:.0f}",
                    f"{r['ratio']}×" if r["ratio"] is not None else "—",
                    " ".join(f"{k}={v}" for k, v in r["figures"].items()),
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        for index, line in enumerate(lines):
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)))
            if index == 0:
                self.stdout.write("  ".join("-" * w for w in widths))

    def _write(self, rows: list[dict], engine: str, scale: int) -> None:
        directory = Path(settings.VAR_DIR) / "bench"
        directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        document = {
            "created_at": timezone.now().isoformat(),
            "engine": engine,
            "scale": scale,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "results": rows,
        }
        for name in (f"bench-{stamp}-{engine}-{scale}.json", f"latest-{engine}.json"):
            (directory / name).write_text(json.dumps(document, ensure_ascii=False, indent=2))
        self.stdout.write(f"结果已写入 / written: {directory / f'latest-{engine}.json'}")
